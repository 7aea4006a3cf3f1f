import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { decodeCheckpoint, decodeSafetensors, encodeCheckpoint, encodeSafetensors } from '../../src/index.js';
import { MLP } from '../../src/nn/index.js';
import { js64, wasmBackends } from '../helpers/backends.js';
import { minimalRead } from './reader.js';

/** A file from a header (object or raw text) and data bytes; headerLength overrides the length field. */
function build(header: object | string, data: Uint8Array = new Uint8Array(), headerLength?: number): Uint8Array {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

const f32 = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer);
const minimalLength = (file: Uint8Array) => Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
const minimalHeader = (file: Uint8Array) => new TextDecoder().decode(file.subarray(8, 8 + minimalLength(file)));

describe('safetensors encoding', () => {
  it('writes the exact bytes of the format: u64 LE length, space-padded JSON, LE data', () => {
    const bytes = new Uint8Array(encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Float32Array([1, -2]) } }));
    const json = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    expect(json.length).toBe(54); // padded with 2 spaces to 56, so the data starts at byte 64
    const expected = [56, 0, 0, 0, 0, 0, 0, 0, ...Buffer.from(json + '  '), 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0];
    expect(Array.from(bytes)).toEqual(expected);
  });

  it.each([...wasmBackends, js64].map((b) => [b.label, b] as const))('round trip of tensors, dtypes and metadata; readable by an independent reader (%s)', (_l, backend) => {
    const w = sg.randn([3, 5], { seed: 1, backend });
    const idx = sg.tensor(new Int32Array([7, -3, 2 ** 31 - 1]), undefined, { backend });
    const scalar = sg.tensor(2.5, undefined, { backend });
    const empty = sg.zeros([0, 4], { backend });
    const f64 = { dtype: 'F64' as const, shape: [2], data: new Float64Array([Math.PI, -1e300]) };
    const bytes = encodeSafetensors({ w, idx, scalar, empty, f64 }, { epoch: '3', note: 'é✓' });
    const dtype = backend.dtype === 'float64' ? 'F64' : 'F32';

    const mine = decodeSafetensors(bytes);
    expect(mine.metadata).toEqual({ epoch: '3', note: 'é✓' });
    expect(Object.keys(mine.tensors)).toEqual(['w', 'idx', 'scalar', 'empty', 'f64']);
    expect(mine.tensors.w).toEqual({ dtype, shape: [3, 5], data: w.data() });
    expect(mine.tensors.idx).toEqual({ dtype: 'I32', shape: [3], data: new Int32Array([7, -3, 2 ** 31 - 1]) });
    expect(mine.tensors.scalar.shape).toEqual([]);
    expect(Array.from(mine.tensors.scalar.data)).toEqual([2.5]);
    expect(mine.tensors.empty.shape).toEqual([0, 4]);
    expect(mine.tensors.f64.data).toEqual(f64.data);

    const theirs = minimalRead(new Uint8Array(bytes));
    expect((8 + theirs.headerLength) % 8).toBe(0);
    expect(theirs.metadata).toEqual({ epoch: '3', note: 'é✓' });
    expect(theirs.tensors.w).toEqual({ dtype, shape: [3, 5], values: Array.from(w.data()) });
    expect(theirs.tensors.idx.values).toEqual([7, -3, 2 ** 31 - 1]);
    expect(theirs.tensors.f64.values).toEqual([Math.PI, -1e300]);
    expect(theirs.tensors.empty.values).toEqual([]);
  });

  it('decodes a file written by hand: unordered entries, padding spaces, a byte view into a larger buffer', () => {
    const header = { b: { dtype: 'I32', shape: [1], data_offsets: [8, 12] }, a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
    const data = new Uint8Array([...f32(0.5, 4), ...new Uint8Array(new Int32Array([-9]).buffer)]);
    const file = build(JSON.stringify(header) + '   ', data);
    const padded = new Uint8Array(file.length + 10);
    padded.set(file, 5);
    const { tensors, metadata } = decodeSafetensors(padded.subarray(5, 5 + file.length));
    expect(metadata).toEqual({});
    expect(Array.from(tensors.a.data)).toEqual([0.5, 4]);
    expect(Array.from(tensors.b.data)).toEqual([-9]);
  });

  it('rejects bad input to the encoder', () => {
    expect(() => encodeSafetensors({ a: { dtype: 'F16' as 'F32', shape: [1], data: new Float32Array(1) } })).toThrow(/'a' must be a Tensor or/);
    expect(() => encodeSafetensors({ a: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(/'a' has 2 values but shape \[3\] needs 3/);
    expect(() => encodeSafetensors({ __metadata__: sg.ones([1]) })).toThrow(/invalid tensor name/);
    expect(() => encodeSafetensors({}, { epoch: 3 as unknown as string })).toThrow(/'epoch' is number/);
    expect(() => encodeSafetensors({ ['__proto__']: sg.ones([1]) })).toThrow(/invalid tensor name '__proto__'/);
    expect(() => encodeSafetensors({}, { ['__proto__']: 'x' })).toThrow(/invalid metadata key '__proto__'/);
    expect(() => encodeSafetensors(null as never)).toThrow(sg.ArgumentError);
  });
});

const data8 = f32(1, 2);
const ok = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
const malformed: [string, Uint8Array, RegExp][] = [
  ['shorter than 8 bytes', new Uint8Array(5), /has 5 bytes, fewer than the 8-byte header length/],
  ['header length beyond the file', build(ok, data8, 1000), /header length 1000 goes beyond the file/],
  ['header length over 2^32', build(ok, data8, 2 ** 40), /header length 1099511627776 goes beyond the file/],
  ['invalid JSON', build('{"a": {', data8), /header is not valid UTF-8 JSON/],
  ['invalid UTF-8', build(ok, data8).map((b, i) => (i === 12 ? 0xff : b)), /not valid UTF-8 JSON/],
  ['a header that is not an object', build('[1, 2]', data8), /header must be a JSON object/],
  ['an entry that is not an object', build({ a: 3 }, data8), /entry 'a' must be an object/],
  ['an unknown dtype', build({ a: { ...ok.a, dtype: 'F33' } }, data8), /tensor 'a' has unknown dtype "F33"/],
  ['a dtype size that disagrees with the span', build({ a: { ...ok.a, dtype: 'F16', shape: [3] } }, data8), /dtype F16 and shape \[3\] needs 6 bytes but data_offsets span 8/],
  ['a negative dimension', build({ a: { ...ok.a, shape: [-2] } }, data8), /invalid shape \[-2\]/],
  ['offsets that are not a pair', build({ a: { ...ok.a, data_offsets: [0] } }, data8), /invalid data_offsets \[0\]/],
  ['offsets beyond the data', build({ a: { ...ok.a, data_offsets: [0, 16] } }, data8), /data_offsets \[0, 16\] outside the data \(8 bytes\)/],
  ['offsets in reverse', build({ a: { ...ok.a, data_offsets: [8, 0] } }, data8), /data_offsets \[8, 0\] outside the data/],
  ['shape and size that disagree', build({ a: { ...ok.a, shape: [3] } }, data8), /dtype F32 and shape \[3\] needs 12 bytes but data_offsets span 8/],
  // The span tiles the data exactly, so only the size check can see that shape [1] claims 8 bytes.
  ['an over-long span for the shape', build({ a: { ...ok.a, shape: [1] } }, data8), /dtype F32 and shape \[1\] needs 4 bytes but data_offsets span 8/],
  [
    'overlapping tensors',
    build({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, data8),
    /tensors 'a' and 'b' overlap/,
  ],
  ['a gap between tensors', build({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, data8), /bytes \[0, 4\) of the data belong to no tensor/],
  ['trailing bytes', build({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, data8), /bytes \[4, 8\) of the data belong to no tensor/],
  // JSON.parse keeps the last of two equal keys; the first one's bytes are then unclaimed.
  ['a duplicated key', build('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', data8), /bytes \[0, 4\) of the data belong to no tensor/],
  ['metadata that is not all strings', build({ __metadata__: { epoch: 3 }, ...ok }, data8), /__metadata__ must be an object of strings/],
  // Copied into the result, '__proto__' would replace its prototype, and a strict load would never see it.
  ['a tensor named __proto__', build('{"__proto__":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', data8), /the name "__proto__" is refused/],
  ['a tensor named constructor', build({ constructor: ok.a }, data8), /the name "constructor" is refused/],
  ['a metadata key __proto__', build('{"__metadata__":{"__proto__":"x"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', data8), /the name "__proto__" is refused/],
];

describe('malformed files', () => {
  it('the valid base file decodes', () => {
    expect(Array.from(decodeSafetensors(build(ok, data8)).tensors.a.data)).toEqual([1, 2]);
  });

  it.each(malformed)('%s: a CheckpointError, and the model is left unchanged', (_what, file, message) => {
    expect(() => decodeSafetensors(file)).toThrow(sg.CheckpointError);
    expect(() => decodeSafetensors(file)).toThrow(message);
    const model = new MLP([2, 1], { seed: 1, backend: js64 });
    const before = model.parameters().map((p) => Array.from(p.data()));
    expect(() => decodeCheckpoint(file, model)).toThrow(message);
    expect(model.parameters().map((p) => Array.from(p.data()))).toEqual(before);
  });
});

/** A file of named tensors given as [dtype, shape, bytes], laid out in order. */
function file(entries: Record<string, [string, number[], Uint8Array]>): Uint8Array {
  const header: Record<string, unknown> = {};
  let at = 0;
  for (const [name, [dtype, shape, bytes]] of Object.entries(entries)) {
    header[name] = { dtype, shape, data_offsets: [at, at + bytes.length] };
    at += bytes.length;
  }
  const data = new Uint8Array(at);
  at = 0;
  for (const [, , bytes] of Object.values(entries)) {
    data.set(bytes, at);
    at += bytes.length;
  }
  return build(header, data);
}

/** Little-endian bytes of 16-bit patterns, and of 64-bit integers. */
const u16 = (...bits: number[]) => new Uint8Array(new Uint16Array(bits).buffer);
const i64 = (...v: bigint[]) => new Uint8Array(new BigInt64Array(v).buffer);

describe('dtypes PyTorch writes', () => {
  it('F16 widens exactly to F32: normals, subnormals, ±0, ±Inf, NaN', () => {
    const bits = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x3555, 0x8000, 0x7c00, 0xfc00, 0x7e00];
    // value = (−1)^s · (1 + m/1024) · 2^(e − 15), subnormals m · 2^−24
    const expected = [1, -2, (1 + 1023 / 1024) * 2 ** 15, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, (1 + 341 / 1024) * 2 ** -2, -0, Infinity, -Infinity, NaN];
    const t = decodeSafetensors(file({ h: ['F16', [11], u16(...bits)] })).tensors.h;
    expect(t.dtype).toBe('F32');
    expect(t.shape).toEqual([11]);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(Array.from(t.data)).toEqual(expected);
    expect(Object.is(t.data[7], -0)).toBe(true);
  });

  it('BF16 widens exactly to F32 (the upper half of a float32)', () => {
    const bits = [0x3f80, 0xc040, 0x4049, 0x7f7f, 0x0001, 0xff80, 0x7fc0];
    // value = (−1)^s · (1 + m/128) · 2^(e − 127), subnormals m · 2^−133
    const expected = [1, -3, 2 * (1 + 73 / 128), (2 - 2 ** -7) * 2 ** 127, 2 ** -133, -Infinity, NaN];
    const t = decodeSafetensors(file({ b: ['BF16', [7], u16(...bits)] })).tensors.b;
    expect(t.dtype).toBe('F32');
    expect(Array.from(t.data)).toEqual(expected);
  });

  it('I64 narrows to I32 when every value fits; otherwise the tensor comes back as raw bytes with the reason', () => {
    const fits = i64(5n, -1n, 2n ** 31n - 1n, -(2n ** 31n));
    const big = i64(3n, 2n ** 31n);
    const { tensors, raw } = decodeSafetensors(file({ n: ['I64', [2, 2], fits], big: ['I64', [2], big] }));
    expect(tensors.n).toEqual({ dtype: 'I32', shape: [2, 2], data: new Int32Array([5, -1, 2 ** 31 - 1, -(2 ** 31)]) });
    expect(tensors.big).toBeUndefined();
    expect(raw.big.dtype).toBe('I64');
    expect(raw.big.shape).toEqual([2]);
    expect(Array.from(raw.big.bytes)).toEqual(Array.from(big));
    expect(raw.big.reason).toMatch(/value 2147483648 \(element 1\) is outside the int32 range/);
  });

  it('dtypes subgrad does not read (BOOL, U8, U64, …) come back as raw bytes, not an error', () => {
    const { tensors, raw } = decodeSafetensors(file({ mask: ['BOOL', [3], new Uint8Array([1, 0, 1])], x: ['F32', [1], f32(2)], u: ['U64', [1], i64(7n)] }));
    expect(Object.keys(tensors)).toEqual(['x']);
    expect(raw.mask).toEqual({ dtype: 'BOOL', shape: [3], bytes: new Uint8Array([1, 0, 1]), reason: expect.stringMatching(/does not read BOOL/) });
    expect(Array.from(raw.u.bytes)).toEqual([7, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("a torch checkpoint with half-precision weights and int64/bool extras loads; what cannot be read is in rawExtra", () => {
    // Linear(2, 1) as torch saves it: weight [out, in] = [1, 2] in F16, bias in BF16.
    const bytes = file({
      '0.weight': ['F16', [1, 2], u16(0x3800, 0xbc00)], // 0.5, -1
      '0.bias': ['BF16', [1], u16(0x4040)], // 3
      'extra/epoch': ['I64', [1], i64(5n)], // torch.tensor([5])
      'extra/seed': ['I64', [], i64(2n ** 40n)],
      'extra/mask': ['BOOL', [2], new Uint8Array([0, 1])],
    });
    const model = new MLP([2, 1], { seed: 1, backend: js64 });
    const { extra, rawExtra } = decodeCheckpoint(bytes, model);
    const [w, b] = model.parameters();
    expect(Array.from(w.data())).toEqual([0.5, -1]); // stored [in, out] = [2, 1]
    expect(Array.from(b.data())).toEqual([3]);
    expect(extra.epoch).toEqual({ dtype: 'I32', shape: [1], data: new Int32Array([5]) });
    expect(Object.keys(rawExtra)).toEqual(['seed', 'mask']);
    expect(rawExtra.seed.reason).toMatch(/outside the int32 range/);
    expect(Array.from(rawExtra.mask.bytes)).toEqual([0, 1]);
  });

  it('an unreadable tensor for a parameter, or an unreadable unexpected one under strict, is refused and changes nothing', () => {
    const weight = f32(0.5, -1);
    const model = new MLP([2, 1], { seed: 1, backend: js64 });
    const before = model.parameters().map((p) => Array.from(p.data()));
    const badBias = file({ '0.weight': ['F32', [1, 2], weight], '0.bias': ['U8', [1], new Uint8Array([3])] });
    for (const strict of [true, false]) {
      expect(() => decodeCheckpoint(badBias, model, { strict })).toThrow(/tensor '0.bias' has dtype U8, which cannot be loaded: subgrad does not read U8/);
    }
    const counter = file({ '0.weight': ['F32', [1, 2], weight], '0.bias': ['F32', [1], f32(3)], 'bn.flags': ['U8', [1], new Uint8Array([1])] });
    expect(() => decodeCheckpoint(counter, model)).toThrow(/tensor 'bn.flags' has dtype U8/);
    expect(model.parameters().map((p) => Array.from(p.data()))).toEqual(before);
    decodeCheckpoint(counter, model, { strict: false });
    expect(model.parameters().map((p) => Array.from(p.data()))).toEqual([[0.5, -1], [3]]);
  });
});

describe('checkpoints in memory', () => {
  it.each([...wasmBackends, js64].map((b) => [b.label, b] as const))('encode → decode into a fresh model gives identical predictions (%s)', (_l, backend) => {
    const trained = new MLP([6, 8, 3], { seed: 1, backend });
    const fresh = new MLP([6, 8, 3], { seed: 2, backend });
    const x = sg.randn([5, 6], { seed: 3, backend });
    const moments = sg.randn([4], { seed: 4, backend });
    const bytes = encodeCheckpoint(trained, { extra: { 'adam.m.0': moments, step: { dtype: 'I32', shape: [], data: new Int32Array([12]) } }, metadata: { epoch: '7' } });
    expect(Array.from(fresh.forward(x).data())).not.toEqual(Array.from(trained.forward(x).data()));
    const { extra, metadata } = decodeCheckpoint(bytes, fresh);
    expect(Array.from(fresh.forward(x).data())).toEqual(Array.from(trained.forward(x).data()));
    expect(metadata).toEqual({ format: 'pt', epoch: '7' });
    expect(Object.keys(extra)).toEqual(['adam.m.0', 'step']);
    expect(Array.from(extra['adam.m.0'].data)).toEqual(Array.from(moments.data()));
    expect(Array.from(extra.step.data)).toEqual([12]);
  });

  it('stores the PyTorch names and [out, in] layout, which an independent reader sees', () => {
    const model = new MLP([4, 3, 2], { seed: 1, backend: js64 });
    const file = minimalRead(new Uint8Array(encodeCheckpoint(model)));
    expect(Object.entries(file.tensors).map(([n, t]) => [n, t.dtype, t.shape])).toEqual([
      ['0.weight', 'F64', [3, 4]], ['0.bias', 'F64', [3]], ['2.weight', 'F64', [2, 3]], ['2.bias', 'F64', [2]],
    ]);
    const w = (model.layers[0] as unknown as { weight: sg.Tensor }).weight.toArray() as number[][]; // [in, out]
    expect(file.tensors['0.weight'].values).toEqual([0, 1, 2].flatMap((o) => [0, 1, 2, 3].map((i) => w[i][o])));
  });

  it('a checkpoint of another architecture names the tensor and both shapes, and changes nothing', () => {
    const bytes = encodeCheckpoint(new MLP([4, 5, 2], { seed: 1, backend: js64 }));
    const model = new MLP([4, 6, 2], { seed: 2, backend: js64 });
    const before = model.parameters().map((p) => Array.from(p.data()));
    expect(() => decodeCheckpoint(bytes, model)).toThrow("loadStateDict: tensor '0.weight' has shape [5, 4] in the state but [6, 4] in the model");
    expect(model.parameters().map((p) => Array.from(p.data()))).toEqual(before);
  });

  it('refuses unknown options, a non-model and reserved metadata keys, listing what is valid', () => {
    const model = new MLP([2, 1], { seed: 1, backend: js64 });
    const bytes = encodeCheckpoint(model);
    expect(() => encodeCheckpoint(model, { extras: {} } as never)).toThrow("encodeCheckpoint: unknown option 'extras'; valid options are extra, metadata, optimizer, optimizerFormat, scheduler");
    expect(() => decodeCheckpoint(bytes, model, { strickt: true } as never)).toThrow("decodeCheckpoint: unknown option 'strickt'; valid options are strict, optimizer, scheduler");
    expect(() => decodeCheckpoint(bytes, {} as never)).toThrow(/decodeCheckpoint: model must be an nn.Module, got \{\}/);
    expect(() => decodeCheckpoint(bytes, model, { optimizer: {} as never })).toThrow(/optimizer must be an optim optimizer/);
    expect(() => encodeCheckpoint(model, { metadata: { optimizer: 'x' } })).toThrow(/metadata key 'optimizer' is reserved/);
  });

  it('refuses names it would misfile: extra/__proto__, optimizer/ without a plain index; and bad options', () => {
    const model = new MLP([2, 1], { seed: 1, backend: js64 });
    const opt = new sg.optim.Adam(model.parameters());
    opt.zeroGrad(false);
    opt.step();
    const bytes = (extra: string) => {
      const file = new Uint8Array(encodeCheckpoint(model, { optimizer: opt }));
      // Rename the optimizer's first buffer in the header text (same length keeps the offsets valid).
      return build(minimalHeader(file).replace('"optimizer/0"', JSON.stringify(extra)), file.subarray(8 + minimalLength(file)));
    };
    expect(() => decodeCheckpoint(bytes('optimizer/x'), model, { optimizer: opt })).toThrow(/'optimizer\/x' is not named optimizer\/<index>/);
    expect(() => decodeCheckpoint(bytes('optimizer/-1'), model)).toThrow(sg.CheckpointError);
    expect(() => decodeCheckpoint(bytes('extra/__proto__'), model)).toThrow(/the name 'extra\/__proto__' is refused/);
    expect(() => decodeCheckpoint(bytes('optimizer/0'), model, { strikt: true } as never)).toThrow(/unknown option 'strikt'/);
    expect(() => decodeCheckpoint(bytes('optimizer/0'), {} as never)).toThrow(/model must be an nn.Module/);
    expect(() => decodeCheckpoint(bytes('optimizer/0'), model, { optimizer: {} as never })).toThrow(/optimizer must be an optim optimizer/);
    expect(() => decodeSafetensors(42 as never)).toThrow(sg.ArgumentError);
  });

  it('leaves no per-call memory behind', () => {
    const model = new MLP([16, 16, 4], { seed: 1, backend: js64 });
    encodeCheckpoint(model);
    const before = sg.memoryStats(js64).persistentBytes;
    for (let i = 0; i < 20; i++) decodeCheckpoint(encodeCheckpoint(model), model);
    expect(sg.memoryStats(js64).persistentBytes).toBe(before);
  });
});
