import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { probes } from '../src/backend/probes.generated.js';
import { buildOf, decodeBase64, loadedBinary } from '../src/backend/variants.js';
import { VARIANTS } from '../src/backend/wasm.js';
import { wasmVariants } from './helpers/backends.js';

describe('kernel variants', () => {
  it('every runtime with WebAssembly SIMD runs the simd and scalar variants', () => {
    expect(wasmVariants).toContain('simd');
    expect(wasmVariants).toContain('scalar');
  });

  // Node 20 validates relaxed SIMD only behind the flag that npm run test:relaxed passes (later Nodes need none).
  it.runIf(process.env.SUBGRAD_RELAXED === '1')('runs the relaxed variant under npm run test:relaxed', () => {
    expect(wasmVariants[0]).toBe('relaxed');
  });

  it('each variant and its shared-memory build are asconfig.json targets, and each probe validates exactly where its kernels do', () => {
    const builds = [...VARIANTS, ...VARIANTS.map((v) => buildOf(v, true))];
    expect(Object.keys(JSON.parse(readFileSync('asconfig.json', 'utf8')).targets)).toEqual(builds);
    for (const b of builds) {
      const probe = decodeBase64(probes[b]);
      expect(probe.length).toBeLessThan(256);
      expect([b, WebAssembly.validate(probe)]).toEqual([b, WebAssembly.validate(loadedBinary(b))]);
    }
  });
});
