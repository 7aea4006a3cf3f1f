// Loads the AssemblyScript kernels from the binaries inlined at build time.
import { ArgumentError } from '../errors.js';
import { Backend, type KernelVariant } from './backend.js';
import type { Kernels } from './kernels.js';
import { Memory, PAGE_BYTES, type MemoryOptions } from './memory.js';
import * as binaries from './wasm-binaries.generated.js';

export const VARIANTS: readonly KernelVariant[] = ['relaxed', 'simd', 'scalar'];

const decoded = new Map<KernelVariant, Uint8Array<ArrayBuffer>>();

function variantBytes(variant: KernelVariant): Uint8Array<ArrayBuffer> {
  let bytes = decoded.get(variant);
  if (!bytes) {
    // atob exists in browsers and Node >= 16: no Buffer, so src/ stays portable.
    const text = atob(binaries[variant]);
    bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    decoded.set(variant, bytes);
  }
  return bytes;
}

/** Which variants this runtime validates, best first. */
export function supportedVariants(): KernelVariant[] {
  if (typeof WebAssembly === 'undefined') return [];
  return VARIANTS.filter((v) => WebAssembly.validate(variantBytes(v)));
}

export function unsupportedReason(variant: KernelVariant): string {
  return variant === 'relaxed'
    ? 'this runtime does not validate relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd)'
    : variant === 'simd'
      ? 'this runtime does not validate WebAssembly SIMD128'
      : 'this runtime has no WebAssembly';
}

function instantiate(module: WebAssembly.Module, variant: KernelVariant, maxBytes: number, options: MemoryOptions): Backend {
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort(_msg: number, _file: number, line: number, column: number) {
        throw new Error(`subgrad wasm kernel aborted at ${line}:${column}`);
      },
    },
  });
  const exports = instance.exports as unknown as Kernels & { memory: WebAssembly.Memory; heapBase: WebAssembly.Global };
  const memory = new Memory(exports.memory, exports.heapBase.value as number, maxBytes, options);
  return new Backend('wasm', variant, 'float32', exports, memory);
}

function checkVariant(variant: KernelVariant): Uint8Array<ArrayBuffer> {
  const bytes = variantBytes(variant);
  if (!WebAssembly.validate(bytes)) {
    throw new ArgumentError('init', `kernels '${variant}' cannot run here: ${unsupportedReason(variant)}`);
  }
  return bytes;
}

export function createWasmBackendSync(variant: KernelVariant, maxBytes: number, options: MemoryOptions = {}): Backend {
  return instantiate(new WebAssembly.Module(checkVariant(variant)), variant, maxBytes, options);
}

export async function createWasmBackend(variant: KernelVariant, maxBytes: number, options: MemoryOptions = {}): Promise<Backend> {
  // Async compilation: browsers refuse synchronous compiles of large modules on the main thread.
  return instantiate(await WebAssembly.compile(checkVariant(variant)), variant, maxBytes, options);
}

export const MAX_WASM_BYTES = 65536 * PAGE_BYTES;
