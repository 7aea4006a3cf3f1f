// subgrad with every kernel variant (and its shared-memory build, for threads) inlined: initSync(), implicit init (a
// first tensor without init) and createBackend() work from the first line.
// The package's entry in Node, and 'subgrad/sync' for synchronous starts
// anywhere; src/api.ts is the same API loading only the variant init() picks.
import './kernels/relaxed.js';
import './kernels/simd.js';
import './kernels/scalar.js';
import './kernels/relaxedShared.js';
import './kernels/simdShared.js';
import './kernels/scalarShared.js';

export * from './api.js';
