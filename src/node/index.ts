// subgrad/node: what needs Node (files, the terminal).
export { saveCheckpoint, loadCheckpoint, writeFileAtomic } from './checkpoint.js';
export { progressBar } from './progress.js';
export { loadDigits } from './mnist.js';
export type { Digits } from './mnist.js';
export type { ProgressOptions } from './progress.js';
