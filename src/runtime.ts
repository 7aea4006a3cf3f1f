// Choosing and creating backends: init(), backendInfo(), the default backend.
import { Backend, type BackendName, type FloatDType, type KernelVariant } from './backend/backend.js';
import { jsKernels } from './backend/js/index.js';
import { ArrayBufferMemory, Memory, PAGE_BYTES, type MemoryOptions, type MemoryStats } from './backend/memory.js';
import {
  MAX_WASM_BYTES,
  VARIANTS,
  createWasmBackend,
  createWasmBackendSync,
  supportedVariants,
  unsupportedReason,
} from './backend/wasm.js';
import { createThreadedBackend, createThreadedBackendSync, planThreads, type ThreadPlan, type ThreadsOption } from './backend/threads.js';
import { ArgumentError } from './errors.js';

export interface InitOptions {
  /** 'wasm' (default when the runtime has WebAssembly) or 'js'. */
  backend?: BackendName;
  /** Wasm kernel variant; default: the best this runtime validates (relaxed > simd > scalar). */
  kernels?: KernelVariant;
  /** Storage type: wasm is float32; js may be float32 (default) or float64. */
  dtype?: FloatDType;
  /** Upper bound on the backend's linear memory, in MiB (default and most: 4096). */
  maxMemoryMB?: number;
  /**
   * A debugging aid: a guard zone of this many bytes (a multiple of 16, at most
   * 4096) after every tensor's bytes, filled with a pattern that is verified
   * when the bytes are freed; an overwrite throws. Default 0 (off).
   */
  guardBytes?: number;
  /**
   * Threads the Wasm kernels run on, the calling thread included (default 1):
   * a count, or 'auto' for every available core (Node: through the Node
   * entry; browsers: only on cross-origin isolated pages). Results are
   * bit-identical for any count (docs/threads.md).
   */
  threads?: ThreadsOption;
  /** Scales the measured sizes below which a kernel call stays on the calling thread (default 1; 0 splits every call). */
  threadThreshold?: number;
}

export interface BackendInfo {
  backend: BackendName;
  kernels: KernelVariant | 'reference';
  dtype: FloatDType;
  /** Every Wasm variant this runtime validates, best first. */
  supported: KernelVariant[];
  /** Why this backend and variant were chosen. */
  reason: string;
  /** Threads the kernels run on, the calling thread included. */
  threads: number;
  /** Why that many (e.g. "page is not cross-origin isolated …: 1 thread"). */
  threadsReason: string;
}

const OPTION_VALUES: Record<keyof InitOptions, readonly unknown[] | string> = {
  backend: ['wasm', 'js'],
  kernels: VARIANTS,
  dtype: ['float32', 'float64'],
  maxMemoryMB: 'a number of MiB in [1, 4096]',
  guardBytes: 'a multiple of 16 in [0, 4096]',
  // Checked by planThreads (src/backend/threads.ts).
  threads: "'auto' or an integer in [1, 64]",
  threadThreshold: 'a number >= 0',
};

interface Plan {
  name: BackendName;
  variant: KernelVariant | 'reference';
  dtype: FloatDType;
  maxBytes: number;
  reason: string;
  memory: MemoryOptions;
  threads: ThreadPlan;
}

function plan(options: InitOptions, op: string): Plan {
  if (options === null || typeof options !== 'object') {
    throw new ArgumentError(op, `options must be an object, got ${String(options)}`);
  }
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const allowed = OPTION_VALUES[key as keyof InitOptions];
    if (allowed === undefined) {
      throw new ArgumentError(op, `unknown option '${key}'; valid options are ${Object.keys(OPTION_VALUES).join(', ')}`);
    }
    if (key === 'threads' || key === 'threadThreshold') continue;
    const ok = Array.isArray(allowed)
      ? allowed.includes(value)
      : key === 'guardBytes'
        ? Number.isInteger(value) && (value as number) % 16 === 0 && (value as number) >= 0 && (value as number) <= 4096
        : typeof value === 'number' && value >= 1 && value <= 4096;
    if (!ok) {
      const valid = Array.isArray(allowed) ? allowed.map((v) => `'${v}'`).join(', ') : allowed;
      throw new ArgumentError(op, `invalid ${key} ${JSON.stringify(value)}; valid values: ${valid}`);
    }
  }
  const maxBytes = Math.min(Math.floor((options.maxMemoryMB ?? 4096) * 16) * PAGE_BYTES, MAX_WASM_BYTES);
  const memory: MemoryOptions = { guardBytes: options.guardBytes ?? 0 };
  const supported = supportedVariants();
  const name = options.backend ?? (supported.length > 0 ? 'wasm' : 'js');
  const threads = planThreads(op, options.threads, options.threadThreshold, name);
  if (name === 'js') {
    if (options.kernels) throw new ArgumentError(op, `kernels '${options.kernels}' applies to the wasm backend only`);
    const reason = options.backend ? 'js backend requested' : 'no WebAssembly in this runtime: js reference backend';
    return { name, variant: 'reference', dtype: options.dtype ?? 'float32', maxBytes, reason, memory, threads };
  }
  if (options.dtype === 'float64') {
    throw new ArgumentError(op, `the wasm backend stores float32; use { backend: 'js', dtype: 'float64' } for float64`);
  }
  if (options.kernels) {
    return { name, variant: options.kernels, dtype: 'float32', maxBytes, reason: `kernels '${options.kernels}' requested`, memory, threads };
  }
  if (supported.length === 0) throw new ArgumentError(op, `the wasm backend cannot run here: ${unsupportedReason('scalar')}`);
  const variant = supported[0];
  const skipped = VARIANTS.slice(0, VARIANTS.indexOf(variant)).map((v) => `${v}: ${unsupportedReason(v)}`);
  const reason = `best variant this runtime validates` + (skipped.length ? ` (${skipped.join('; ')})` : '');
  return { name, variant, dtype: 'float32', maxBytes, reason, memory, threads };
}

let active: { backend: Backend; info: BackendInfo } | null = null;

function jsBackend(p: Plan): Backend {
  const memory = new Memory(new ArrayBufferMemory(16), 0, p.maxBytes, p.memory);
  return new Backend('js', 'reference', p.dtype, jsKernels(memory, p.dtype), memory);
}

function activate(backend: Backend, p: Plan): BackendInfo {
  const info: BackendInfo = {
    backend: p.name,
    kernels: p.variant,
    dtype: p.dtype,
    supported: supportedVariants(),
    reason: p.reason,
    threads: backend.threads,
    threadsReason: p.threads.reason,
  };
  active = { backend, info };
  return info;
}

function backendSync(p: Plan): Backend {
  if (p.name === 'js') return jsBackend(p);
  const variant = p.variant as KernelVariant;
  return p.threads.count > 1
    ? createThreadedBackendSync(variant, p.maxBytes, p.memory, p.threads)
    : createWasmBackendSync(variant, p.maxBytes, p.memory);
}

async function backendAsync(p: Plan): Promise<Backend> {
  if (p.name === 'js') return jsBackend(p);
  const variant = p.variant as KernelVariant;
  return p.threads.count > 1
    ? createThreadedBackend(variant, p.maxBytes, p.memory, p.threads)
    : createWasmBackend(variant, p.maxBytes, p.memory);
}

/**
 * Creates a backend without making it the default (e.g. js float64 for
 * gradient checks). With threads it blocks until the workers are up (Node);
 * browsers need createBackendAsync.
 */
export function createBackend(options: InitOptions = {}): Backend {
  return backendSync(plan(options, 'createBackend'));
}

/** createBackend that waits for worker threads without blocking: the way to threads in a browser. */
export async function createBackendAsync(options: InitOptions = {}): Promise<Backend> {
  return backendAsync(plan(options, 'createBackendAsync'));
}

/** Chooses and loads the default backend. Call once before creating tensors (or rely on a lazy initSync()). */
export async function init(options: InitOptions = {}): Promise<BackendInfo> {
  const p = plan(options, 'init');
  return activate(await backendAsync(p), p);
}

/** Synchronous init: fine in Node and workers; browsers' main threads should await init(). */
export function initSync(options: InitOptions = {}): BackendInfo {
  const p = plan(options, 'initSync');
  return activate(backendSync(p), p);
}

/** The default backend, initialised with defaults on first use. */
export function getBackend(): Backend {
  if (!active) initSync();
  return active!.backend;
}

export function backendInfo(): BackendInfo {
  getBackend();
  return { ...active!.info, supported: [...active!.info.supported] };
}

/** Memory figures of a backend (default: the default backend). */
export function memoryStats(backend: Backend = getBackend()): MemoryStats {
  return backend.stats();
}
