// What a pool's worker thread runs, and the control block it shares with the
// calling thread (docs/threads.md). The worker's code is a string, not a
// function's source: transpilers (tsx's esbuild with keepNames, bundlers,
// coverage) rewrite function bodies with references to their own helpers,
// which a worker would not have. It uses only what browsers' Web Workers and
// Node's worker_threads both have; the host (src/backend/threads.ts, the Node
// entry) adds the line that hands it its first message.

/**
 * The control block, one SharedArrayBuffer. Int32 fields written by different
 * threads sit on different cache lines; then one slot of float64s per worker
 * (its kernel, result and arguments), then room for one error message.
 */
export const LAYOUT = {
  /** Job number: the caller bumps it to start a job; workers wait on it. */
  GEN: 0,
  /** Workers asleep in Atomics.wait on GEN: the caller notifies only when there are some. */
  SLEEPERS: 1,
  /** Workers done with the calls they took in the current job. */
  DONE: 16,
  /** 1 while the caller sleeps on DONE. */
  CALLER_WAITS: 17,
  /** Workers that have instantiated the kernels (or failed to). */
  READY: 32,
  /** The first failing worker's number (1, 2, …), 0 when none failed. */
  FAILED: 33,
  ERROR_LENGTH: 34,
  /** Byte offset of the first slot. */
  slotsAt: 192,
  /** Float64s per slot: its claim, kernel, result and up to 22 arguments (four cache lines). */
  slot: 32,
  /** The slot's first 4 bytes, an Int32 for Atomics: who runs the call (CLAIM_*). */
  CLAIM: 0,
  KERNEL: 1,
  RESULT: 2,
  ARGS: 3,
  /** Claim states: no call; a call offered to the worker; taken by the worker; withdrawn by the caller, who runs it. */
  CLAIM_NONE: 0,
  CLAIM_OFFERED: 1,
  CLAIM_TAKEN: 2,
  CLAIM_WITHDRAWN: 3,
  /** The kernel value that tells a worker to return. */
  EXIT: -2,
  errorBytes: 1024,
  /** How long an idle worker spins on GEN before it sleeps: longer than the gaps between a training step's kernels. */
  spinMs: 1,
} as const;


/** Bytes of a control block for `workers` workers. */
export function controlBytes(workers: number): number {
  return LAYOUT.slotsAt + workers * LAYOUT.slot * 8 + LAYOUT.errorBytes;
}

/**
 * serve(init): instantiates the kernels on the shared memory, reports ready,
 * then runs jobs until told to exit. init = { module, memory, control,
 * worker (1, 2, …), workers, names (kernel index → export name), layout }.
 */
export const SERVE = String.raw`function serve(init) {
  const L = init.layout;
  const ints = new Int32Array(init.control);
  const slots = new Float64Array(init.control);
  const errorAt = L.slotsAt + init.workers * L.slot * 8;
  const me = L.slotsAt / 8 + (init.worker - 1) * L.slot;
  const claim = me * 2 + L.CLAIM;
  const a = me + L.ARGS;
  function report(error) {
    if (Atomics.compareExchange(ints, L.FAILED, 0, init.worker) !== 0) return;
    const message = String((error && error.message) || error);
    const text = new TextEncoder().encode(message).subarray(0, L.errorBytes);
    new Uint8Array(init.control, errorAt, L.errorBytes).set(text);
    ints[L.ERROR_LENGTH] = text.length;
  }
  let fns = null;
  try {
    const env = {
      memory: init.memory,
      abort(_message, _file, line, column) {
        throw new Error('subgrad wasm kernel aborted at ' + line + ':' + column);
      },
    };
    const exports = new WebAssembly.Instance(init.module, { env }).exports;
    fns = init.names.map((name) => exports[name]);
  } catch (e) {
    report(e);
  }
  // Read before reporting ready: the first job may start the moment the caller sees READY.
  let seen = Atomics.load(ints, L.GEN);
  Atomics.add(ints, L.READY, 1);
  Atomics.notify(ints, L.READY);
  if (fns === null) return;
  for (;;) {
    let gen = Atomics.load(ints, L.GEN);
    if (gen === seen) {
      const until = performance.now() + L.spinMs;
      while ((gen = Atomics.load(ints, L.GEN)) === seen && performance.now() < until);
      while (gen === seen) {
        // SLEEPERS is raised before GEN is read again, so a job started meanwhile is either seen or notified.
        Atomics.add(ints, L.SLEEPERS, 1);
        Atomics.wait(ints, L.GEN, seen);
        Atomics.sub(ints, L.SLEEPERS, 1);
        gen = Atomics.load(ints, L.GEN);
      }
    }
    seen = gen;
    // The caller withdraws a call it finds still offered once its own share is done,
    // and runs it itself: a late worker finds nothing to do.
    if (Atomics.compareExchange(ints, claim, L.CLAIM_OFFERED, L.CLAIM_TAKEN) !== L.CLAIM_OFFERED) continue;
    const kernel = slots[me + L.KERNEL];
    if (kernel === L.EXIT) return;
    try {
      const result = fns[kernel](
        slots[a], slots[a + 1], slots[a + 2], slots[a + 3], slots[a + 4], slots[a + 5], slots[a + 6], slots[a + 7],
        slots[a + 8], slots[a + 9], slots[a + 10], slots[a + 11], slots[a + 12], slots[a + 13], slots[a + 14],
        slots[a + 15], slots[a + 16], slots[a + 17], slots[a + 18], slots[a + 19], slots[a + 20], slots[a + 21],
      );
      slots[me + L.RESULT] = result === undefined ? 0 : result;
    } catch (e) {
      report(e);
    }
    Atomics.add(ints, L.DONE, 1);
    if (Atomics.load(ints, L.CALLER_WAITS) !== 0) Atomics.notify(ints, L.DONE);
  }
}`;
