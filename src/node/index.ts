// subgrad/node: what needs Node (files, the terminal, worker threads).
import { setWorkerHost } from '../backend/threads.js';
import { nodeWorkers } from './threads.js';

// Threads (init({ threads })) in Node run on worker_threads.
setWorkerHost(nodeWorkers);

export { saveCheckpoint, loadCheckpoint, writeFileAtomic } from './checkpoint.js';
export { progressBar } from './progress.js';
export { loadDigits } from './mnist.js';
export type { Digits } from './mnist.js';
export type { ProgressOptions } from './progress.js';
