// Choosing and creating backends: init(), backendInfo(), the default backend.
import { Backend, type BackendName, type FloatDType, type KernelVariant } from './backend/backend.js';
import { jsKernels } from './backend/js/index.js';
import { ArrayBufferMemory, Memory, PAGE_BYTES, type MemoryStats } from './backend/memory.js';
import {
  MAX_WASM_BYTES,
  VARIANTS,
  createWasmBackend,
  createWasmBackendSync,
  supportedVariants,
  unsupportedReason,
} from './backend/wasm.js';
import { checkBackend, checkObject, show } from './check.js';
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
}

export interface BackendInfo {
  backend: BackendName;
  kernels: KernelVariant | 'reference';
  dtype: FloatDType;
  /** Every Wasm variant this runtime validates, best first. */
  supported: KernelVariant[];
  /** Why this backend and variant were chosen. */
  reason: string;
}

const OPTION_VALUES: Record<keyof InitOptions, readonly unknown[] | string> = {
  backend: ['wasm', 'js'],
  kernels: VARIANTS,
  dtype: ['float32', 'float64'],
  maxMemoryMB: 'a number of MiB in [1, 4096]',
};

interface Plan {
  name: BackendName;
  variant: KernelVariant | 'reference';
  dtype: FloatDType;
  maxBytes: number;
  reason: string;
}

function plan(options: InitOptions, op: string): Plan {
  checkObject(op, 'options', options as unknown);
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const allowed = OPTION_VALUES[key as keyof InitOptions];
    if (allowed === undefined) {
      throw new ArgumentError(op, `unknown option '${key}'; valid options are ${Object.keys(OPTION_VALUES).join(', ')}`);
    }
    const ok = Array.isArray(allowed)
      ? allowed.includes(value)
      : typeof value === 'number' && value >= 1 && value <= 4096;
    if (!ok) {
      const valid = Array.isArray(allowed) ? allowed.map((v) => `'${v}'`).join(', ') : allowed;
      throw new ArgumentError(op, `invalid ${key} ${show(value)}; valid values: ${valid}`);
    }
  }
  const maxBytes = Math.min(Math.floor((options.maxMemoryMB ?? 4096) * 16) * PAGE_BYTES, MAX_WASM_BYTES);
  const supported = supportedVariants();
  const name = options.backend ?? (supported.length > 0 ? 'wasm' : 'js');
  if (name === 'js') {
    if (options.kernels) throw new ArgumentError(op, `kernels '${options.kernels}' applies to the wasm backend only`);
    const reason = options.backend ? 'js backend requested' : 'no WebAssembly in this runtime: js reference backend';
    return { name, variant: 'reference', dtype: options.dtype ?? 'float32', maxBytes, reason };
  }
  if (options.dtype === 'float64') {
    throw new ArgumentError(op, `the wasm backend stores float32; use { backend: 'js', dtype: 'float64' } for float64`);
  }
  if (options.kernels) {
    return { name, variant: options.kernels, dtype: 'float32', maxBytes, reason: `kernels '${options.kernels}' requested` };
  }
  if (supported.length === 0) throw new ArgumentError(op, `the wasm backend cannot run here: ${unsupportedReason('scalar')}`);
  const variant = supported[0];
  const skipped = VARIANTS.slice(0, VARIANTS.indexOf(variant)).map((v) => `${v}: ${unsupportedReason(v)}`);
  const reason = `best variant this runtime validates` + (skipped.length ? ` (${skipped.join('; ')})` : '');
  return { name, variant, dtype: 'float32', maxBytes, reason };
}

let active: { backend: Backend; info: BackendInfo } | null = null;

function jsBackend(p: Plan): Backend {
  const memory = new Memory(new ArrayBufferMemory(16), 0, p.maxBytes);
  return new Backend('js', 'reference', p.dtype, jsKernels(memory, p.dtype), memory);
}

function activate(backend: Backend, p: Plan): BackendInfo {
  const info: BackendInfo = {
    backend: p.name,
    kernels: p.variant,
    dtype: p.dtype,
    supported: supportedVariants(),
    reason: p.reason,
  };
  active = { backend, info };
  return info;
}

/** Creates a backend without making it the default (e.g. js float64 for gradient checks). */
export function createBackend(options: InitOptions = {}): Backend {
  const p = plan(options, 'createBackend');
  return p.name === 'js' ? jsBackend(p) : createWasmBackendSync(p.variant as KernelVariant, p.maxBytes);
}

/** Chooses and loads the default backend. Call once before creating tensors (or rely on a lazy initSync()). */
export async function init(options: InitOptions = {}): Promise<BackendInfo> {
  const p = plan(options, 'init');
  const backend = p.name === 'js' ? jsBackend(p) : await createWasmBackend(p.variant as KernelVariant, p.maxBytes);
  return activate(backend, p);
}

/** Synchronous init: fine in Node and workers; browsers' main threads should await init(). */
export function initSync(options: InitOptions = {}): BackendInfo {
  const p = plan(options, 'initSync');
  const backend = p.name === 'js' ? jsBackend(p) : createWasmBackendSync(p.variant as KernelVariant, p.maxBytes);
  return activate(backend, p);
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
  checkBackend('memoryStats', 'backend', backend);
  return backend.stats();
}
