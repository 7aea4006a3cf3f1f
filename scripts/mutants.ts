// The mutants of scripts/mutation-audit.ts: realistic single-line bugs, each
// with the test files that should notice it. `from` must occur exactly once
// in `file`.
export interface Mutant {
  file: string;
  name: string;
  from: string;
  to: string;
  tests: string[];
}

const MEMORY = ['test/memory.test.ts', 'test/lifetimes.test.ts', 'test/soak.test.ts'];
const OPS = ['test/ops/ops.test.ts', 'test/kernels/elementwise.test.ts', 'test/fuzz/ops-canary.test.ts'];
const KERNELS = ['test/kernels', 'test/ops/ops.test.ts'];

export const MUTANTS: Mutant[] = [
  // ---- allocator (src/backend/memory.ts)
  { file: 'src/backend/memory.ts', name: 'best fit takes a block one size too small', from: 'if (b.bytes >= size && (best < 0', to: 'if (b.bytes >= size - 16 && (best < 0', tests: MEMORY },
  { file: 'src/backend/memory.ts', name: 'a merge with the next block leaves it listed', from: '      this.free.splice(lo + 1, 1);', to: '', tests: MEMORY },
  { file: 'src/backend/memory.ts', name: 'no merge with the previous block', from: 'if (prev && prev.ptr + prev.bytes === merged.ptr) {', to: 'if (false) {', tests: MEMORY },
  { file: 'src/backend/memory.ts', name: 'a release restores the chunk but not the offset', from: '    this.offset = mark.offset;', to: '', tests: MEMORY },
  { file: 'src/backend/memory.ts', name: 'an arena reuses a chunk that is too small', from: 'if (c >= this.chunks.length || this.chunks[c].bytes < size) {', to: 'if (c >= this.chunks.length) {', tests: MEMORY },
  { file: 'src/backend/memory.ts', name: 'chunks above the peak are never given back', from: 'if (capacity + ch.bytes <= limit) {', to: 'if (true) {', tests: MEMORY },
  { file: 'src/backend/memory.ts', name: 'alignment rounds down', from: 'return Math.ceil(n / ALIGN) * ALIGN;', to: 'return Math.floor(n / ALIGN) * ALIGN;', tests: MEMORY },
  { file: 'src/backend/memory.ts', name: 'sizes wrap at 32 bits', from: 'return Math.ceil(n / ALIGN) * ALIGN;', to: 'return (n + ALIGN - 1) & ~(ALIGN - 1);', tests: MEMORY },
  { file: 'src/backend/memory.ts', name: 'requests past the maximum are not refused', from: 'if (bytes + this.guardBytes > this.maxBytes) throw', to: 'if (bytes + this.guardBytes > 2 * this.maxBytes) throw', tests: MEMORY },
  { file: 'src/backend/memory.ts', name: 'growth past the maximum is not refused', from: 'if (end > this.maxBytes) throw', to: 'if (end > 2 * this.maxBytes) throw', tests: MEMORY },
  // ---- storage (src/storage.ts)
  { file: 'src/storage.ts', name: 'a released scope still counts as alive', from: "if (this.home === 'arena' || this.home === 'scoped') return !this.scope!.released;", to: "if (this.home === 'arena' || this.home === 'scoped') return true;", tests: MEMORY },
  { file: 'src/storage.ts', name: 'a staged copy ignores writes to the host bytes', from: 'if (st && st.version === this.version && (st.scope', to: 'if (st && (st.scope', tests: MEMORY },
  { file: 'src/storage.ts', name: 'keep() does not move an arena tensor', from: "if (base.home !== 'owned') base.rehome('owned', null);", to: '', tests: MEMORY },
  { file: 'src/storage.ts', name: 'the cache evicts copies in use this step', from: "if (e.hot === (kind === 'hot') && e.epoch !== epoch) this.evict(e);", to: "if (e.hot === (kind === 'hot')) this.evict(e);", tests: MEMORY },
  // ---- the tape and the non-finite records (src/tape.ts, src/storage.ts)
  { file: 'src/tape.ts', name: "backward checks no saved tensor's liveness", from: "  if (!x.storage.alive) x.storage.assertAlive(`backward through", to: "  if (false) x.storage.assertAlive(`backward through", tests: ['test/lifetimes.test.ts', 'test/tape.test.ts'] },
  { file: 'src/tape.ts', name: 'the graph is freed even with retainGraph', from: 'if (!retainGraph) for (const t of order) if (t.node) t.node.vjp = null;', to: 'for (const t of order) if (t.node) t.node.vjp = null;', tests: ['test/tape.test.ts', 'test/gradcheck'] },
  { file: 'src/tape.ts', name: 'a gradient accumulates into a fresh block (stale bytes added)', from: 'k.accumulate(fresh ? 0 : target.ptr, g.ptr, target.ptr, leaf.size);', to: 'k.accumulate(target.ptr, g.ptr, target.ptr, leaf.size);', tests: ['test/tape.test.ts', 'test/optim', 'test/lifetimes.test.ts'] },
  { file: 'src/storage.ts', name: 'fill() does not forget the non-finite record', from: "    this.assertAlive('fill');\n    this.wrote();", to: "    this.assertAlive('fill');", tests: ['test/storage.test.ts', 'test/optim/nonfinite.test.ts'] },
  { file: 'src/storage.ts', name: 'scope() runs an async function', from: '  if (isAsync(fn)) {', to: '  if (false) {', tests: ['test/lifetimes.test.ts'] },
  // ---- optimizers: the step's checks (src/optim/)
  { file: 'src/optim/optimizer.ts', name: 'a recorded non-finite gradient ignored', from: '          if (index < 0) continue;', to: '          if (index < 0 || true) continue;', tests: ['test/optim'] },
  { file: 'src/optim/lbfgs.ts', name: 'L-BFGS leaves the parameters at a trial point when the closure throws', from: '      this.params().set(start);', to: '', tests: ['test/optim'] },
  { file: 'src/train/fit.ts', name: 'a second fit on a training model allowed', from: "  if (training.has(model)) throw new ArgumentError(op, 'another fit() is training this model; await it before starting the next');", to: '', tests: ['test/train'] },
  // ---- shapes and broadcasting (src/shape.ts)
  { file: 'src/shape.ts', name: 'an empty index space is visited once', from: '  if (dims.includes(0)) return;', to: '', tests: ['test/fuzz/ops-canary.test.ts', 'test/ops/ops.test.ts'] },
  { file: 'src/shape.ts', name: 'incompatible broadcast accepted', from: 'if (da !== db && da !== 1 && db !== 1) {', to: 'if (da !== db && da !== 1 && db !== 1 && false) {', tests: OPS },
  { file: 'src/shape.ts', name: 'broadcast strides keep the size-1 axis', from: "(i < off || shape[i - off] === 1 ? 0 : own[i - off])", to: "(i < off ? 0 : own[i - off])", tests: OPS },
  { file: 'src/shape.ts', name: 'axis range off by one', from: 'axis < -rank || axis >= Math.max(rank, 1)', to: 'axis < -rank || axis > Math.max(rank, 1)', tests: ['test/ops/ops.test.ts', 'test/api-fuzz.test.ts'] },
  // ---- the js reference kernels
  { file: 'src/backend/js/elementwise.ts', name: 'relu passes negatives', from: 'case Unary.Relu: return x < 0 ? 0 : x;', to: 'case Unary.Relu: return x < -1e-3 ? 0 : x;', tests: KERNELS },
  { file: 'src/backend/js/elementwise.ts', name: "relu's step ignores the chosen value at 0", from: 'case Unary.Step: return x > 0 ? 1 : x === 0 ? p : 0;', to: 'case Unary.Step: return x > 0 ? 1 : 0;', tests: ['test/ops/kinks.test.ts', ...KERNELS] },
  { file: 'src/backend/js/elementwise.ts', name: 'sign of NaN is 0', from: 'case Unary.Sign: return x > 0 ? 1 : x < 0 ? -1 : x;', to: 'case Unary.Sign: return x > 0 ? 1 : x < 0 ? -1 : 0;', tests: KERNELS },
  { file: 'src/backend/js/elementwise.ts', name: 'softplus loses its log1p', from: 'case Unary.Softplus: return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));', to: 'case Unary.Softplus: return Math.log(1 + Math.exp(x));', tests: ['test/nn/activations.test.ts', ...KERNELS] },
  { file: 'src/backend/js/elementwise.ts', name: 'ties of max give all to one side', from: 'case Binary.MaxWeight: return a > b ? 1 : a === b ? 0.5 : 0;', to: 'case Binary.MaxWeight: return a >= b ? 1 : 0;', tests: ['test/ops/kinks.test.ts', ...KERNELS] },
  { file: 'src/backend/js/reduce.ts', name: 'max skips NaN', from: 'if (op === Reduce.Max) return x > acc || x !== x ? x : acc;', to: 'if (op === Reduce.Max) return x > acc ? x : acc;', tests: KERNELS },
  { file: 'src/backend/js/softmax_xent.ts', name: 'softmax without the max subtracted', from: 'for (let j = 0; j < cols; j++) sum += f[po + j] = Math.exp(f[o + j] - m);', to: 'for (let j = 0; j < cols; j++) sum += f[po + j] = Math.exp(f[o + j]);', tests: ['test/kernels/softmax_xent.test.ts', 'test/losses/losses.test.ts'] },
  // ---- the Wasm kernels
  { file: 'assembly/reduce.ts', name: 'SIMD max swaps to pmax (NaN not propagated)', from: 'if (op == Reduce.Max) return f32x4.max(acc, x);', to: 'if (op == Reduce.Max) return f32x4.pmax(acc, x);', tests: ['test/kernels'] },
  { file: 'assembly/reduce.ts', name: 'scalar max skips NaN', from: 'if (op == Reduce.Max) return x > acc || x != x ? x : acc;', to: 'if (op == Reduce.Max) return x > acc ? x : acc;', tests: ['test/kernels'] },
  { file: 'assembly/softmax_xent.ts', name: 'a chunk of loss partials written one row early', from: 'if (r % chunk != chunk - 1 && r != rows - 1) return sum;', to: 'if (r % chunk != chunk - 2 && r != rows - 1) return sum;', tests: ['test/kernels/softmax_xent.test.ts', 'test/losses/losses.test.ts'] },
  { file: 'assembly/softmax_xent.ts', name: 'softmax scaled by s instead of 1/s', from: 'scaleRow(p, n, 1 / s);', to: 'scaleRow(p, n, s);', tests: ['test/kernels/softmax_xent.test.ts'] },
  // ---- ops and losses
  { file: 'src/ops/elementwise.ts', name: "sub's gradient to b not negated", from: "vjp: (g, [a, b]) => [sumTo(g, a.shape), sumTo(unaryKernel(g, Unary.Neg), b.shape)],", to: "vjp: (g, [a, b]) => [sumTo(g, a.shape), sumTo(g, b.shape)],", tests: ['test/ops/ops.test.ts'] },
  { file: 'src/ops/elementwise.ts', name: "div's gradient to b not negated", from: "sumTo(unaryKernel(binaryKernel(Binary.Div, times(g, out), b, 'div'), Unary.Neg), b.shape),", to: "sumTo(binaryKernel(Binary.Div, times(g, out), b, 'div'), b.shape),", tests: ['test/ops/ops.test.ts'] },
  { file: 'src/ops/elementwise.ts', name: "maximum's weights for b taken as a's", from: "sumTo(times(g, binaryKernel(Binary.MaxWeight, b, a, 'maximum')), b.shape),", to: "sumTo(times(g, binaryKernel(Binary.MaxWeight, a, b, 'maximum')), b.shape),", tests: ['test/ops/ops.test.ts', 'test/ops/kinks.test.ts'] },
  { file: 'src/ops/reduce.ts', name: 'ties of max not shared', from: 'const share = binaryKernel(Binary.Div, mask, count, name);', to: 'const share = mask;', tests: ['test/ops/ops.test.ts', 'test/ops/kinks.test.ts'] },
  { file: 'src/ops/matmul.ts', name: "matmul's gradient to a untransposed", from: 'a.requiresGrad ? mm(g, b, false, true) : null', to: 'a.requiresGrad ? mm(g, b, false, false) : null', tests: ['test/ops/ops.test.ts'] },
  { file: 'src/losses/regression.ts', name: 'huber without the ½', from: 'return mul(q, sub(a, mul(q, 0.5)));', to: 'return mul(q, sub(a, q));', tests: ['test/losses'] },
  { file: 'src/backend/js/softmax_xent.ts', name: 'label smoothing spread over one class too many', from: '            loss += (smoothing / cols) * gap;', to: '            loss += (smoothing / (cols + 1)) * gap;', tests: ['test/kernels/softmax_xent.test.ts', 'test/losses'] },
  { file: 'src/nn/module.ts', name: 'He init with the fan-out', from: "if (init === 'he') fill(w, () => Math.sqrt(2 / inFeatures) * g.normal());", to: "if (init === 'he') fill(w, () => Math.sqrt(2 / outFeatures) * g.normal());", tests: ['test/nn'] },
  { file: 'src/ops/indexing.ts', name: 'an index equal to the bound accepted', from: 'if (values[i] < 0 || values[i] >= bound) {', to: 'if (values[i] < 0 || values[i] > bound) {', tests: ['test/ops/ops.test.ts', 'test/api-fuzz.test.ts'] },
  { file: 'src/losses/margin.ts', name: 'triplet slack in the other order', from: 'relu(sub(add(margin, near), far), AT_ZERO)', to: 'relu(add(sub(near, far), margin), AT_ZERO)', tests: ['test/losses'] },
  { file: 'src/losses/margin.ts', name: "hinge's kink follows the global relu setting", from: 'const h = relu(sub(margin, mul(y, s)), AT_ZERO);', to: 'const h = relu(sub(margin, mul(y, s)));', tests: ['test/losses', 'test/ops/kinks.test.ts'] },
  // ---- optimizers and schedules
  { file: 'src/optim/adam.ts', name: "Adam's bias correction uses the wrong β", from: 'return { stepM: o.lr / (1 - o.betas[0] ** run.scalars.step), stepG: 0 };', to: 'return { stepM: o.lr / (1 - o.betas[1] ** run.scalars.step), stepG: 0 };', tests: ['test/optim'] },
  { file: 'src/optim/lbfgs.ts', name: 'strong Wolfe curvature test without abs', from: 'if (!tooFar && Math.abs(gtdNew) <= -C2 * gtd) {', to: 'if (!tooFar && gtdNew <= -C2 * gtd) {', tests: ['test/optim/lbfgs.test.ts'] },
  { file: 'src/optim/schedulers.ts', name: 'cosine annealing over half the period', from: '(1 + Math.cos((Math.PI * t) / this.tMax))', to: '(1 + Math.cos((2 * Math.PI * t) / this.tMax))', tests: ['test/optim/schedulers.test.ts'] },
  // ---- data
  { file: 'src/data/loader.ts', name: 'an off-by-one (Sattolo) shuffle', from: 'const j = rng.int(i + 1);', to: 'const j = rng.int(i);', tests: ['test/data'] },
  // ---- I/O
  { file: 'src/io/safetensors.ts', name: 'half subnormals read with the wrong exponent', from: 'if (exponent === 0) return sign * mantissa * 2 ** -24;', to: 'if (exponent === 0) return sign * mantissa * 2 ** -25;', tests: ['test/io'] },
  { file: 'src/io/safetensors.ts', name: 'a failed checkpoint load does not undo the loads before it', from: '    for (const l of done.reverse()) l.undo();', to: '', tests: ['test/io', 'test/optim/atomicity.test.ts'] },
  { file: 'src/io/safetensors.ts', name: 'a span past the data accepted', from: 'if (begin > end || end > dataBytes) {', to: 'if (begin > end) {', tests: ['test/io'] },
  // ---- the checkers the tests rely on: gradcheck, checkBackends, guard zones, the docs test
  { file: 'src/gradcheck/differences.ts', name: "gradcheck's tolerance 1000× looser", from: 'const tol: Tolerance = (o, value) => atol[o] + rtol * Math.abs(value);', to: 'const tol: Tolerance = (o, value) => 1000 * (atol[o] + rtol * Math.abs(value));', tests: ['test/gradcheck'] },
  { file: 'src/gradcheck/backends.ts', name: 'checkBackends skips a NaN on one side', from: 'if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;', to: 'if (Number.isNaN(a[i]) || Number.isNaN(b[i])) continue;', tests: ['test/check-backends.test.ts'] },
  { file: 'src/backend/memory.ts', name: 'guard zones never checked', from: 'if (u8[i] !== GUARD) throw', to: 'if (u8[i] !== GUARD && false) throw', tests: ['test/memory.test.ts', 'test/fuzz/ops-canary.test.ts'] },
  { file: 'test/docs.test.ts', name: 'the docs test finds no block', from: 'if (!/^```(ts|typescript)\\s*$/.test(lines[i])) continue;', to: 'if (!/^```(tsx)\\s*$/.test(lines[i])) continue;', tests: ['test/docs.test.ts'] },
];
