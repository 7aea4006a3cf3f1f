// Threaded backends (docs/threads.md): how many threads a request gets and
// why, where workers come from, and creating a backend whose kernels run on
// a pool of workers sharing its linear memory. src/ stays portable: Web
// Workers are built into browsers; Node's worker_threads come in through the
// Node entry (subgrad/node registers them with setWorkerHost).
import { checkNumber, show } from '../check.js';
import { ArgumentError, BackendError } from '../errors.js';
import { Backend, type BackendName, type KernelVariant } from './backend.js';
import { Memory, PAGE_BYTES, type MemoryOptions } from './memory.js';
import { MAX_THREADS, Pool, type PoolWorker, type WorkerHost } from './pool.js';
import { compileKernels, compileKernelsSync, instantiateKernels } from './wasm.js';

export type ThreadsOption = number | 'auto';

let registered: WorkerHost | null = null;

/** Makes `host` the source of workers (the Node entry registers worker_threads). */
export function setWorkerHost(host: WorkerHost): void {
  registered = host;
}

/** The Blob URL of the Web Workers' code, made once. */
let workerUrl: string | null = null;

/** Web Workers running the pool's code from a Blob URL: nothing to serve or locate. */
const webWorkers: WorkerHost = {
  name: 'Web Workers',
  cores: () => navigator.hardwareConcurrency || 1,
  startsWhileBlocked: false,
  spawn(serve: string): PoolWorker {
    const source = `${serve}\nself.onmessage = (e) => { self.onmessage = null; serve(e.data); };`;
    workerUrl ??= URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    return new Worker(workerUrl);
  },
};

/** The host workers can come from here, or why there is none. */
function findHost(): { host: WorkerHost | null; why: string } {
  if (registered) return { host: registered, why: '' };
  if (typeof Worker === 'undefined') {
    return { host: null, why: "this runtime has no Web Workers (in Node, import 'subgrad/node' first: it brings worker_threads)" };
  }
  if (typeof SharedArrayBuffer === 'undefined' || !(globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated) {
    return { host: null, why: 'page is not cross-origin isolated (serve it with the COOP and COEP headers of docs/threads.md)' };
  }
  return { host: webWorkers, why: '' };
}

export interface ThreadPlan {
  /** Threads, the calling thread included. */
  count: number;
  reason: string;
  host: WorkerHost | null;
  /** createBackend({ threadThreshold }): scales the sizes below which calls stay on the calling thread. */
  threshold: number;
}

/** Checks `threads` and `threadThreshold` and decides the count; an explicit count that cannot run here throws. */
export function planThreads(op: string, threads: unknown, threadThreshold: unknown, backend: BackendName): ThreadPlan {
  if (threads !== undefined && threads !== 'auto' && !(Number.isInteger(threads) && (threads as number) >= 1 && (threads as number) <= MAX_THREADS)) {
    throw new ArgumentError(op, `threads must be 'auto' or an integer in [1, ${MAX_THREADS}], got ${show(threads)}`);
  }
  if (threadThreshold !== undefined) checkNumber(op, 'threadThreshold', threadThreshold, { min: 0 });
  const threshold = threadThreshold ?? 1;
  const single = (reason: string): ThreadPlan => ({ count: 1, reason, host: null, threshold });
  if (threads === undefined || threads === 1) return single(threads === 1 ? '1 thread requested' : "threads off (the default; threads: 'auto' uses every core)");
  if (backend === 'js') {
    if (threads === 'auto') return single("the js backend runs on 1 thread ('auto' applies to wasm)");
    throw new ArgumentError(op, `threads: ${threads} applies to the wasm backend only`);
  }
  const { host, why } = findHost();
  if (host === null) {
    if (threads === 'auto') return single(`${why}: 1 thread`);
    throw new ArgumentError(op, `threads: ${threads} cannot run here: ${why}`);
  }
  if (threads !== 'auto') return { count: threads as number, reason: `${threads} threads requested (${host.name})`, host, threshold };
  const cores = Math.min(Math.max(1, host.cores()), MAX_THREADS);
  if (cores === 1) return single("'auto': 1 available core");
  return { count: cores, reason: `'auto': ${cores} available cores`, host, threshold };
}

/** The backend on shared memory and its pool, whose workers may still be starting. */
function start(variant: KernelVariant, module: WebAssembly.Module, maxBytes: number, options: MemoryOptions, plan: ThreadPlan): { backend: Backend; pool: Pool } {
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: 1, maximum: maxBytes / PAGE_BYTES, shared: true });
  } catch (e) {
    throw new BackendError('createBackend', `cannot reserve ${maxBytes / 2 ** 20} MiB of shared memory (${String(e)}); lower maxMemoryMB`);
  }
  const exports = instantiateKernels(module, memory);
  const pool = new Pool(plan.host!, module, memory, exports as unknown as Record<string, (...a: number[]) => number>, plan.count);
  const heap = new Memory(memory, exports.heapBase.value as number, maxBytes, options);
  return { backend: new Backend('wasm', variant, 'float32', exports, heap, pool, plan.threshold), pool };
}

/** A threaded wasm backend, ready to use: blocks until its workers are up (Node). */
export function createThreadedBackendSync(variant: KernelVariant, maxBytes: number, options: MemoryOptions, plan: ThreadPlan): Backend {
  if (!plan.host!.startsWhileBlocked) {
    throw new ArgumentError(
      'createBackend',
      `${plan.host!.name} start only after this thread yields: use await init({ threads }) or await createBackendAsync({ threads })`,
    );
  }
  const { backend, pool } = start(variant, compileKernelsSync('createBackend', variant, true), maxBytes, options, plan);
  pool.waitReady();
  return backend;
}

/** A threaded wasm backend, once its workers are up. */
export async function createThreadedBackend(variant: KernelVariant, maxBytes: number, options: MemoryOptions, plan: ThreadPlan): Promise<Backend> {
  const { backend, pool } = start(variant, await compileKernels('init', variant, true), maxBytes, options, plan);
  await pool.ready();
  return backend;
}
