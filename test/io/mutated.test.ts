// Mutated checkpoints: thousands of random changes to a valid file (bytes,
// the header length, truncation, the JSON header's entries, names, dtypes,
// shapes and offsets, the optimizer header in the metadata). decodeCheckpoint
// either loads the file or throws a CheckpointError, and after a throw the
// model and the optimizer are exactly as they were. A load that goes through
// with the parameters' bytes intact leaves an optimizer whose next step is finite.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint, losses, nn, optim, randn, scope, tensor } from '../../src/index.js';
import { js32 } from '../helpers/backends.js';
import { snapshot } from '../helpers/state.js';

const backend = js32;
const x = randn([6, 3], { seed: 3, backend });
const y = randn([6, 2], { seed: 4, backend });

function trainedPair(seed: number) {
  const model = new nn.MLP([3, 4, 2], { seed, backend });
  const opt = new optim.Adam(model.parameters(), { lr: 0.01, amsgrad: true });
  for (let i = 0; i < 2; i++) {
    opt.zeroGrad();
    scope(() => losses.mse(model.forward(x), y).backward());
    opt.step();
  }
  return { model, opt };
}

const source = trainedPair(1);
const valid = new Uint8Array(
  encodeCheckpoint(source.model, { optimizer: source.opt, extra: { step: tensor(new Int32Array([2]), undefined, { backend }) }, metadata: { epoch: '2' } }),
);
const target = trainedPair(2);
// What the target is put back to after a mutation that loaded.
const baseline = new Uint8Array(encodeCheckpoint(target.model, { optimizer: target.opt }));
const params = target.model.parameters();

const headerLength = Number(new DataView(valid.buffer).getBigUint64(0, true));
const header = JSON.parse(new TextDecoder().decode(valid.subarray(8, 8 + headerLength))) as Record<string, any>;
const data = valid.subarray(8 + headerLength);

/** A file from a header object and data bytes, with its exact length field. */
function build(h: unknown, bytes: Uint8Array = data): Uint8Array {
  const text = new TextEncoder().encode(JSON.stringify(h));
  const out = new Uint8Array(8 + text.length + bytes.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(bytes, 8 + text.length);
  return out;
}

/** Values a mutation writes: of every JSON type, and numbers at and past every bound. */
const values: unknown[] = [
  -1, 0, 1, 2, 0.5, 1.5, -1e-9, 1e300, 2 ** 53, 2 ** 32 + 8, 'x', 'F32', 'F64', 'I32', 'F16', '', null, true, [], [1], [-1, 2], {}, { a: 1 },
];
const names = ['__proto__', 'constructor', 'toString', 'extra/__proto__', 'extra/constructor', 'optimizer/x', 'optimizer/-1', 'optimizer/01', 'optimizer/99', '0.weight', 'zzz', ''];

/** Every [parent, key] of a JSON value, depth first. */
function slots(v: unknown, out: [Record<string, unknown>, string][] = []): [Record<string, unknown>, string][] {
  if (v !== null && typeof v === 'object') {
    for (const k of Object.keys(v)) {
      out.push([v as Record<string, unknown>, k]);
      slots((v as Record<string, unknown>)[k], out);
    }
  }
  return out;
}

/** Applies one of three edits at a slot chosen by `at`: set it to a value, delete it, or add an unknown key beside it. */
function edit(root: unknown, at: number, how: number, value: unknown): void {
  const all = slots(root);
  if (all.length === 0) return;
  const [parent, key] = all[at % all.length];
  if (how === 0) parent[key] = value;
  else if (how === 1 && !Array.isArray(parent)) delete parent[key];
  else if (Array.isArray(parent)) parent.push(value);
  else parent[`${key}_extra`] = value;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

type Outcome = 'loaded' | 'refused';

/**
 * A load is valid when every tensor of the file (read here independently,
 * own keys of the parsed JSON) is a parameter, now holding the file's values,
 * or an extra/ tensor returned as extra, or optimizer state.
 */
function expectLoadedAsFile(file: Uint8Array, extra: Record<string, unknown>): void {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const h = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n))) as Record<string, any>;
  const state = scope(() => Object.fromEntries(Object.entries(target.model.stateDict()).map(([k, t]) => [k, Array.from(t.data())])));
  for (const name of Object.keys(h)) {
    if (name === '__metadata__' || name.startsWith('optimizer/')) continue;
    if (name.startsWith('extra/')) {
      expect(Object.hasOwn(extra, name.slice(6)), name).toBe(true);
      continue;
    }
    expect(Object.hasOwn(state, name), `${name} is not a parameter`).toBe(true);
    const { dtype, data_offsets: [begin] } = h[name];
    const read = (i: number) => (dtype === 'F64' ? view.getFloat64(8 + n + begin + 8 * i, true) : view.getFloat32(8 + n + begin + 4 * i, true));
    expect(state[name], name).toEqual(state[name].map((_, i) => Math.fround(read(i))));
  }
}

/** Decodes `file` into the target; checks the outcome's invariants and puts the target back. */
function attempt(file: Uint8Array, withOptimizer: boolean, bytesIntact: boolean): Outcome {
  const before = snapshot(params, target.opt);
  try {
    const { extra } = decodeCheckpoint(file, target.model, withOptimizer ? { optimizer: target.opt } : {});
    expectLoadedAsFile(file, extra);
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
    expect(snapshot(params, target.opt)).toEqual(before);
    return 'refused';
  }
  if (withOptimizer && bytesIntact) {
    // Finite parameters and optimizer state from a loaded file give a finite step, even from a zero gradient.
    target.opt.zeroGrad(false);
    target.opt.step();
    for (const p of params) expect(Array.from(p.data()).every(Number.isFinite)).toBe(true);
  }
  decodeCheckpoint(baseline, target.model, { optimizer: target.opt });
  target.opt.zeroGrad();
  return 'loaded';
}

const runs = (numRuns: number) => ({ numRuns, seed: 20261201 });

describe('mutated checkpoints load or throw a CheckpointError, changing nothing', () => {
  it('the unmutated file loads', () => {
    expect(attempt(valid, true, true)).toBe('loaded');
  });

  it('random bytes anywhere (1 to 4 of them)', () => {
    const outcomes = new Set<Outcome>();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.boolean(), (changes, withOptimizer) => {
        const file = valid.slice();
        for (const [at, byte] of changes) file[at] = byte;
        outcomes.add(attempt(file, withOptimizer, false));
      }),
      runs(800),
    );
    expect(outcomes).toEqual(new Set(['loaded', 'refused']));
  });

  it('the header length field, truncation and trailing bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -64, max: 64 }).map((d) => ({ length: headerLength + d })),
          fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((n) => ({ length: n })),
          fc.nat(valid.length).map((n) => ({ cut: n })),
          fc.uint8Array({ minLength: 1, maxLength: 40 }).map((tail) => ({ tail })),
        ),
        (m) => {
          let file = valid.slice();
          if ('length' in m) new DataView(file.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(m.length)), true);
          if ('cut' in m) file = file.slice(0, m.cut);
          if ('tail' in m) file = Uint8Array.from([...file, ...m.tail]);
          attempt(file, true, false);
        },
      ),
      runs(400),
    );
  });

  it('the tensor entries of the JSON header: dtypes, shapes, offsets, names, deleted and added keys', () => {
    const entries = Object.keys(header).filter((k) => k !== '__metadata__');
    const outcomes = new Set<Outcome>();
    fc.assert(
      fc.property(
        fc.nat(entries.length - 1),
        fc.oneof(
          fc.record({ at: fc.nat(), how: fc.integer({ min: 0, max: 2 }), value: fc.constantFrom(...values) }),
          fc.record({ rename: fc.constantFrom(...names) }),
          fc.record({ copyTo: fc.constantFrom(...names) }),
          fc.record({ shift: fc.integer({ min: -12, max: 12 }) }),
        ),
        fc.boolean(),
        (which, m, withOptimizer) => {
          const h = clone(header);
          const name = entries[which];
          if ('at' in m) edit(h[name], m.at, m.how, m.value);
          if ('rename' in m) {
            // As raw JSON text, so that '__proto__' stays an own key.
            const entry = h[name];
            delete h[name];
            const text = JSON.stringify(h).slice(0, -1) + `,${JSON.stringify(m.rename)}:${JSON.stringify(entry)}}`;
            outcomes.add(attempt(build(JSON.parse(text)), withOptimizer, true));
            return;
          }
          if ('copyTo' in m) h[m.copyTo] = clone(h[name]);
          if ('shift' in m) h[name].data_offsets = h[name].data_offsets.map((o: number) => o + m.shift);
          outcomes.add(attempt(build(h), withOptimizer, true));
        },
      ),
      runs(900),
    );
    expect(outcomes.has('refused')).toBe(true);
  });

  it('the optimizer header: every field set to a value of another type or past its bounds, deleted, or joined by an unknown one', () => {
    const optimizerHeader = JSON.parse(header.__metadata__.optimizer);
    const outcomes = new Set<Outcome>();
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 2 }), fc.constantFrom(...values), (at, how, value) => {
        const h = clone(header);
        const o = clone(optimizerHeader);
        edit(o, at, how, value);
        h.__metadata__.optimizer = JSON.stringify(o);
        outcomes.add(attempt(build(h), true, true));
      }),
      runs(1000),
    );
    expect(outcomes).toEqual(new Set(['loaded', 'refused']));
  });

  it('the cases of the issue: step -1 and lr "x" in the optimizer header are CheckpointErrors', () => {
    for (const change of [(o: any) => (o.groups[0].scalars.step[0] = -1), (o: any) => (o.groups[0].options.lr = 'x')]) {
      const h = clone(header);
      const o = JSON.parse(h.__metadata__.optimizer);
      change(o);
      h.__metadata__.optimizer = JSON.stringify(o);
      expect(attempt(build(h), true, true)).toBe('refused');
    }
  });
});
