// The terminal progress reporter: a bar redrawn in place in a TTY, plain
// epoch lines otherwise (not a TTY, or CI set).
import { afterEach, describe, expect, it } from 'vitest';
import { data, fit, losses, nn, optim } from '../../src/index.js';
import { digitsDataset } from '../../src/node/mnist.js';
import { progressBar } from '../../src/node/progress.js';

const savedCI = process.env.CI;
afterEach(() => {
  if (savedCI === undefined) delete process.env.CI;
  else process.env.CI = savedCI;
});

const { train, val } = data.trainValTestSplit(digitsDataset({ perClass: 10 }), [0.8, 0.2, 0], { stratified: true, seed: 1 });

async function capture(isTTY: boolean, options: Parameters<typeof progressBar>[0] = {}): Promise<string> {
  let out = '';
  const stream = { isTTY, columns: 200, write: (s: string) => void (out += s) };
  const model = new nn.MLP([784, 8, 10], { seed: 1 });
  await fit(model, train, {
    loss: losses.crossEntropy, optimizer: new optim.Adam(model.parameters()), epochs: 2, batchSize: 16, seed: 1,
    metrics: ['accuracy'], validation: val, callbacks: progressBar({ stream, interval: 0, ...options }),
  });
  return out;
}

describe('progressBar', () => {
  it('in a TTY: a bar per epoch redrawn with \\r, showing the loss and samples/s, replaced by the epoch summary', async () => {
    delete process.env.CI;
    const out = await capture(true);
    const lines = out.split('\n');
    expect(lines).toHaveLength(3); // two epochs, then the empty rest after the last newline
    for (const [i, line] of lines.slice(0, 2).entries()) {
      const frames = line.split('\r').filter(Boolean);
      expect(frames.length).toBe(Math.ceil(train.length / 16) + 1);
      expect(frames[0]).toMatch(new RegExp(`^epoch ${i + 1}/2 ━+─+ +\\d+% 1/5 loss \\d\\.\\d+ · [\\d,]+ samples/s\\x1b\\[K$`));
      expect(frames.at(-2)).toMatch(new RegExp(`^epoch ${i + 1}/2 ━{24} 100% 5/5 loss `));
      expect(frames.at(-1)).toMatch(new RegExp(`^epoch ${i + 1}/2 loss \\S+ acc \\S+% · val loss \\S+ acc \\S+% · [\\d,]+ samples/s · \\d+\\.\\d s\\x1b\\[K$`));
    }
  });

  it('not a TTY: only one plain line per epoch', async () => {
    const out = await capture(false);
    expect(out).not.toContain('\r');
    expect(out.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^epoch 1\/2 loss \S+ acc \S+% · val loss \S+ acc \S+% · [\d,]+ samples\/s · \d+\.\d s$/),
      expect.stringMatching(/^epoch 2\/2 loss /),
    ]);
  });

  it('under CI, even a TTY gets no bar; bar: true forces one', async () => {
    process.env.CI = 'true';
    expect(await capture(true)).not.toContain('\r');
    expect(await capture(false, { bar: true })).toContain('━');
  });

  it('cuts lines to the terminal width', async () => {
    let out = '';
    const model = new nn.MLP([784, 8, 10], { seed: 1 });
    await fit(model, train, {
      loss: losses.crossEntropy, optimizer: new optim.Adam(model.parameters()), epochs: 1, batchSize: 16,
      callbacks: progressBar({ stream: { isTTY: true, columns: 30, write: (s) => void (out += s) }, bar: true, interval: 0 }),
    });
    for (const frame of out.split(/[\r\n]/).filter(Boolean)) expect(frame.replace('\x1b[K', '').length).toBeLessThanOrEqual(29);
  });
});
