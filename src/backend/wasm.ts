// The wasm backend: which kernel variants this runtime runs (decided on tiny
// probe modules, so detection needs no kernels), and a loaded variant's binary
// compiled and instantiated on its own linear memory. Threads use the shared-
// memory build of a variant (src/backend/threads.ts), compiled the same way.
import { ArgumentError, BackendError } from '../errors.js';
import { Backend, type KernelVariant } from './backend.js';
import type { KernelExports } from './kernels.js';
import { Memory, PAGE_BYTES, type MemoryOptions } from './memory.js';
import { probes } from './probes.generated.js';
import { buildOf, decodeBase64, howToLoad, isLoaded, loadKernels, loadedBinary } from './variants.js';

export const VARIANTS: readonly KernelVariant[] = ['relaxed', 'simd', 'scalar'];

/** Which variants this runtime validates, best first. */
export function supportedVariants(): KernelVariant[] {
  if (typeof WebAssembly === 'undefined') return [];
  return VARIANTS.filter((v) => WebAssembly.validate(decodeBase64(probes[v])));
}

export function unsupportedReason(variant: KernelVariant): string {
  return variant === 'relaxed'
    ? 'this runtime does not validate relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd)'
    : variant === 'simd'
      ? 'this runtime does not validate WebAssembly SIMD128'
      : 'this runtime has no WebAssembly';
}

function checkSupported(op: string, variant: KernelVariant, shared: boolean): void {
  if (!supportedVariants().includes(variant)) {
    throw new ArgumentError(op, `kernels '${variant}' cannot run here: ${unsupportedReason(variant)}`);
  }
  if (shared && !WebAssembly.validate(decodeBase64(probes[buildOf(variant, true)]))) {
    throw new ArgumentError(op, `kernels '${variant}' cannot run threaded here: this runtime does not validate WebAssembly threads (shared memory, atomics)`);
  }
}

/**
 * Why compiling a variant failed. Its probe validated, so a CompileError (an
 * EvalError in WebKit) means the runtime refuses to compile any WebAssembly:
 * on a page, a Content-Security-Policy without 'wasm-unsafe-eval'.
 */
function compileFailure(op: string, variant: KernelVariant, e: unknown): BackendError {
  const { name, message } = e as Error;
  const text = name === 'CompileError' || name === 'EvalError'
    ? `this runtime refuses to compile WebAssembly (${message}); on a web page, add 'wasm-unsafe-eval' to the script-src directive of its Content-Security-Policy, or pass { fallback: 'js' } to continue on the js backend`
    : `could not compile the '${variant}' kernels: ${message}`;
  return new BackendError(op, text, { cause: e });
}

/** The variant's kernels (the shared-memory build for threads), compiled; its module must be loaded. */
export function compileKernelsSync(op: string, variant: KernelVariant, shared = false): WebAssembly.Module {
  checkSupported(op, variant, shared);
  const build = buildOf(variant, shared);
  if (!isLoaded(build)) throw new BackendError(op, `the '${build}' kernels are not loaded: ${howToLoad(build)}`);
  try {
    return new WebAssembly.Module(loadedBinary(build));
  } catch (e) {
    throw compileFailure(op, variant, e);
  }
}

/** The same, importing the variant's module if needed and compiling asynchronously. */
export async function compileKernels(op: string, variant: KernelVariant, shared = false): Promise<WebAssembly.Module> {
  checkSupported(op, variant, shared);
  const build = buildOf(variant, shared);
  await loadKernels(op, build);
  try {
    // Async compilation: browsers refuse synchronous compiles of large modules on the main thread.
    return await WebAssembly.compile(loadedBinary(build));
  } catch (e) {
    throw compileFailure(op, variant, e);
  }
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

/** Needs the variant's module loaded already (by init(), by importing it, or by the 'subgrad/sync' entry). */
export function createWasmBackendSync(op: string, variant: KernelVariant, maxBytes: number, options: MemoryOptions = {}): Backend {
  return instantiate(compileKernelsSync(op, variant), variant, maxBytes, options);
}

/** Imports the variant's module if needed, then compiles it asynchronously. */
export async function createWasmBackend(op: string, variant: KernelVariant, maxBytes: number, options: MemoryOptions = {}): Promise<Backend> {
  return instantiate(await compileKernels(op, variant), variant, maxBytes, options);
}

export const MAX_WASM_BYTES = 65536 * PAGE_BYTES;
