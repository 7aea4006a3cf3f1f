// Runs on a cross-origin isolated page (the demo's server sends COOP and
// COEP): a 2-thread backend that splits every call against a 1-thread one,
// on the same work — a matmul and its gradients (the transposed forms), a softmax-CE loss and
// its gradient, and ten Adam steps of a small MLP. The results must be the
// same bits. Left in window.threadsResult.
import { createBackendAsync, losses, matmul, nn, optim, randn, scope, tensor, type Backend } from 'subgrad';

export interface ThreadsResult {
  isolated: boolean;
  cores: number;
  threads: number;
  /** Per computation: the number of elements whose bits differ between the two backends. */
  differing: Record<string, number>;
}

function bits(values: ArrayLike<number>): Uint32Array {
  return new Uint32Array(Float32Array.from(values).buffer);
}

function work(backend: Backend): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  scope(() => {
    const a = randn([67, 129], { backend, seed: 1, requiresGrad: true });
    const b = randn([129, 83], { backend, seed: 2, requiresGrad: true });
    const c = matmul(a, b);
    out.matmul = Float32Array.from(c.data());
    // Its gradients are the transposed forms: g·Bᵀ and Aᵀ·g.
    c.backward(randn([67, 83], { backend, seed: 6 }));
    out['matmul gradients (A·Bᵀ, Aᵀ·B)'] = Float32Array.from([...a.grad!.data(), ...b.grad!.data()]);
    const logits = randn([300, 10], { backend, seed: 3, requiresGrad: true });
    const labels = tensor(Int32Array.from({ length: 300 }, (_, i) => i % 10), undefined, { backend });
    const loss = losses.crossEntropy(logits, labels);
    loss.backward();
    out['softmax-CE'] = Float32Array.of(loss.item());
    out['softmax-CE gradient'] = Float32Array.from(logits.grad!.data());
  });
  const model = new nn.MLP([64, 96, 10], { backend, seed: 4 });
  const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
  const x = randn([128, 64], { backend, seed: 5 }).keep();
  const y = tensor(Int32Array.from({ length: 128 }, (_, i) => (i * 7) % 10), undefined, { backend }).keep();
  for (let step = 0; step < 10; step++) {
    scope(() => losses.crossEntropy(model.forward(x), y).backward());
    opt.step();
    opt.zeroGrad();
  }
  out['MLP after 10 Adam steps'] = Float32Array.from(model.parameters().flatMap((p) => Array.from(p.data())));
  return out;
}

async function run(): Promise<ThreadsResult> {
  const one = await createBackendAsync({ kernels: 'relaxed' });
  const two = await createBackendAsync({ kernels: 'relaxed', threads: 2, threadThreshold: 0 });
  const [a, b] = [work(one), work(two)];
  const differing = Object.fromEntries(Object.keys(a).map((k) => {
    const [x, y] = [bits(a[k]), bits(b[k])];
    return [k, x.length === y.length ? x.reduce((n, v, i) => n + (v !== y[i] ? 1 : 0), 0) : -1];
  }));
  const result = { isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency, threads: two.threads, differing };
  two.dispose();
  return result;
}

declare global {
  interface Window {
    threadsResult: Promise<ThreadsResult>;
  }
}
window.threadsResult = run();
