// Worker threads for Node: the pool's workers as worker_threads, unref'd so
// that a pool never keeps a process alive. Importing subgrad/node registers
// them (src/ itself stays free of Node built-ins).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WorkerHost } from '../backend/pool.js';

export const nodeWorkers: WorkerHost = {
  name: 'worker_threads',
  cores: () => availableParallelism(),
  startsWhileBlocked: true,
  spawn(serve: string) {
    const worker = new Worker(`${serve}\nrequire('node:worker_threads').parentPort.once('message', serve);`, { eval: true });
    worker.unref();
    return worker;
  },
};
