// Lifetimes and ownership (docs/memory.md): where a tensor's bytes live,
// every way to reach freed bytes giving a typed error with the neighbours
// intact, views that never free their base, scoped gradients, tensors that
// nobody disposes, and backward as a transaction.
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { js64, wasmBackends } from './helpers/backends.js';

const backends = [js64, ...wasmBackends];
const each = () => it.each(backends.map((b) => [b.label, b] as const));

/** A tensor whose values must not change: allocated right after whatever a test frees. */
const canary = (backend: sg.Backend, n = 64) => sg.full([n], 42, { backend }).keep();
const intact = (t: sg.Tensor) => expect(Array.from(t.data()).every((v) => v === 42)).toBe(true);

describe('scopes', () => {
  const backend = js64;

  it('results of the outermost scope leave linear memory; nested results belong to the enclosing scope', () => {
    const before = sg.memoryStats(backend);
    let nested: sg.Tensor | undefined;
    const out = sg.scope(() => {
      nested = sg.scope(() => sg.full([3], 2, { backend }));
      expect(nested.storage.home).toBe('scoped');
      return sg.mul(nested, 5);
    });
    expect(out.storage.home).toBe('host');
    expect(Array.from(out.data())).toEqual([10, 10, 10]);
    expect(() => nested!.data()).toThrow(sg.ReleasedTensorError);
    const after = sg.memoryStats(backend);
    expect(after.persistentBytes).toBe(before.persistentBytes);
    expect(after.unownedBytes - before.unownedBytes).toBe(24);
  });

  it('returned arrays and objects survive; tensors nested deeper do not', () => {
    let inner: sg.Tensor | undefined;
    const [kept, obj] = sg.scope(() => {
      inner = sg.ones([2], { backend });
      return [sg.full([2], 5, { backend }), { y: sg.full([1], 6, { backend }) }] as const;
    });
    expect(Array.from(kept.data())).toEqual([5, 5]);
    expect(() => inner!.data()).toThrow(/scope that has ended/);
    expect(() => sg.add(inner!, kept)).toThrow(sg.ReleasedTensorError);
    expect(obj.y.storage.alive).toBe(false);
  });

  it('keep() makes a tensor owned from any scope, including an enclosing one; owned bytes go with dispose()', () => {
    const before = sg.memoryStats(backend).persistentBytes;
    let kept: sg.Tensor | undefined;
    sg.scope(() => {
      const outer = sg.full([4], 3, { backend });
      sg.scope(() => {
        sg.zeros([100], { backend });
        kept = sg.keep(outer); // outer belongs to the enclosing scope
      });
      sg.zeros([100], { backend });
    });
    expect(Array.from(kept!.data())).toEqual([3, 3, 3, 3]);
    expect(kept!.storage.home).toBe('owned');
    expect(sg.memoryStats(backend).persistentBytes).toBe(before + 32); // 4 float64
    kept!.dispose();
    kept!.dispose(); // idempotent
    expect(sg.memoryStats(backend).persistentBytes).toBe(before);
    expect(() => kept!.keep()).toThrow(sg.ReleasedTensorError);
  });

  it('a scope that throws still releases its arena', () => {
    expect(() =>
      sg.scope(() => {
        sg.zeros([10], { backend });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(sg.memoryStats(backend).arenaBytes).toBe(0);
  });

  it('refuses an async function before calling it, a Promise result, and a non-function', async () => {
    let called = false;
    expect(() => sg.scope(async () => { called = true; })).toThrow(/async function.*await outside the scope/);
    expect(called).toBe(false);
    const before = sg.memoryStats(backend);
    expect(() => sg.scope(() => Promise.resolve(sg.zeros([10], { backend })))).toThrow(/returned a Promise/);
    expect(sg.memoryStats(backend).arenaBytes).toBe(before.arenaBytes);
    expect(() => sg.scope(5 as never)).toThrow(sg.ArgumentError);
    expect(() => sg.scope(null as never)).toThrow(/must be a function/);
  });
});

describe('views never free their base', () => {
  each()('detach, reshape and state-dict entries are views: disposing one leaves the original (%s)', (_l, backend) => {
    const x = sg.tensor([1, 2, 3, 4], undefined, { backend }).keep();
    const d = sg.detach(x);
    const r = sg.reshape(x, [2, 2]);
    d.dispose();
    r.dispose();
    expect(Array.from(x.data())).toEqual([1, 2, 3, 4]);
    expect(() => d.data()).toThrow(sg.ReleasedTensorError);
    const model = new sg.nn.Linear(3, 2, { backend, seed: 1 });
    const bias = model.stateDict().bias;
    const before = Array.from(model.parameters()[1].data());
    bias.dispose();
    expect(Array.from(model.parameters()[1].data())).toEqual(before);
    x.dispose();
  });

  each()('disposing a base releases its views, with an error that says so (%s)', (_l, backend) => {
    const x = sg.tensor([1, 2], undefined, { backend }).keep();
    const v = sg.reshape(x, [2, 1]);
    x.dispose();
    const c = canary(backend);
    expect(() => v.data()).toThrow(/view .* of a tensor that was disposed/);
    expect(() => sg.add(v, 1)).toThrow(sg.ReleasedTensorError);
    intact(c);
    c.dispose();
  });
});

describe('freed memory is never read or written', () => {
  each()('a disposed gradient: zeroGrad drops it instead of zeroing whatever reused its block (%s)', (_l, backend) => {
    const w = sg.randn([16], { backend, seed: 1, requiresGrad: true }).keep();
    sg.scope(() => sg.sum(sg.square(w)).backward());
    w.grad!.dispose();
    const c = canary(backend, 16);
    w.zeroGrad();
    expect(w.grad).toBeNull();
    intact(c);
    sg.scope(() => sg.sum(w).backward());
    expect(Array.from(w.grad!.data())).toEqual(new Array(16).fill(1));
    intact(c);
    w.dispose();
    c.dispose();
  });

  each()('backward through a graph whose saved tensors died throws, naming the op, and changes no gradient (%s)', (_l, backend) => {
    const X = sg.randn([4, 3], { backend, seed: 2 }).keep();
    const W = sg.randn([3, 2], { backend, seed: 3, requiresGrad: true }).keep();
    const l = sg.scope(() => sg.sum(sg.relu(sg.matmul(X, W)).square()));
    const c = canary(backend);
    expect(() => l.backward()).toThrow(sg.ReleasedTensorError);
    expect(() => l.backward()).toThrow(/backward through '(square|relu|matmul)'/);
    expect(W.grad).toBeNull();
    intact(c);
    X.dispose();
    W.dispose();
    c.dispose();
  });

  each()('an input that died while the output lives: the check names the op and the input, before any vjp runs (%s)', (_l, backend) => {
    const w = sg.randn([3], { backend, seed: 6, requiresGrad: true }).keep();
    let y: sg.Tensor | undefined;
    sg.scope(() => {
      const a = sg.randn([3], { backend, seed: 7 }); // released with this scope
      y = sg.keep(sg.mul(a, w));
    });
    const c = canary(backend);
    const upstream = sg.ones([3], { backend }).keep();
    expect(() => y!.backward(upstream)).toThrow(/^backward through 'mul' \(input 0 of shape \[3\]\): tensor belonged to a scope that has ended/);
    expect(w.grad).toBeNull();
    intact(c);
    [w, y!, c, upstream].forEach((t) => t.dispose());
  });

  each()('labels and indices saved by pick, gather and nllLoss are checked too (%s)', (_l, backend) => {
    const x = sg.randn([4, 5], { backend, seed: 4, requiresGrad: true }).keep();
    const losses = [
      () => sg.scope(() => sg.sum(sg.pick(x, sg.tensor(new Int32Array([0, 1, 2, 3]), undefined, { backend })))),
      () => sg.scope(() => sg.sum(sg.gather(x, sg.tensor(new Int32Array([3, 3, 0]), undefined, { backend })))),
      () => sg.scope(() => sg.losses.nllLoss(x, sg.tensor(new Int32Array([4, 0, 1, 2]), undefined, { backend }))),
      () => sg.scope(() => sg.losses.crossEntropy(x, sg.tensor(new Int32Array([4, 0, 1, 2]), undefined, { backend }))),
    ];
    for (const make of losses) {
      const l = make();
      const c = canary(backend, 32);
      expect(() => l.backward()).toThrow(sg.ReleasedTensorError);
      expect(x.grad).toBeNull();
      intact(c);
      c.dispose();
    }
    x.dispose();
  });

  each()('an upstream gradient that is disposed, int32, of another backend or shape is refused (%s)', (_l, backend) => {
    const x = sg.randn([3], { backend, seed: 5, requiresGrad: true }).keep();
    const other = backend === js64 ? wasmBackends[0] : js64;
    sg.scope(() => {
      const y = sg.mul(x, 2);
      const disposed = sg.ones([3], { backend }).keep();
      disposed.dispose();
      expect(() => y.backward(disposed)).toThrow(sg.ReleasedTensorError);
      expect(() => y.backward(sg.tensor(new Int32Array([1, 1, 1]), undefined, { backend }))).toThrow(sg.BackendError);
      expect(() => y.backward(sg.ones([3], { backend: other }))).toThrow(sg.BackendError);
      expect(() => y.backward(sg.ones([4], { backend }))).toThrow(sg.ShapeError);
      expect(() => y.backward(5 as never)).toThrow(sg.ArgumentError);
      expect(() => y.backward(undefined, { retainGraph: 1 } as never)).toThrow(sg.ArgumentError);
      expect(() => y.backward(undefined, { retain: true } as never)).toThrow(/unknown option 'retain'/);
      expect(x.grad).toBeNull();
      y.backward(sg.ones([3], { backend }));
    });
    expect(Array.from(x.grad!.data())).toEqual([2, 2, 2]);
    x.dispose();
  });
});

describe('gradients of leaves made inside a scope', () => {
  it('are released with the scope, never left to the garbage collector: 1,000 steps with a 256 KiB leaf stay flat', () => {
    const backend = wasmBackends[0];
    const step = () =>
      sg.scope(() => {
        const leaf = sg.full([256, 256], 0.5, { backend, requiresGrad: true });
        sg.sum(sg.square(leaf)).backward();
        expect(leaf.grad!.storage.home).toBe('scoped');
        return leaf.grad!.sum().item();
      });
    step();
    const before = sg.memoryStats(backend);
    for (let i = 0; i < 1000; i++) step();
    const after = sg.memoryStats(backend);
    expect(after.pages).toBe(before.pages);
    expect(after.persistentBytes).toBe(before.persistentBytes);
  });

  it('a returned leaf takes its gradient with it', () => {
    const leaf = sg.scope(() => {
      const l = sg.tensor([1, 2], undefined, { backend: js64, requiresGrad: true });
      sg.sum(sg.square(l)).backward();
      return l;
    });
    expect(Array.from(leaf.grad!.data())).toEqual([2, 4]);
  });
});

describe('backward is a transaction', () => {
  let calls = 0;
  const flaky = sg.defineOp({
    name: 'flakyDouble',
    forward: (x) => sg.mul(x, 2),
    vjp: (g) => {
      if (calls++ === 0) throw new Error('vjp failed');
      return [sg.mul(g, 2)];
    },
  });

  each()('a vjp that throws leaves leaf gradients, the graph and owned bytes as they were (%s)', (_l, backend) => {
    calls = 0;
    const a = sg.tensor([1, 2, 3], undefined, { backend, requiresGrad: true }).keep();
    const b = sg.tensor([4, 5, 6], undefined, { backend, requiresGrad: true }).keep();
    sg.scope(() => sg.sum(sg.mul(a, b)).backward());
    const gradA = Array.from(a.grad!.data());
    const gradB = Array.from(b.grad!.data());
    const before = sg.memoryStats(backend);
    sg.scope(() => {
      // b's gradient is computed before the failing vjp of a's branch runs.
      const loss = sg.add(sg.sum(sg.square(b)), sg.sum(flaky(a)));
      expect(() => loss.backward()).toThrow('vjp failed');
      expect(Array.from(a.grad!.data())).toEqual(gradA);
      expect(Array.from(b.grad!.data())).toEqual(gradB);
      expect(sg.memoryStats(backend).persistentBytes).toBe(before.persistentBytes);
      loss.backward(); // the graph is intact: the retry succeeds
    });
    expect(Array.from(a.grad!.data())).toEqual(gradA.map((g) => g + 2));
    expect(Array.from(b.grad!.data())).toEqual(gradB.map((g, i) => g + 2 * [4, 5, 6][i]));
    a.dispose();
    b.dispose();
  });

  it('an op whose forward returns its input unchanged still passes the gradient to it', () => {
    const identity = sg.defineOp({ name: 'straightThrough', forward: (x) => x, vjp: (g) => [g] });
    const x = sg.tensor([1, -2], undefined, { backend: js64, requiresGrad: true });
    const y = identity(x);
    expect(y).not.toBe(x);
    sg.sum(sg.mul(y, 3)).backward();
    expect(Array.from(x.grad!.data())).toEqual([3, 3]);
    expect(x.node).toBeNull();
  });
});

describe('code that never disposes anything runs in bounded memory', () => {
  it('unscoped forward and backward, PyTorch style, give the right gradients (saved tensors survive each op)', () => {
    for (const backend of backends) {
      const x = sg.tensor([[1, 2, 3], [0, -1, 4]], undefined, { backend, requiresGrad: true });
      const labels = sg.tensor(new Int32Array([2, 0]), undefined, { backend });
      const loss = sg.add(sg.losses.crossEntropy(x, labels), sg.sum(sg.square(x)));
      loss.backward();
      const p = [[1, 2, 3], [0, -1, 4]].map((row) => {
        const m = Math.max(...row);
        const e = row.map((v) => Math.exp(v - m));
        const s = e.reduce((a, b) => a + b, 0);
        return e.map((v) => v / s);
      });
      const expected = [[1, 2, 3], [0, -1, 4]].flatMap((row, r) => row.map((v, j) => (p[r][j] - (j === [2, 0][r] ? 1 : 0)) / 2 + 2 * v));
      const got = Array.from(x.grad!.data());
      got.forEach((g, i) => expect(g).toBeCloseTo(expected[i], 5));
    }
  });

  it('10,000 unscoped single-digit forwards of an MLP 784-128-10 grow linear memory by at most 16 MiB', () => {
    const backend = wasmBackends[0];
    const model = new sg.nn.MLP([784, 128, 10], { backend, seed: 1 });
    const x = Array.from({ length: 784 }, (_, i) => (i % 9) / 9);
    model.forward(sg.tensor(x, [1, 784], { backend }));
    const before = sg.memoryStats(backend);
    const heap = process.memoryUsage().heapUsed;
    for (let i = 0; i < 10_000; i++) model.forward(sg.tensor(x, [1, 784], { backend }));
    const after = sg.memoryStats(backend);
    expect((after.pages - before.pages) * 65536).toBeLessThanOrEqual(16 * 2 ** 20);
    expect(after.persistentBytes).toBe(before.persistentBytes);
    expect(process.memoryUsage().heapUsed - heap).toBeLessThan(256 * 2 ** 20);
  });

  it('2,000 scopes whose [784, 256] results are dropped grow linear memory by at most 16 MiB', () => {
    const backend = wasmBackends[0];
    const x = sg.randn([1, 784], { backend, seed: 1 });
    const g = sg.randn([1, 256], { backend, seed: 2 });
    sg.scope(() => sg.matmul(sg.transpose(x), g));
    const before = sg.memoryStats(backend);
    for (let i = 0; i < 2000; i++) sg.scope(() => sg.matmul(sg.transpose(x), g));
    const after = sg.memoryStats(backend);
    expect((after.pages - before.pages) * 65536).toBeLessThanOrEqual(16 * 2 ** 20);
    expect(after.persistentBytes).toBe(before.persistentBytes);
  });

  it('a host tensor used step after step is staged once into a cached copy, and the copy follows writes', () => {
    const backend = js64;
    const w = sg.tensor([1, 2, 3], undefined, { backend, requiresGrad: true });
    for (let i = 0; i < 6; i++) sg.scope(() => sg.sum(sg.mul(w, w)).backward());
    expect(sg.memoryStats(backend).cacheBytes).toBeGreaterThan(0);
    expect(Array.from(w.grad!.data())).toEqual([12, 24, 36]); // 6 × 2w, accumulated into a host gradient
    w.zeroGrad();
    sg.scope(() => sg.sum(w).backward());
    expect(Array.from(w.grad!.data())).toEqual([1, 1, 1]);
  });
});
