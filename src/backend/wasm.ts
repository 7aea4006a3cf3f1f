// Loads the AssemblyScript kernels from the binaries inlined at build time.
import { ArgumentError } from '../errors.js';
import { Backend, type KernelVariant } from './backend.js';
import type { KernelExports } from './kernels.js';
import { Memory, PAGE_BYTES, type MemoryOptions } from './memory.js';
import * as binaries from './wasm-binaries.generated.js';

export const VARIANTS: readonly KernelVariant[] = ['relaxed', 'simd', 'scalar'];

const decoded = new Map<string, Uint8Array<ArrayBuffer>>();

/** A variant's binary; `shared`: the build that imports shared memory, for threads (src/backend/threads.ts). */
function variantBytes(variant: KernelVariant, shared = false): Uint8Array<ArrayBuffer> {
  const name = shared ? (`${variant}Shared` as const) : variant;
  let bytes = decoded.get(name);
  if (!bytes) {
    // atob exists in browsers and Node >= 16: no Buffer, so src/ stays portable.
    const text = atob(binaries[name]);
    bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    decoded.set(name, bytes);
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

export type WasmExports = KernelExports & { memory: WebAssembly.Memory; heapBase: WebAssembly.Global };

/** An instance of the kernels; the shared builds import their memory. */
export function instantiateKernels(module: WebAssembly.Module, memory?: WebAssembly.Memory): WasmExports {
  const instance = new WebAssembly.Instance(module, {
    env: {
      ...(memory && { memory }),
      abort(_msg: number, _file: number, line: number, column: number) {
        throw new Error(`subgrad wasm kernel aborted at ${line}:${column}`);
      },
    },
  });
  return instance.exports as unknown as WasmExports;
}

function instantiate(module: WebAssembly.Module, variant: KernelVariant, maxBytes: number, options: MemoryOptions): Backend {
  const exports = instantiateKernels(module);
  const memory = new Memory(exports.memory, exports.heapBase.value as number, maxBytes, options);
  return new Backend('wasm', variant, 'float32', exports, memory);
}

export function checkVariant(variant: KernelVariant, shared = false): Uint8Array<ArrayBuffer> {
  const bytes = variantBytes(variant, shared);
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
