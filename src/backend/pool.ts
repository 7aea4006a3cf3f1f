// Worker threads on one shared linear memory (docs/threads.md). A job is one
// kernel with a call per thread: the calling thread offers the workers' calls
// in the control block (src/backend/worker.ts), bumps the job number and
// computes its own share. Then it withdraws every call no worker has taken
// yet and runs those itself, so a job never waits for a sleeping worker to
// wake; it waits only for calls under way. No message is posted per kernel.
// Idle workers spin on the job number for LAYOUT.spinMs, then sleep in
// Atomics.wait; the caller waits the same way where the runtime lets it
// block, and only spins on a browser's main thread.
import { BackendError } from '../errors.js';
import { LAYOUT, SERVE, controlBytes } from './worker.js';

/** What a pool needs of a worker (worker_threads' Worker, a Web Worker). */
export interface PoolWorker {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

/** Where workers come from: Web Workers in browsers, worker_threads through the Node entry. */
export interface WorkerHost {
  /** How workers are made, for backendInfo() ('worker_threads', 'Web Workers'). */
  readonly name: string;
  /** Threads the machine runs at once (threads: 'auto'). */
  cores(): number;
  /** Starts a worker that calls the function whose source is `serve` with its first message. */
  spawn(serve: string): PoolWorker;
  /** True where workers start while the creating thread blocks (Node); browsers start them after it yields. */
  readonly startsWhileBlocked: boolean;
}

/** Most threads a pool runs, the calling thread included. */
export const MAX_THREADS = 64;
/** How long pool startup may take before it is given up. */
const START_TIMEOUT_MS = 30_000;
/**
 * How long the caller spins for the calls workers took before it sleeps:
 * longer than most calls' remainder, since waking a sleeping caller costs a
 * wake-up (~50 µs here) on top.
 */
const CALLER_SPIN_MS = 0.5;

type Exports = Record<string, (...args: number[]) => number | void>;

export class Pool {
  /** Threads, the calling thread included. */
  readonly threads: number;
  private readonly control: SharedArrayBuffer;
  private readonly ints: Int32Array;
  private readonly slots: Float64Array;
  private readonly workers: PoolWorker[] = [];
  private readonly ids = new Map<string, number>();
  /** Whether this thread may sleep in Atomics.wait (not a browser's main thread). */
  private readonly canBlock = canBlock();
  private closed = false;
  /** Calls the calling thread ran because their worker had not taken them when its own share was done. */
  withdrawn = 0;
  /** The first trap of the job under way on this thread: [part, error]. */
  private trap: [number, unknown] | null = null;

  /** Starts threads - 1 workers, each instantiating `module` on `memory`; `exports` are the calling thread's instance's. */
  constructor(host: WorkerHost, module: WebAssembly.Module, memory: WebAssembly.Memory, private readonly exports: Exports, threads: number) {
    this.threads = threads;
    this.control = new SharedArrayBuffer(controlBytes(threads - 1));
    this.ints = new Int32Array(this.control);
    this.slots = new Float64Array(this.control);
    const names = Object.keys(exports).filter((name) => typeof exports[name] === 'function');
    names.forEach((name, i) => this.ids.set(name, i));
    try {
      for (let worker = 1; worker < threads; worker++) {
        const w = host.spawn(SERVE);
        this.workers.push(w);
        w.postMessage({ module, memory, control: this.control, worker, workers: threads - 1, names, layout: LAYOUT });
      }
    } catch (e) {
      this.close();
      throw new BackendError('createBackend', `could not start ${threads - 1} ${host.name} worker(s): ${String(e)}`);
    }
  }

  /** Blocks until every worker is ready (where workers start while this thread blocks: Node). */
  waitReady(): void {
    const deadline = performance.now() + START_TIMEOUT_MS;
    let ready: number;
    while ((ready = Atomics.load(this.ints, LAYOUT.READY)) < this.threads - 1) {
      const left = deadline - performance.now();
      if (left <= 0) this.giveUp();
      Atomics.wait(this.ints, LAYOUT.READY, ready, left);
    }
    this.checkStarted();
  }

  /** Resolves when every worker is ready (browsers start workers only after the main thread yields). */
  async ready(): Promise<void> {
    const deadline = performance.now() + START_TIMEOUT_MS;
    while (Atomics.load(this.ints, LAYOUT.READY) < this.threads - 1) {
      if (performance.now() > deadline) this.giveUp();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    this.checkStarted();
  }

  private giveUp(): never {
    this.close();
    throw new BackendError('createBackend', `worker threads did not start within ${START_TIMEOUT_MS / 1000} s`);
  }

  private checkStarted(): void {
    if (Atomics.load(this.ints, LAYOUT.FAILED) === 0) return;
    const message = this.takeError();
    this.close();
    throw new BackendError('createBackend', `a worker thread could not instantiate the kernels: ${message}`);
  }

  /**
   * Runs `kernel` once per thread with calls[t]'s arguments (calls[0] on the
   * calling thread; null or missing: no call on that thread) and returns
   * each call's result (NaN where there was no call). A trap on any thread is rethrown as a BackendError
   * naming the kernel, after every thread has finished; the pool stays usable.
   */
  run(kernel: string, calls: readonly (readonly number[] | null)[]): number[] {
    if (this.closed) throw new BackendError(kernel, 'the backend was disposed: its worker threads have stopped');
    const { ints, slots } = this;
    const id = this.ids.get(kernel)!;
    Atomics.store(ints, LAYOUT.DONE, 0);
    for (let worker = 1; worker < this.threads; worker++) {
      const args = calls[worker];
      const at = this.slotOf(worker);
      if (args) {
        slots[at + LAYOUT.KERNEL] = id;
        for (let i = 0; i < args.length; i++) slots[at + LAYOUT.ARGS + i] = args[i];
      }
      // Atomics.store after the plain writes: a worker that takes the call sees its arguments.
      Atomics.store(ints, this.claimOf(worker), args ? LAYOUT.CLAIM_OFFERED : LAYOUT.CLAIM_NONE);
    }
    Atomics.add(ints, LAYOUT.GEN, 1);
    if (Atomics.load(ints, LAYOUT.SLEEPERS) > 0) Atomics.notify(ints, LAYOUT.GEN);
    const results = new Array<number>(this.threads).fill(NaN);
    this.trap = null;
    if (calls[0]) this.runHere(kernel, calls[0], 0, results);
    // Calls still offered once our share is done belong to workers that are asleep or descheduled: run them here.
    let taken = 0;
    for (let worker = 1; worker < this.threads; worker++) {
      const args = calls[worker];
      if (!args) continue;
      if (Atomics.compareExchange(ints, this.claimOf(worker), LAYOUT.CLAIM_OFFERED, LAYOUT.CLAIM_WITHDRAWN) === LAYOUT.CLAIM_TAKEN) {
        taken++;
      } else {
        this.withdrawn++;
        this.runHere(kernel, args, worker, results);
      }
    }
    this.waitForWorkers(taken);
    for (let worker = 1; worker < this.threads; worker++) {
      if (calls[worker] && Atomics.load(ints, this.claimOf(worker)) === LAYOUT.CLAIM_TAKEN) results[worker] = slots[this.slotOf(worker) + LAYOUT.RESULT];
    }
    // Worker w runs part w + 1 of the job, unless the calling thread withdrew it.
    const parts = `of ${this.threads}`;
    const failed = Atomics.load(ints, LAYOUT.FAILED);
    if (failed !== 0) {
      throw new BackendError(kernel, `trapped in part ${failed + 1} ${parts} on worker thread ${failed}: ${this.takeError()} (the backend stays usable)`);
    }
    const trap = this.trap as [number, unknown] | null;
    if (trap !== null) {
      throw new BackendError(kernel, `trapped in part ${trap[0] + 1} ${parts} on the calling thread: ${String(trap[1])} (the backend stays usable)`);
    }
    return results;
  }

  /** Runs part `part` of a job on this thread; a trap is kept (the first) until every part is done. */
  private runHere(kernel: string, args: readonly number[], part: number, results: number[]): void {
    try {
      results[part] = (this.exports[kernel](...args) as number | undefined) ?? 0;
    } catch (error) {
      this.trap ??= [part, error];
    }
  }

  private slotOf(worker: number): number {
    return LAYOUT.slotsAt / 8 + (worker - 1) * LAYOUT.slot;
  }

  /** The Int32 index of a worker's claim word (the first 4 bytes of its slot). */
  private claimOf(worker: number): number {
    return this.slotOf(worker) * 2 + LAYOUT.CLAIM;
  }

  /** Waits until the workers have finished the `taken` calls they took. */
  private waitForWorkers(taken: number): void {
    const { ints } = this;
    const until = performance.now() + CALLER_SPIN_MS;
    let done: number;
    while ((done = Atomics.load(ints, LAYOUT.DONE)) !== taken) {
      if (!this.canBlock || performance.now() < until) continue;
      Atomics.store(ints, LAYOUT.CALLER_WAITS, 1);
      while ((done = Atomics.load(ints, LAYOUT.DONE)) !== taken) Atomics.wait(ints, LAYOUT.DONE, done);
      Atomics.store(ints, LAYOUT.CALLER_WAITS, 0);
    }
  }

  /** The message a worker recorded, which is then cleared. */
  private takeError(): string {
    const at = controlBytes(this.threads - 1) - LAYOUT.errorBytes;
    // TextDecoder refuses views of shared memory: decode a copy.
    const text = new TextDecoder().decode(new Uint8Array(this.control, at, this.ints[LAYOUT.ERROR_LENGTH]).slice());
    Atomics.store(this.ints, LAYOUT.FAILED, 0);
    return text;
  }

  /** Stops the workers; later runs throw BackendError. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (let worker = 1; worker <= this.workers.length; worker++) {
      this.slots[this.slotOf(worker) + LAYOUT.KERNEL] = LAYOUT.EXIT;
      Atomics.store(this.ints, this.claimOf(worker), LAYOUT.CLAIM_OFFERED);
    }
    Atomics.add(this.ints, LAYOUT.GEN, 1);
    Atomics.notify(this.ints, LAYOUT.GEN);
    for (const w of this.workers) w.terminate();
  }
}

/** Whether this thread may block in Atomics.wait: everywhere but a browser's main thread. */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

