// Checkpoint files for Node. A save writes a temporary file in the target's
// directory, flushes it and renames it over the target, so a crash leaves
// either the old checkpoint or the new one, never a torn file.
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint, type CheckpointOptions, type DecodeCheckpointOptions } from '../io/safetensors.js';
import type { Module } from '../nn/module.js';
import { show } from '../check.js';
import { ArgumentError } from '../errors.js';

/** Writes bytes to `path` atomically (temporary file + fsync + rename). */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  checkPath('writeFileAtomic', path);
  if (!(bytes instanceof Uint8Array)) throw new ArgumentError('writeFileAtomic', `bytes must be a Uint8Array, got ${show(bytes)}`);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const file = await open(tmp, 'wx');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  // Persist the rename itself; some platforms cannot open a directory, which is fine.
  const dir = await open(dirname(path), 'r').catch(() => null);
  await dir?.sync().catch(() => {});
  await dir?.close();
}

/**
 * Saves the model's state dict (PyTorch layout), any extra tensors and
 * optionally an optimizer's and a scheduler's state as a safetensors file.
 */
export async function saveCheckpoint(path: string, model: Module<any, any>, options: CheckpointOptions = {}): Promise<void> {
  checkPath('saveCheckpoint', path);
  // Encoding first: bad input fails before the file system is touched.
  await writeFileAtomic(path, new Uint8Array(encodeCheckpoint(model, options)));
}

/**
 * Loads a safetensors checkpoint into `model` (and `options.optimizer`,
 * `options.scheduler`); a malformed or mismatched file leaves all of them unchanged.
 */
export async function loadCheckpoint(path: string, model: Module<any, any>, options: DecodeCheckpointOptions = {}): Promise<Checkpoint> {
  checkPath('loadCheckpoint', path);
  return decodeCheckpoint(await readFile(path), model, options);
}

function checkPath(op: string, path: unknown): void {
  if (typeof path !== 'string' || path === '') throw new ArgumentError(op, `path must be a non-empty string, got ${show(path)}`);
}
