// Anomaly mode: the first NaN (or infinity, when asked) names the op that
// produced it, the pass, the input shapes and where the op was called.
import { afterEach, describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { js64, wasmBackends } from './helpers/backends.js';

afterEach(() => sg.setDetectAnomaly(false));

describe('detectAnomaly', () => {
  it.each([js64, ...wasmBackends].map((b) => [b.label, b] as const))('names the op that made a NaN in forward, and where it was called (%s)', (_l, backend) => {
    const x = sg.tensor([1, -1, 2], undefined, { backend });
    let error: unknown;
    try {
      sg.detectAnomaly(() => sg.scope(() => sg.sum(sg.exp(sg.log(x)))));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(sg.NonFiniteError);
    const message = (error as Error).message;
    expect(message).toMatch(/^log: anomaly mode: forward produced NaN in its output \(shape \[3\], element 1\); inputs \[3\]/);
    expect(message).toMatch(/anomaly\.test\.ts/);
    expect((error as sg.NonFiniteError).op).toBe('log');
  });

  it('names the op whose vjp made a non-finite gradient, and leaves gradients unchanged', () => {
    const x = sg.tensor([0, 4], undefined, { backend: js64, requiresGrad: true });
    sg.scope(() => sg.sum(x).backward());
    expect(() =>
      sg.detectAnomaly(() => sg.scope(() => sg.sum(sg.sqrt(x)).backward()), { inf: true }),
    ).toThrow(/^sqrt: anomaly mode: backward produced Infinity in its gradient for input 0/);
    expect(Array.from(x.grad!.data())).toEqual([1, 1]);
    // Without inf: true an infinite gradient is legitimate (it is not NaN).
    sg.detectAnomaly(() => sg.scope(() => sg.sum(sg.sqrt(x)).backward()));
    expect(x.grad!.data()[0]).toBe(Infinity);
  });

  it('is off by default and after detectAnomaly returns; -Infinity logits pass unless inf is asked for', () => {
    const backend = wasmBackends[0];
    const logits = sg.tensor([[-Infinity, 0]], undefined, { backend });
    const labels = sg.tensor(new Int32Array([1]), undefined, { backend });
    expect(sg.detectAnomaly(() => sg.losses.crossEntropy(logits, labels).item())).toBe(0);
    expect(() => sg.detectAnomaly(() => sg.neg(logits), { inf: true })).toThrow(sg.NonFiniteError);
    expect(Number.isNaN(sg.log(sg.tensor([-1], undefined, { backend: js64 })).item())).toBe(true);
    sg.setDetectAnomaly(true);
    expect(() => sg.log(sg.tensor([-1], undefined, { backend: js64 }))).toThrow(sg.NonFiniteError);
    sg.setDetectAnomaly(false);
    expect(Number.isNaN(sg.log(sg.tensor([-1], undefined, { backend: js64 })).item())).toBe(true);
  });

  it('checks its arguments', () => {
    expect(() => sg.detectAnomaly(5 as never)).toThrow(sg.ArgumentError);
    expect(() => sg.detectAnomaly(() => 1, { nan: true } as never)).toThrow(/unknown option 'nan'/);
    expect(() => sg.detectAnomaly(async () => 1)).toThrow(/returned a Promise/);
    expect(() => sg.setDetectAnomaly('yes' as never)).toThrow(sg.ArgumentError);
    expect(sg.detectAnomaly(() => 7)).toBe(7);
  });

  it('NonFiniteGradientError, the optimizer\'s, is a NonFiniteError', () => {
    const p = sg.tensor([1], undefined, { backend: js64, requiresGrad: true }).keep();
    const opt = new sg.optim.SGD([p], { lr: 0.1 });
    sg.scope(() => sg.mul(p, NaN).sum().backward());
    expect(() => opt.step()).toThrow(sg.NonFiniteError);
    expect(() => opt.step()).toThrow(sg.NonFiniteGradientError);
  });
});
