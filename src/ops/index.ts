export * from './elementwise.js';
export * from './reduce.js';
export * from './matmul.js';
export * from './shape.js';
export * from './indexing.js';
export { defineOp, opTable, type Kink, type KinkProbe, type CustomOpSpec } from './define.js';
