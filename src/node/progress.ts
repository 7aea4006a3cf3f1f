// A terminal progress reporter for fit(): one bar per epoch, redrawn in place
// with '\r', showing the running loss and samples/s, then replaced by that
// epoch's summary line. Not a TTY, or CI set: no bar, only the summary lines
// (for silence, pass no progress callbacks at all).
import { checkBoolean, checkInteger, checkNumber, checkOptions, show as describe } from '../check.js';
import { ArgumentError } from '../errors.js';
import type { BatchLog, EpochLog, FitCallbacks, TrainInfo } from '../train/index.js';

export interface ProgressOptions {
  /** Where to write (default process.stdout). */
  stream?: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  /** Draw the bar (default: the stream is a TTY and CI is not set). */
  bar?: boolean;
  /** Characters in the bar (default 24). */
  width?: number;
  /** Least time between redraws, in ms (default 80): drawing must not slow training. */
  interval?: number;
}

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 'loss 0.1234', 'acc 96.10%' (short, so an epoch's line fits 80 columns) */
function show(name: string, v: number): string {
  return name === 'accuracy' ? `acc ${(100 * v).toFixed(2)}%` : `${name} ${v.toPrecision(4)}`;
}

/** The epoch's metrics: training values, then the val* ones under 'val'. */
function metrics(log: EpochLog): string {
  const skip = new Set(['epoch', 'lr', 'seconds', 'samplesPerSecond']);
  const train: string[] = [];
  const val: string[] = [];
  for (const [k, v] of Object.entries(log)) {
    if (skip.has(k) || v === undefined) continue;
    if (/^val[A-Z]/.test(k)) val.push(show(k[3].toLowerCase() + k.slice(4), v));
    else train.push(show(k, v));
  }
  return train.join(' ') + (val.length ? ` · val ${val.join(' ')}` : '');
}

/** Callbacks for fit: `fit(model, data, { ..., callbacks: progressBar() })`. */
export function progressBar(options?: ProgressOptions): FitCallbacks {
  const op = 'progressBar';
  const o = checkOptions(op, options, ['stream', 'bar', 'width', 'interval']);
  const stream = o.stream ?? process.stdout;
  if (stream === null || typeof stream !== 'object' || typeof stream.write !== 'function') {
    throw new ArgumentError(op, `stream must have a write(text) method, got ${describe(stream)}`);
  }
  const bar = o.bar ?? (stream.isTTY === true && !process.env.CI);
  const width = o.width ?? 24;
  const interval = o.interval ?? 80;
  checkBoolean(op, 'bar', bar);
  checkInteger(op, 'width', width, 1, 1000);
  checkNumber(op, 'interval', interval, { min: 0 });
  let epochs = 0;
  let lastDraw = -Infinity;
  const prefix = (epoch: number) => `epoch ${String(epoch).padStart(String(epochs).length)}/${epochs}`;
  const track = (fraction: number) => {
    const full = Math.round(fraction * width);
    return `${'━'.repeat(full)}${'─'.repeat(width - full)} ${String(Math.floor(100 * fraction)).padStart(3)}%`;
  };
  const line = (text: string) => {
    const columns = stream.columns ?? Infinity;
    stream.write(`\r${text.length > columns - 1 ? text.slice(0, columns - 1) : text}\x1b[K`);
  };
  return {
    onTrainBegin(info: TrainInfo) {
      epochs = info.epochs;
    },
    onBatchEnd(log: BatchLog) {
      if (!bar) return;
      const now = performance.now();
      if (now - lastDraw < interval && log.batch < log.batches) return;
      lastDraw = now;
      const rate = log.seconds > 0 ? `${number.format(log.samples / log.seconds)} samples/s` : '';
      line(`${prefix(log.epoch)} ${track(log.batch / log.batches)} ${log.batch}/${log.batches} loss ${log.loss.toPrecision(4)} · ${rate}`);
    },
    onEpochEnd(log: EpochLog) {
      const text = `${prefix(log.epoch)} ${metrics(log)} · ${number.format(log.samplesPerSecond)} samples/s · ${log.seconds.toFixed(1)} s`;
      // In a terminal the summary replaces the finished bar.
      if (bar) line(text);
      stream.write(bar ? '\n' : `${text}\n`);
      lastDraw = -Infinity;
    },
  };
}
