// The main job (npm start): its options, and its core run at a small size.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../src/index.js';
import { DEFAULTS, OPTIMIZERS, parseOptions, runJob, type JobOptions } from '../../src/node/start.js';

describe('npm start options', () => {
  it('defaults to the issue job: MLP 784-128-10, ReLU, Adam, wasm, cross-entropy', () => {
    expect(parseOptions([])).toEqual(DEFAULTS);
    expect(DEFAULTS).toMatchObject({ hidden: [128], optimizer: 'adam', backend: 'wasm', loss: 'crossEntropy', l2: 0 });
    expect(parseOptions(['--help'])).toBe('help');
    expect(parseOptions(['-h'])).toBe('help');
  });

  it('reads every option', () => {
    const argv = [
      '--hidden', '256,64', '--optimizer', 'nesterov', '--lr', '0.02', '--schedule', 'step', '--epochs', '3', '--batch-size', '100',
      '--backend', 'wasm', '--kernels', 'scalar', '--seed', '7', '--loss', 'multiclassHinge', '--l2', '1e-4', '--compare-steps', '0', '--per-class', '50',
    ];
    expect(parseOptions(argv)).toEqual({
      hidden: [256, 64], optimizer: 'nesterov', lr: 0.02, schedule: 'step', epochs: 3, batchSize: 100, backend: 'wasm', kernels: 'scalar',
      seed: 7, loss: 'multiclassHinge', l2: 1e-4, compareSteps: 0, perClass: 50,
    });
    expect((parseOptions(['--hidden', '']) as JobOptions).hidden).toEqual([]);
    expect(Object.keys(OPTIMIZERS)).toEqual(expect.arrayContaining(['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adadelta', 'adam', 'amsgrad', 'nadam']));
  });

  it.each([
    [['--epochs', '0'], /--epochs must be an integer >= 1, got '0'/],
    [['--batch-size', 'many'], /--batch-size must be an integer >= 1, got 'many'/],
    [['--hidden', '128,-3'], /--hidden must be an integer >= 1, got '-3'/],
    [['--lr', '0'], /--lr must be a number > 0, got '0'/],
    [['--l2=-1'], /--l2 must be a number >= 0, got '-1'/],
    [['--l2', '-1'], /Option '--l2' argument is ambiguous/],
    [['--optimizer', 'adamax'], /--optimizer must be one of sgd, momentum, .*, got 'adamax'/],
    [['--loss', 'mse'], /--loss must be one of crossEntropy, multiclassHinge, got 'mse'/],
    [['--backend', 'webgpu'], /--backend must be one of wasm, js, got 'webgpu'/],
    [['--backend', 'js', '--kernels', 'simd'], /--kernels applies to the wasm backend only/],
    [['--epoch', '3'], /Unknown option '--epoch'/],
    [['extra'], /positional/],
  ])('%j is refused with a message naming the value', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(ArgumentError);
    expect(() => parseOptions(argv)).toThrow(message);
  });

  it('the command line: --help exits 0 with the options; a bad option exits 2 with the message', async () => {
    const run = (args: string[]) => promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/node/start.ts', ...args]);
    const help = await run(['--help']);
    for (const flag of ['--hidden', '--optimizer', '--lr', '--schedule', '--epochs', '--batch-size', '--backend', '--kernels', '--seed', '--loss', '--l2']) {
      expect(help.stdout).toContain(flag);
    }
    await expect(run(['--optimizer', 'adamax'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^npm start: --optimizer must be one of .*, got 'adamax'\nRun npm start -- --help for the options\.\n$/),
    });
  });
});

describe('runJob', () => {
  it('at a small size: prints backend, data, model, per-epoch progress, test accuracy, samples/s and the speed-up', async () => {
    const lines: string[] = [];
    const epochs: number[] = [];
    const result = await runJob(
      { ...DEFAULTS, hidden: [32], epochs: 4, perClass: 30, compareSteps: 3, l2: 1e-4 },
      (line) => lines.push(line),
      [{ onEpochEnd: (log) => void epochs.push(log.epoch) }],
    );
    expect(epochs).toEqual([1, 2, 3, 4]);
    expect(result.info.backend).toBe('wasm');
    expect(lines[0]).toBe(`subgrad backend: wasm (${result.info.kernels} kernels, float32)`);
    expect(lines[1]).toBe(`why: ${result.info.reason}`);
    expect(lines[2]).toBe('data: 300 MNIST digits (mnist package) → train 260 / validation 10 / test 30, stratified, seed 1');
    expect(lines[3]).toMatch(/^model: MLP 784-32-10 \(ReLU\), 25,450 parameters; adam lr 0\.003, cosine schedule; crossEntropy \+ L2 λ=0\.0001; batch 32, 4 epochs$/);
    expect(lines[4]).toBe(`test accuracy: ${(100 * result.testAccuracy).toFixed(2)}% (${Math.round(result.testAccuracy * 30)}/30 held-out digits, never seen in training)`);
    expect(result.testAccuracy).toBeGreaterThan(0.6);
    expect(lines[5]).toMatch(/^training: [\d,]+ samples\/s on wasm-\w+/);
    expect(lines[6]).toMatch(/timing the same 3 training steps \(batch 32\) on wasm-\w+ and js-float32 — only 3 of the run's 36/);
    const c = result.comparison!;
    expect(c.wasm).toBeGreaterThan(0);
    expect(c.js).toBeGreaterThan(0);
    expect(c.speedup).toBe(c.wasm / c.js);
    expect(lines[7]).toContain(`wasm is ${c.speedup.toFixed(1)}× faster`);
    expect(result.history.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
  });
});
