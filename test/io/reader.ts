// An independent minimal safetensors reader for the tests: BigInt header
// length, Buffer for the text, typed-array views on copied slices for the
// values (the library reads with DataView).
export function minimalRead(bytes: Uint8Array) {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8'));
  const tensors: Record<string, { dtype: string; shape: number[]; values: number[] }> = {};
  for (const [name, info] of Object.entries<any>(header)) {
    if (name === '__metadata__') continue;
    const [begin, end] = info.data_offsets;
    const raw = bytes.slice(8 + n + begin, 8 + n + end).buffer;
    const View = { F32: Float32Array, F64: Float64Array, I32: Int32Array }[info.dtype as 'F32']!;
    tensors[name] = { dtype: info.dtype, shape: info.shape, values: Array.from(new View(raw)) };
  }
  return { headerLength: n, metadata: header.__metadata__, tensors };
}

