// What a checked write records of a storage's values (the index of its first
// NaN or infinity, read by an optimizer's step instead of a scan of its own)
// is forgotten by every write that touches those bytes, through the storage,
// a view of it or an overlapping view, and kept by writes beside them.
import { describe, expect, it } from 'vitest';
import { Storage } from '../src/storage.js';
import { js32, wasmBackends } from './helpers/backends.js';

describe('records of non-finite values', () => {
  it.each([js32, ...wasmBackends].map((b) => [b.label, b] as const))('are kept by writes beside them and forgotten by writes over them (%s)', (_l, backend) => {
    const block = Storage.owned(backend, 64);
    const [a, b] = [Storage.view(block, 0, 32), Storage.view(block, 32, 32)];
    const record = () => {
      a.firstNonFinite = 3;
      b.firstNonFinite = -1;
    };
    record();
    expect([a.firstNonFinite, b.firstNonFinite]).toEqual([3, -1]);
    // Another view of exactly a's bytes reads a's record; a view of part of them knows nothing.
    expect(Storage.view(block, 0, 32).firstNonFinite).toBe(3);
    expect(Storage.view(block, 0, 16).firstNonFinite).toBeUndefined();
    expect(Storage.view(a, 0, 32).firstNonFinite).toBe(3);

    a.fill(0);
    expect([a.firstNonFinite, b.firstNonFinite]).toEqual([undefined, -1]);
    record();
    Storage.view(a, 8, 8).write([1, 2], 'float32');
    expect([a.firstNonFinite, b.firstNonFinite]).toEqual([undefined, -1]);
    record();
    // Overlapping both: 8 bytes at the end of a and 8 at the start of b.
    Storage.view(block, 24, 16).copyFrom(block.ptr);
    expect([a.firstNonFinite, b.firstNonFinite]).toEqual([undefined, undefined]);
    record();
    block.fill(1);
    expect([a.firstNonFinite, b.firstNonFinite]).toEqual([undefined, undefined]);
    record();
    // A record of a write over both replaces theirs.
    block.firstNonFinite = -1;
    expect([block.firstNonFinite, a.firstNonFinite, b.firstNonFinite]).toEqual([-1, undefined, undefined]);
    block.dispose();
  });

  it('bytes moved into a block are not known there, and the moved storage keeps no record of its own', () => {
    const backend = js32;
    const block = Storage.owned(backend, 64);
    const slot = Storage.view(block, 16, 16);
    slot.firstNonFinite = -1;
    const moved = Storage.owned(backend, 16);
    moved.firstNonFinite = 2;
    moved.moveInto(block, 16);
    expect(slot.firstNonFinite).toBeUndefined();
    expect(moved.firstNonFinite).toBeUndefined();
    block.dispose();
  });
});
