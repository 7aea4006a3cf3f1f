// The js backend's kernels: the readable reference the Wasm kernels are
// tested against, on Float32 or Float64 storage.
import type { KernelExports } from '../kernels.js';
import type { Memory } from '../memory.js';
import { elementwiseKernels } from './elementwise.js';
import { indexingKernels } from './indexing.js';
import { matmulKernels } from './matmul.js';
import { optimKernels } from './optim.js';
import { reduceKernels } from './reduce.js';
import { softmaxXentKernels } from './softmax_xent.js';
import { JsViews } from './views.js';

export function jsKernels(memory: Memory, dtype: 'float32' | 'float64'): KernelExports {
  const views = new JsViews(memory, dtype);
  return {
    ...elementwiseKernels(views),
    ...reduceKernels(views),
    ...indexingKernels(views),
    ...matmulKernels(views),
    ...optimKernels(views),
    ...softmaxXentKernels(views),
  };
}
