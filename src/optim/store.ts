// A parameter group's memory: the parameters moved into one contiguous
// persistent block, their gradients as views into a second block of the same
// layout, and each piece of optimizer state as one more such block. A step is
// then one kernel call over the whole group (one per run of parameters with
// the same step count, when some were skipped).
import type { Backend } from '../backend/backend.js';
import { ArgumentError, BackendError, ShapeError } from '../errors.js';
import { fmt, sameShape } from '../shape.js';
import { Storage } from '../storage.js';
import { setGradSlot } from '../tape.js';
import { Tensor } from '../tensor.js';

/** Consecutive parameters stepped by one kernel call: all have a gradient and equal per-parameter scalars. */
export interface Run {
  /** Parameter indices [start, end). */
  start: number;
  end: number;
  /** Element offset in the group's blocks, and element count. */
  offset: number;
  n: number;
  /** The per-parameter scalars the run shares (step count, ...); the update writes back their new values. */
  scalars: Record<string, number>;
}

export class GroupStore {
  readonly backend: Backend;
  /** Element offset of each parameter in the blocks. */
  readonly offsets: number[] = [];
  readonly numel: number;
  readonly params: Storage;
  readonly grads: Storage;
  /** Optimizer state blocks by name, allocated on first use. */
  readonly state = new Map<string, Storage>();
  /** Per-parameter scalar state, as PyTorch keeps per tensor: 'step' and any the optimizer declares. */
  readonly scalars: Record<string, number[]>;
  /** Each parameter's gradient view into the block (remade if the user disposed it). */
  readonly slot: (() => Tensor)[] = [];

  /** Allocates the blocks (all or nothing); the parameters move in only with adopt(). */
  constructor(
    readonly tensors: readonly Tensor[],
    readonly names: readonly string[],
    scalarDefaults: Record<string, number>,
  ) {
    const backend = (this.backend = tensors[0].backend);
    let numel = 0;
    for (const p of tensors) {
      this.offsets.push(numel);
      numel += p.size;
    }
    this.numel = numel;
    const bytes = numel * backend.bytesPerElement;
    this.params = Storage.owned(backend, bytes);
    try {
      this.grads = Storage.owned(backend, bytes);
    } catch (e) {
      this.params.dispose();
      throw e;
    }
    this.grads.fill(0);
    this.scalars = { step: tensors.map(() => 0) };
    for (const [name, value] of Object.entries(scalarDefaults)) this.scalars[name] = tensors.map(() => value);
  }

  /** Moves the parameters (and their gradients) into the blocks: the commit, which cannot fail. */
  adopt(): void {
    const backend = this.backend;
    this.tensors.forEach((p, i) => {
      const at = this.offsets[i] * backend.bytesPerElement;
      p.storage.moveInto(this.params, at);
      // An existing gradient moves too, so references to it stay valid.
      if (p.grad?.storage.alive && sameShape(p.grad.shape, p.shape)) p.grad.storage.moveInto(this.grads, at);
      else p.grad = null;
      // The tape holds this while p lives: it must not keep the optimizer (and its state) alive.
      const grads = this.grads;
      const view = () => new Tensor(p.shape, p.dtype, Storage.view(grads, at, p.storage.bytes));
      let slot = p.grad ?? view();
      // A slot moved out of the block (made another optimizer's parameter) is the user's tensor now.
      this.slot.push(() => (slot.storage.alive && slot.storage.base === grads ? slot : (slot = view())));
      setGradSlot(p, this.slot[i]);
    });
  }

  get bytesPerElement(): number {
    return this.backend.bytesPerElement;
  }

  /** Byte address of element `offset` of a block. */
  at(block: Storage, offset: number): number {
    return block.ptr + offset * this.backend.bytesPerElement;
  }

  describe(i: number, group: number): string {
    return `parameter '${this.names[i]}' (group ${group}, shape ${fmt(this.tensors[i].shape)})`;
  }

  /** Throws unless every parameter is alive and still lives in this group's block. */
  checkParams(op: string, group: number): void {
    this.tensors.forEach((p, i) => {
      if (p.storage.base !== this.params || p.storage.offset !== this.offsets[i] * this.bytesPerElement) {
        throw new ArgumentError(op, `${this.describe(i, group)} was moved by another optimizer; an optimizer steps only parameters it still holds, so create a new one`);
      }
      p.storage.assertAlive(op);
    });
  }

  /** Which parameters have a gradient this step (PyTorch skips the others); checks a gradient the user assigned to p.grad. */
  gradients(op: string, group: number): boolean[] {
    return this.tensors.map((p, i) => {
      const g = p.grad;
      if (!g || !g.storage.alive) return false;
      if (g.storage === this.slot[i]().storage) return true;
      if (!sameShape(g.shape, p.shape)) throw new ShapeError(op, `gradient of ${this.describe(i, group)} has shape ${fmt(g.shape)}`);
      if (g.backend !== this.backend || g.dtype !== p.dtype) {
        throw new BackendError(op, `gradient of ${this.describe(i, group)} must be a ${p.dtype} tensor on ${this.backend.label}`);
      }
      return true;
    });
  }

  /** Copies the gradients the user assigned (checked by gradients()) into their slots, where the kernels read them. */
  collect(): void {
    this.tensors.forEach((p, i) => {
      const g = p.grad;
      const slot = this.slot[i]();
      if (!g || !g.storage.alive || g.storage === slot.storage) return;
      // One pass copies the gradient and checks it (see firstNonFinite).
      slot.storage.firstNonFinite = this.backend.kernels.accumulate(0, g.ptr, slot.ptr, p.size);
      p.grad = slot;
    });
  }

  /** A copy of the gradients (the block and each parameter's .grad) and what puts them back. */
  saveGrads(): () => void {
    const at = this.grads.ptr / this.bytesPerElement;
    const values = this.backend.floats.slice(at, at + this.numel);
    const refs = this.tensors.map((p) => p.grad);
    return () => {
      this.grads.write(values, this.backend.dtype);
      this.tensors.forEach((p, i) => (p.grad = refs[i]));
    };
  }

  /**
   * The index of the first NaN or infinity in parameter i's gradient, or -1:
   * what the write that made it found (the tape's commit, collect), so a step
   * makes no pass of its own over the gradients; scanned (and recorded) when
   * another write came after it.
   */
  firstNonFinite(i: number): number {
    const g = this.slot[i]();
    return (g.storage.firstNonFinite ??= this.backend.kernels.firstNonFinite(g.ptr, g.size));
  }

  /** Maximal runs of consecutive parameters that have a gradient and share their scalars. */
  runs(has: readonly boolean[]): Run[] {
    const names = Object.keys(this.scalars);
    const runs: Run[] = [];
    let last: Run | null = null;
    for (let i = 0; i < has.length; i++) {
      if (!has[i]) {
        last = null;
      } else if (last && names.every((k) => this.scalars[k][i] === last!.scalars[k])) {
        last.end = i + 1;
        last.n += this.tensors[i].size;
      } else {
        const scalars: Record<string, number> = {};
        for (const k of names) scalars[k] = this.scalars[k][i];
        last = { start: i, end: i + 1, offset: this.offsets[i], n: this.tensors[i].size, scalars };
        runs.push(last);
      }
    }
    return runs;
  }

  /** Stores a run's new scalars on each of its parameters. */
  commit(run: Run): void {
    for (const [k, v] of Object.entries(run.scalars)) this.scalars[k].fill(v, run.start, run.end);
  }

  /** The state block `name`, allocated and filled with `initial` on first use. */
  buffer(name: string, initial = 0): Storage {
    let s = this.state.get(name);
    if (!s) {
      s = Storage.owned(this.backend, this.numel * this.bytesPerElement);
      this.backend.kernels.fill(s.ptr, this.numel, initial);
      this.state.set(name, s);
    }
    return s;
  }

  /** Frees a state block (one the state being loaded lacks, or one allocated by a step that then failed). */
  dropState(name: string): void {
    this.state.get(name)?.dispose();
    this.state.delete(name);
  }

  /**
   * Zeroes the gradient block; with setToNone, parameters report no gradient
   * until the next backward instead, and the block is left as it is (backward
   * writes a gradient anew, as it does to a parameter without one).
   */
  zeroGrad(setToNone: boolean): void {
    if (!setToNone) this.grads.fill(0);
    this.tensors.forEach((p, i) => {
      if (p.storage.base === this.params) p.grad = setToNone ? null : this.slot[i]();
    });
  }

  /** Frees the blocks of a store that never adopted its parameters. */
  free(): void {
    this.params.dispose();
    this.grads.dispose();
  }

  /** Gives parameters (and their gradients) their own storage again and frees the blocks. */
  release(): void {
    for (const p of this.tensors) {
      if (p.storage.base !== this.params) continue;
      setGradSlot(p, null);
      if (!p.storage.disposed) p.storage.ownCopy();
      if (p.grad?.storage.base === this.grads && p.grad.storage.alive) p.grad.storage.ownCopy();
    }
    for (const s of [this.params, this.grads, ...this.state.values()]) s.dispose();
    this.state.clear();
  }
}
