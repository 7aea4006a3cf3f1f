// Choosing and creating backends: init(), backendInfo(), the default backend.
import { Backend, type BackendName, type FloatDType, type KernelVariant } from './backend/backend.js';
import { jsKernels } from './backend/js/index.js';
import { ArrayBufferMemory, Memory, PAGE_BYTES, type MemoryOptions, type MemoryStats } from './backend/memory.js';
import { isLoaded } from './backend/variants.js';
import {
  MAX_WASM_BYTES,
  VARIANTS,
  createWasmBackend,
  createWasmBackendSync,
  supportedVariants,
  unsupportedReason,
} from './backend/wasm.js';
import { checkBackend, checkInteger, checkNumber, checkOneOf, checkOptions } from './check.js';
import { createThreadedBackend, createThreadedBackendSync, planThreads, type ThreadPlan, type ThreadsOption } from './backend/threads.js';
import { ArgumentError, BackendError } from './errors.js';

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
   * 'js': when the wasm backend cannot start (a Content-Security-Policy refuses
   * WebAssembly, the kernels cannot be loaded), continue on the js backend in
   * float32; backendInfo().reason says why. Default: throw a BackendError.
   */
  fallback?: 'js';
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

const OPTIONS: readonly (keyof InitOptions)[] = ['backend', 'kernels', 'dtype', 'maxMemoryMB', 'fallback', 'guardBytes', 'threads', 'threadThreshold'];

interface Plan {
  name: BackendName;
  variant: KernelVariant | 'reference';
  dtype: FloatDType;
  maxBytes: number;
  memory: MemoryOptions;
  fallback?: 'js';
  reason: string;
  threads: ThreadPlan;
}

/** Why a better variant than the chosen one was passed over. */
function skipped(variant: KernelVariant, supported: KernelVariant[]): string {
  const passed = VARIANTS.slice(0, VARIANTS.indexOf(variant)).map((v) =>
    `${v}: ${supported.includes(v) ? `not loaded (await init(), or import 'subgrad/kernels/${v}')` : unsupportedReason(v)}`);
  return passed.length ? ` (${passed.join('; ')})` : '';
}

/**
 * Checks the options and decides what to create. The synchronous paths prefer
 * a variant that is loaded already; init() loads the best one.
 */
function plan(options: InitOptions, op: string, sync: boolean): Plan {
  const o = checkOptions(op, options, OPTIONS);
  if (o.backend !== undefined) checkOneOf(op, 'backend', o.backend, ['wasm', 'js']);
  if (o.kernels !== undefined) checkOneOf(op, 'kernels', o.kernels, VARIANTS);
  if (o.dtype !== undefined) checkOneOf(op, 'dtype', o.dtype, ['float32', 'float64']);
  if (o.maxMemoryMB !== undefined) checkNumber(op, 'maxMemoryMB', o.maxMemoryMB, { min: 1, max: 4096 });
  if (o.fallback !== undefined) checkOneOf(op, 'fallback', o.fallback, ['js']);
  if (o.guardBytes !== undefined) {
    checkInteger(op, 'guardBytes', o.guardBytes, 0, 4096);
    if (o.guardBytes % 16 !== 0) throw new ArgumentError(op, `guardBytes must be a multiple of 16, got ${o.guardBytes}`);
  }
  const maxBytes = Math.min(Math.floor((o.maxMemoryMB ?? 4096) * 16) * PAGE_BYTES, MAX_WASM_BYTES);
  const supported = supportedVariants();
  const name = o.backend ?? (supported.length > 0 ? 'wasm' : 'js');
  const threads = planThreads(op, o.threads, o.threadThreshold, name);
  const base = { name, dtype: o.dtype ?? 'float32', maxBytes, memory: { guardBytes: o.guardBytes ?? 0 }, fallback: o.fallback, threads };
  if (name === 'js') {
    if (o.kernels) throw new ArgumentError(op, `kernels '${o.kernels}' applies to the wasm backend only`);
    const reason = o.backend ? 'js backend requested' : 'no WebAssembly in this runtime: js reference backend';
    return { ...base, variant: 'reference', reason };
  }
  if (o.dtype === 'float64') {
    throw new ArgumentError(op, `the wasm backend stores float32; use { backend: 'js', dtype: 'float64' } for float64`);
  }
  if (o.kernels) return { ...base, variant: o.kernels, reason: `kernels '${o.kernels}' requested` };
  if (supported.length === 0) throw new ArgumentError(op, `the wasm backend cannot run here: ${unsupportedReason('scalar')}`);
  const variant = (sync && supported.find(isLoaded)) || supported[0];
  return { ...base, variant, reason: `best variant this runtime validates${skipped(variant, supported)}` };
}

let active: { backend: Backend; info: BackendInfo } | null = null;

function jsBackend(p: Plan): Backend {
  const memory = new Memory(new ArrayBufferMemory(16), 0, p.maxBytes, p.memory);
  return new Backend('js', 'reference', p.dtype, jsKernels(memory, p.dtype), memory);
}

interface Started {
  backend: Backend;
  plan: Plan;
}

/** The js backend instead of a wasm backend that could not start, when the options ask for it. */
function fallBack(p: Plan, e: unknown): Started {
  if (p.fallback !== 'js' || !(e instanceof BackendError)) throw e;
  const js: Plan = {
    ...p, name: 'js', variant: 'reference', reason: `fallback 'js' because the wasm backend cannot start: ${e.message}`,
    threads: { ...p.threads, count: 1, reason: 'the js backend runs on 1 thread', host: null },
  };
  return { backend: jsBackend(js), plan: js };
}

function startSync(options: InitOptions, op: string): Started {
  const p = plan(options, op, true);
  if (p.name === 'js') return { backend: jsBackend(p), plan: p };
  const variant = p.variant as KernelVariant;
  try {
    const backend = p.threads.count > 1
      ? createThreadedBackendSync(variant, p.maxBytes, p.memory, p.threads)
      : createWasmBackendSync(op, variant, p.maxBytes, p.memory);
    return { backend, plan: p };
  } catch (e) {
    return fallBack(p, e);
  }
}

async function start(options: InitOptions, op: string): Promise<Started> {
  const p = plan(options, op, false);
  if (p.name === 'js') return { backend: jsBackend(p), plan: p };
  const variant = p.variant as KernelVariant;
  try {
    const backend = p.threads.count > 1
      ? await createThreadedBackend(variant, p.maxBytes, p.memory, p.threads)
      : await createWasmBackend(op, variant, p.maxBytes, p.memory);
    return { backend, plan: p };
  } catch (e) {
    return fallBack(p, e);
  }
}

function activate({ backend, plan: p }: Started): BackendInfo {
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

/**
 * Creates a backend without making it the default (e.g. js float64 for
 * gradient checks). A wasm backend needs its variant loaded: see init().
 * With threads it blocks until the workers are up (Node); browsers need
 * createBackendAsync.
 */
export function createBackend(options: InitOptions = {}): Backend {
  return startSync(options, 'createBackend').backend;
}

/** createBackend that loads the kernels it needs and waits for worker threads without blocking: the way to threads in a browser. */
export async function createBackendAsync(options: InitOptions = {}): Promise<Backend> {
  return (await start(options, 'createBackendAsync')).backend;
}

/**
 * Chooses and starts the default backend, importing the chosen kernel variant
 * (only that one) if it is not loaded yet. Call once before creating tensors.
 */
export async function init(options: InitOptions = {}): Promise<BackendInfo> {
  return activate(await start(options, 'init'));
}

/**
 * Synchronous init: with the variants already loaded (the 'subgrad/sync'
 * entry, Node's entry, an import of 'subgrad/kernels/<variant>', or an
 * earlier init()); otherwise it throws a BackendError saying what to load.
 * Browsers' main threads should await init().
 */
export function initSync(options: InitOptions = {}): BackendInfo {
  return activate(startSync(options, 'initSync'));
}

/** The default backend, initialised with defaults on first use. */
export function getBackend(): Backend {
  if (!active) activate(startSync({}, 'implicit init'));
  return active!.backend;
}

export function backendInfo(): BackendInfo {
  getBackend();
  return { ...active!.info, supported: [...active!.info.supported] };
}

/** Memory figures of a backend (default: the default backend). */
export function memoryStats(backend: Backend = getBackend()): MemoryStats {
  checkBackend('memoryStats', 'backend', backend);
  return backend.stats();
}
