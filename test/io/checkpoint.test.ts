import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { MLP } from '../../src/nn/index.js';
import { loadCheckpoint, saveCheckpoint, writeFileAtomic } from '../../src/node/checkpoint.js';
import { js64, wasmBackends } from '../helpers/backends.js';
import { minimalRead } from './reader.js';
import { snapshot } from '../helpers/state.js';

const dir = await mkdtemp(join(tmpdir(), 'subgrad-ckpt-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const predictions = (model: MLP, x: sg.Tensor) => Array.from(sg.scope(() => model.forward(x).data()));

describe('saveCheckpoint / loadCheckpoint', () => {
  it.each([...wasmBackends, js64].map((b) => [b.label, b] as const))('save → load gives identical predictions (%s)', async (label, backend) => {
    const path = join(dir, `mlp-${label}.safetensors`);
    const trained = new MLP([10, 16, 4], { seed: 1, backend });
    const x = sg.randn([8, 10], { seed: 2, backend });
    await saveCheckpoint(path, trained, { extra: { lr: sg.tensor([0.01], undefined, { backend }) }, metadata: { epoch: '2' } });
    const restored = new MLP([10, 16, 4], { seed: 99, backend });
    expect(predictions(restored, x)).not.toEqual(predictions(trained, x));
    const { extra, metadata } = await loadCheckpoint(path, restored);
    expect(predictions(restored, x)).toEqual(predictions(trained, x));
    expect(metadata.epoch).toBe('2');
    expect(extra.lr.data[0]).toBeCloseTo(0.01, 7);
    // The file on disk is plain safetensors with PyTorch's names.
    const file = minimalRead(new Uint8Array(await readFile(path)));
    expect(Object.keys(file.tensors)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias', 'extra/lr']);
  });

  it('overwrites atomically and leaves no temporary file', async () => {
    const path = join(dir, 'overwrite.safetensors');
    await writeFile(path, 'old contents');
    await saveCheckpoint(path, new MLP([2, 2], { seed: 1, backend: js64 }));
    expect(minimalRead(new Uint8Array(await readFile(path))).tensors['0.weight'].shape).toEqual([2, 2]);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a save that fails to encode leaves the existing file untouched', async () => {
    const path = join(dir, 'keep.safetensors');
    await writeFile(path, 'previous checkpoint');
    const bad = { broken: { dtype: 'F32' as const, shape: [4], data: new Float32Array(1) } };
    await expect(saveCheckpoint(path, new MLP([2, 2], { backend: js64 }), { extra: bad })).rejects.toThrow(/'extra\/broken' has 1 values but shape \[4\] needs 4/);
    expect(await readFile(path, 'utf8')).toBe('previous checkpoint');
  });

  it('a failing rename removes the temporary file', async () => {
    const target = join(dir, 'a-directory');
    await mkdir(join(target, 'child'), { recursive: true });
    await expect(writeFileAtomic(target, new Uint8Array([1, 2, 3]))).rejects.toThrow();
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(await readdir(target)).toEqual(['child']);
  });

  it('a truncated or mismatched file is rejected and the model is unchanged', async () => {
    const path = join(dir, 'truncated.safetensors');
    await saveCheckpoint(path, new MLP([3, 4], { seed: 1, backend: js64 }));
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 5));
    const model = new MLP([3, 4], { seed: 2, backend: js64 });
    const before = model.parameters().map((p) => Array.from(p.data()));
    await expect(loadCheckpoint(path, model)).rejects.toThrow(sg.CheckpointError);
    const other = join(dir, 'other.safetensors');
    await saveCheckpoint(other, new MLP([3, 5], { seed: 1, backend: js64 }));
    await expect(loadCheckpoint(other, model)).rejects.toThrow("tensor '0.weight' has shape [5, 3] in the state but [4, 3] in the model");
    expect(model.parameters().map((p) => Array.from(p.data()))).toEqual(before);
    await expect(loadCheckpoint(join(dir, 'missing.safetensors'), model)).rejects.toThrow(/ENOENT/);
  });
});

describe('checkpoints with optimizer state', () => {
  /** n Adam steps of a fixed regression on `model`. */
  function train(model: MLP, opt: sg.optim.Adam, x: sg.Tensor, y: sg.Tensor, n: number): void {
    for (let i = 0; i < n; i++) {
      sg.scope(() => sg.losses.mse(model.forward(x), y).backward());
      opt.step();
      opt.zeroGrad();
    }
  }

  it.each([...wasmBackends, js64].map((b) => [b.label, b] as const))('save → load → continue is bit-identical to an uninterrupted run (%s)', async (label, backend) => {
    const path = join(dir, `resume-${label}.safetensors`);
    const x = sg.randn([16, 5], { seed: 3, backend });
    const y = sg.randn([16, 2], { seed: 4, backend });
    const straight = new MLP([5, 8, 2], { seed: 1, backend });
    const straightOpt = new sg.optim.Adam(straight.parameters(), { lr: 1e-2 });
    train(straight, straightOpt, x, y, 10);

    const first = new MLP([5, 8, 2], { seed: 1, backend });
    const firstOpt = new sg.optim.Adam(first.parameters(), { lr: 1e-2 });
    train(first, firstOpt, x, y, 5);
    await saveCheckpoint(path, first, { optimizer: firstOpt });

    const resumed = new MLP([5, 8, 2], { seed: 42, backend });
    const resumedOpt = new sg.optim.Adam(resumed.parameters(), { lr: 1e-2 });
    await loadCheckpoint(path, resumed, { optimizer: resumedOpt });
    train(resumed, resumedOpt, x, y, 5);
    expect(predictions(resumed, x)).toEqual(predictions(straight, x));
    expect(resumed.parameters().map((p) => Array.from(p.data()))).toEqual(straight.parameters().map((p) => Array.from(p.data())));
  });

  it('an optimizer of another type, or a file without optimizer state, changes neither model nor optimizer', async () => {
    const path = join(dir, 'adam.safetensors');
    const backend = js64;
    const x = sg.randn([4, 3], { seed: 5, backend });
    const saved = new MLP([3, 2], { seed: 1, backend });
    const adam = new sg.optim.Adam(saved.parameters(), { lr: 1e-2 });
    train(saved, adam, x, sg.zeros([4, 2], { backend }), 2);
    await saveCheckpoint(path, saved, { optimizer: adam });
    await saveCheckpoint(join(dir, 'plain.safetensors'), saved);

    const model = new MLP([3, 2], { seed: 7, backend });
    const sgd = new sg.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const before = predictions(model, x);
    await expect(loadCheckpoint(path, model, { optimizer: sgd })).rejects.toThrow(/Adam optimizer, not SGD/);
    expect(predictions(model, x)).toEqual(before);
    const otherAdam = new sg.optim.Adam(model.parameters(), { lr: 5e-3 });
    await expect(loadCheckpoint(join(dir, 'plain.safetensors'), model, { optimizer: otherAdam })).rejects.toThrow(sg.CheckpointError);
    expect(predictions(model, x)).toEqual(before);
    expect(otherAdam.paramGroups[0].lr).toBe(5e-3);
  });

  it('an OutOfMemoryError while loading the optimizer state changes neither model nor optimizer (decodeCheckpoint and loadCheckpoint)', async () => {
    // The source: one Adam step, so the file holds both moments.
    const source = new sg.nn.Linear(400, 400, { seed: 1, backend: js64 });
    const sourceOpt = new sg.optim.Adam(source.parameters());
    sourceOpt.zeroGrad(false);
    sourceOpt.step();
    const bytes = sg.encodeCheckpoint(source, { optimizer: sourceOpt });
    const path = join(dir, 'big-adam.safetensors');
    await writeFile(path, new Uint8Array(bytes));
    // 2 MiB: the model, its optimizer's blocks and one moment fit (4 × 642 kB), the second moment does not.
    const small = sg.createBackend({ backend: 'js', maxMemoryMB: 2 });
    const model = new sg.nn.Linear(400, 400, { seed: 2, backend: small });
    const opt = new sg.optim.Adam(model.parameters());
    const before = snapshot(model.parameters(), opt);
    expect(() => sg.decodeCheckpoint(bytes, model, { optimizer: opt })).toThrow(sg.OutOfMemoryError);
    expect(snapshot(model.parameters(), opt)).toEqual(before);
    await expect(loadCheckpoint(path, model, { optimizer: opt })).rejects.toThrow(sg.OutOfMemoryError);
    expect(snapshot(model.parameters(), opt)).toEqual(before);
  });

  it('a model mismatch after the optimizer state loaded puts the optimizer back', async () => {
    const backend = js64;
    const saved = new MLP([3, 2], { seed: 1, backend });
    const savedOpt = new sg.optim.Adam(saved.parameters(), { lr: 0.5 });
    const bytes = sg.encodeCheckpoint(saved, { optimizer: savedOpt });
    // Same parameter shapes for the optimizer, different names for the model: the model load fails.
    const other = new sg.nn.Sequential(new sg.nn.Linear(3, 2, { seed: 1, backend }));
    const renamed = new sg.nn.Sequential(other);
    const opt = new sg.optim.Adam(renamed.parameters(), { lr: 1e-3 });
    expect(() => sg.decodeCheckpoint(bytes, renamed, { optimizer: opt })).toThrow(/does not match the model/);
    expect(opt.paramGroups[0].lr).toBe(1e-3);
  });
});

describe('checkpoints with the optimizer in PyTorch form and scheduler state', () => {
  function train(model: MLP, opt: sg.optim.Optimizer<any>, sched: sg.optim.LRScheduler, x: sg.Tensor, y: sg.Tensor, n: number): void {
    for (let i = 0; i < n; i++) {
      opt.zeroGrad();
      sg.scope(() => sg.losses.mse(model.forward(x), y).backward());
      opt.step();
      sched.step();
    }
  }
  const make = (model: MLP) => {
    const opt = new sg.optim.Adam(model.parameters(), { lr: 0.02, amsgrad: true });
    return { opt, sched: new sg.optim.CosineAnnealingLR(opt, { tMax: 8 }) };
  };
  const bits = (m: MLP) => m.parameters().flatMap((p) => Array.from(new Uint32Array(p.data().buffer)));

  it.each([...wasmBackends, js64].map((b) => [b.label, b] as const))(
    "save { optimizer, optimizerFormat: 'pytorch', scheduler } → load → continue is bit-identical to an uninterrupted run (%s)",
    async (label, backend) => {
      const path = join(dir, `torch-form-${label}.safetensors`);
      const x = sg.randn([8, 3], { seed: 3, backend });
      const y = sg.randn([8, 2], { seed: 4, backend });
      const straight = new MLP([3, 4, 2], { seed: 1, backend });
      const s = make(straight);
      train(straight, s.opt, s.sched, x, y, 8);

      const first = new MLP([3, 4, 2], { seed: 1, backend });
      const f = make(first);
      train(first, f.opt, f.sched, x, y, 4);
      await saveCheckpoint(path, first, { optimizer: f.opt, optimizerFormat: 'pytorch', scheduler: f.sched });

      const resumed = new MLP([3, 4, 2], { seed: 9, backend });
      const r = make(resumed);
      await loadCheckpoint(path, resumed, { optimizer: r.opt, scheduler: r.sched });
      expect(r.sched.lastEpoch).toBe(4);
      expect(r.opt.paramGroups[0].lr).toBe(f.opt.paramGroups[0].lr);
      train(resumed, r.opt, r.sched, x, y, 4);
      expect(bits(resumed)).toEqual(bits(straight));
      expect(r.opt.paramGroups[0].lr).toBe(s.opt.paramGroups[0].lr);

      // The file is what torch.optim's load_state_dict takes once unflattened (docs/optimizers.md).
      const file = minimalRead(new Uint8Array(await readFile(path)));
      const dtype = backend.dtype === 'float64' ? 'F64' : 'F32';
      expect(Object.entries(file.tensors).filter(([n]) => n.startsWith('optimizer/state/0/')).map(([n, t]) => [n, t.dtype, t.shape])).toEqual([
        ['optimizer/state/0/step', 'F32', []],
        ['optimizer/state/0/exp_avg', dtype, [4, 3]],
        ['optimizer/state/0/exp_avg_sq', dtype, [4, 3]],
        ['optimizer/state/0/max_exp_avg_sq', dtype, [4, 3]],
      ]);
      expect(file.tensors['optimizer/state/0/step'].values).toEqual([4]);
      expect(JSON.parse(file.metadata['optimizer/param_groups'])).toEqual([
        { params: [0, 1, 2, 3], lr: f.opt.paramGroups[0].lr, initial_lr: 0.02, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: true, maximize: false },
      ]);
      expect(JSON.parse(file.metadata.scheduler)).toEqual({ type: 'CosineAnnealingLR', lastEpoch: 4, baseLrs: [0.02] });
    },
  );

  it('all or nothing: a scheduler or model mismatch leaves model, optimizer and scheduler as they were', () => {
    const backend = js64;
    const x = sg.randn([4, 3], { seed: 5, backend });
    const saved = new MLP([3, 4, 2], { seed: 1, backend });
    const sv = make(saved);
    train(saved, sv.opt, sv.sched, x, sg.zeros([4, 2], { backend }), 3);
    const bytes = sg.encodeCheckpoint(saved, { optimizer: sv.opt, scheduler: sv.sched });
    const plain = sg.encodeCheckpoint(saved, { optimizer: sv.opt });

    const model = new MLP([3, 4, 2], { seed: 2, backend });
    const opt = new sg.optim.Adam(model.parameters(), { lr: 0.02, amsgrad: true });
    const otherSched = new sg.optim.StepLR(opt, { stepSize: 2 });
    const snapshot = () => [bits(model), opt.stateDict(), otherSched.stateDict(), opt.paramGroups[0].lr];
    const before = snapshot();
    expect(() => sg.decodeCheckpoint(bytes, model, { optimizer: opt, scheduler: otherSched })).toThrow(/the state is of a CosineAnnealingLR scheduler, not StepLR/);
    expect(snapshot()).toEqual(before);
    expect(() => sg.decodeCheckpoint(plain, model, { optimizer: opt, scheduler: otherSched })).toThrow(/the checkpoint holds no scheduler state \(save it with \{ scheduler \}\)/);
    expect(snapshot()).toEqual(before);

    // The optimizer and the scheduler load, then the model does not: both are put back.
    const wider = new MLP([3, 5, 2], { seed: 2, backend });
    const wOpt = new sg.optim.Adam([...model.parameters()], { lr: 0.02, amsgrad: true });
    const wSched = new sg.optim.CosineAnnealingLR(wOpt, { tMax: 8 });
    const wBefore = [wOpt.stateDict(), wSched.stateDict(), wOpt.paramGroups[0].lr];
    expect(() => sg.decodeCheckpoint(bytes, wider, { optimizer: wOpt, scheduler: wSched })).toThrow(/tensor '0.weight' has shape \[4, 3\] in the state but \[5, 3\] in the model/);
    expect([wOpt.stateDict(), wSched.stateDict(), wOpt.paramGroups[0].lr]).toEqual(wBefore);
  });

  it('a scheduler of another optimizer is refused before anything is read', () => {
    const model = new MLP([2, 1], { seed: 1, backend: js64 });
    const opt = new sg.optim.SGD(model.parameters(), { lr: 0.1 });
    const stray = new sg.optim.StepLR(new sg.optim.SGD(new MLP([2, 1], { backend: js64 }).parameters(), { lr: 0.1 }), { stepSize: 1 });
    expect(() => sg.encodeCheckpoint(model, { optimizer: opt, scheduler: stray })).toThrow(/scheduler drives a different optimizer than options.optimizer/);
    expect(() => sg.encodeCheckpoint(model, { optimizer: opt, optimizerFormat: 'torch' as never })).toThrow(/optimizerFormat must be one of 'subgrad', 'pytorch'/);
  });
});
