// One cold start, run by bench/coldstart.ts in a fresh `node` process (no
// flags: what a user's plain `node` gives) on the built package: the clock
// runs from just before the library's import to the end of the first training
// step of the MLP 784-256-10 (batch 128, Adam); prints {"ms": …, "phases":
// {…}}, the phases being where the time went: the import (module
// evaluation), init (probes, loading and compiling the chosen kernels), the
// model (weights drawn, optimizer state) and the first step (forward,
// backward, update: first-use compilation and allocation included). The
// batch is made before the clock starts. Plain JavaScript, so nothing but
// the library is compiled or loaded inside the measured time.
const [B, IN, HIDDEN, OUT] = [128, 784, 256, 10];
const x = Float32Array.from({ length: B * IN }, (_, i) => ((i * 7919) % 256) / 255);
const labels = Int32Array.from({ length: B }, (_, i) => i % OUT);
const library = process.argv[2];

const t0 = performance.now();
const marks = [];
const mark = (phase) => marks.push([phase, performance.now()]);
if (library === 'subgrad') {
  const { init, losses, nn, optim, scope, tensor } = await import('subgrad');
  mark('import');
  await init();
  mark('init');
  const model = new nn.MLP([IN, HIDDEN, OUT], { seed: 1 });
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  mark('model');
  scope(() => losses.crossEntropy(model.forward(tensor(x, [B, IN])), tensor(labels)).backward());
  opt.step();
  mark('first step');
} else if (library === 'jax-js') {
  const { defaultDevice, init, jit, nn, numpy: np, tree, valueAndGrad } = await import('@jax-js/jax');
  mark('import');
  await init('wasm');
  defaultDevice('wasm');
  mark('init');
  const w = (n, m) => np.array(Float32Array.from({ length: n * m }, (_, i) => (((i * 48271) % 1000) / 1000 - 0.5) * 0.1)).reshape([n, m]);
  const p = { w1: w(IN, HIDDEN), b1: np.zeros([HIDDEN]), w2: w(HIDDEN, OUT), b2: np.zeros([OUT]) };
  const zeros = () => tree.map((a) => np.zerosLike(a), tree.ref(p));
  const loss = (q, xs, ys) => nn.logSoftmax(np.matmul(nn.relu(np.matmul(xs, q.w1).add(q.b1)), q.w2).add(q.b2), -1).mul(ys).sum().mul(-1 / B);
  const step = jit((q, m0, v0, t, xs, ys) => {
    const [l, g] = valueAndGrad(loss)(tree.ref(q), xs, ys);
    const m1 = tree.map((mi, gi) => mi.mul(0.9).add(gi.mul(0.1)), m0, tree.ref(g));
    const v1 = tree.map((vi, gi) => vi.mul(0.999).add(gi.ref.mul(gi).mul(0.001)), v0, g);
    const [c1, c2] = [np.power(0.9, t.ref).mul(-1).add(1), np.power(0.999, t).mul(-1).add(1)];
    const q1 = tree.map((qi, mi, vi) => qi.sub(mi.div(c1.ref).div(np.sqrt(vi.div(c2.ref)).add(1e-8)).mul(1e-3)), q, tree.ref(m1), tree.ref(v1));
    c1.dispose();
    c2.dispose();
    return [q1, m1, v1, l];
  });
  const ys = nn.oneHot(np.array(labels, { dtype: np.int32 }), OUT);
  const [m0, v0] = [zeros(), zeros()];
  mark('model');
  step(p, m0, v0, np.array([1]), np.array(x).reshape([B, IN]), ys)[3].dataSync();
  mark('first step');
} else {
  throw new Error(`cold-start: unknown library ${library}; use subgrad or jax-js`);
}
const phases = Object.fromEntries(marks.map(([phase, t], i) => [phase, t - (i ? marks[i - 1][1] : t0)]));
process.stdout.write(JSON.stringify({ ms: performance.now() - t0, phases }));
