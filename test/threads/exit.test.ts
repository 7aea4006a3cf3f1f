// Pools never keep a Node process alive: a program that trains on 2 threads
// and never disposes its backend exits as soon as its own work is done —
// returning, with its workers asleep, or by an uncaught error. And without
// the Node entry, Node has no workers to offer.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function run(mode: string, fixture = 'exit.ts') {
  return spawnSync(process.execPath, ['--import', 'tsx', `test/threads/fixtures/${fixture}`, mode], { encoding: 'utf8', timeout: 60_000 });
}

describe('threads: clean exit', () => {
  it.each(['return', 'asleep'])('a program that ends (%s) exits with status 0', (mode) => {
    const { status, signal, stdout, stderr } = run(mode);
    expect(signal, stderr).toBeNull();
    expect(status, stderr).toBe(0);
    expect(stdout).toMatch(/^2 threads, loss \d/);
  });

  it("without the Node entry, 'auto' runs on 1 thread and says why; a count is refused", () => {
    const { status, stdout, stderr } = run('', 'no-node-entry.ts');
    expect(status, stderr).toBe(0);
    const why = "this runtime has no Web Workers (in Node, import 'subgrad/node' first: it brings worker_threads)";
    expect(stdout).toBe(`1 thread: ${why}: 1 thread\nArgumentError: createBackend: threads: 2 cannot run here: ${why}\n`);
  });

  it('an uncaught error ends the program with status 1', () => {
    const { status, signal, stderr } = run('throw');
    expect(signal).toBeNull();
    expect(status).toBe(1);
    expect(stderr).toMatch(/thrown on purpose/);
  });
});
