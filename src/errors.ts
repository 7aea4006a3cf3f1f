// Typed errors. Each names the operation that refused and says what was
// expected, so the user can act on the message alone.

function format(op: string, message: string): string {
  return `${op}: ${message}`;
}

/** Base class of subgrad's errors (except ArgumentError, which is a RangeError). */
export class SubgradError extends Error {
  constructor(
    readonly op: string,
    /** What was wrong, without the op's name. */
    readonly reason: string,
    /** `cause`: the error underneath (a runtime's own, say). */
    options?: ErrorOptions,
  ) {
    super(format(op, reason), options);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit together: mismatched inner dimensions, broadcasting, data length. */
export class ShapeError extends SubgradError {}

/** An argument or option with a value outside what the operation accepts. */
export class ArgumentError extends RangeError {
  constructor(
    readonly op: string,
    /** What was wrong, without the op's name. */
    readonly reason: string,
  ) {
    super(format(op, reason));
    this.name = 'ArgumentError';
  }
}

/** Tensors of different backends, or an int tensor where floats are needed (and back). */
export class BackendError extends SubgradError {}

/** Linear memory cannot grow to satisfy an allocation; nothing was changed. */
export class OutOfMemoryError extends SubgradError {}

/** A tensor whose storage was released (its scope ended, or it was disposed). */
export class ReleasedTensorError extends SubgradError {}

/** Misuse of the autodiff graph: backward on a non-scalar, through a freed graph, ... */
export class GraphError extends SubgradError {}

/** A checkpoint or state dict that is malformed or does not fit the model; the model was left unchanged. */
export class CheckpointError extends SubgradError {}

/** A NaN (or, when asked, infinite) value where none is allowed: found by anomaly mode or by an optimizer step. */
export class NonFiniteError extends SubgradError {}

/** A NaN or infinite gradient met by an optimizer step; parameters and optimizer state were left unchanged. */
export class NonFiniteGradientError extends NonFiniteError {
  constructor(
    op: string,
    message: string,
    /** The parameter's name (as given to the optimizer, else 'param i') and the element holding the value. */
    readonly parameter: string,
    readonly index: number,
    readonly value: number,
  ) {
    super(op, message);
  }
}

/** A gradient check that failed when asked to throw; the report is attached. */
export class GradcheckError extends SubgradError {
  constructor(
    message: string,
    readonly report: unknown,
  ) {
    super('gradcheck', message);
  }
}
