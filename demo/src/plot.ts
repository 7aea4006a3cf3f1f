// Line plots on a canvas, for every page of the demo: live training curves
// here, loss and optimizer figures in the lecture pages. Plain canvas rather
// than a charting library: a few hundred lines cover axes, nice ticks, a log
// scale, markers and a legend, redraw at frame rate as points stream in, and
// add nothing to the bundle a user downloads.

export interface SeriesStyle {
  label: string;
  color: string;
  /** Canvas line dash, e.g. [6, 4]. */
  dash?: number[];
  /** Draw a dot at every point (for sparse series such as one value per epoch). */
  markers?: boolean;
  width?: number;
}

export interface AxisOptions {
  label?: string;
  /** Fixed ends; unset ends follow the data. */
  min?: number;
  max?: number;
  /** Logarithmic scale (positive values only; others are skipped). */
  log?: boolean;
  format?: (v: number) => string;
}

export interface PlotOptions {
  title: string;
  x?: AxisOptions;
  y?: AxisOptions;
  /** Css pixels (default 240); the width follows the container. */
  height?: number;
}

type Point = [number, number];

const FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const PAD = { left: 52, right: 14, top: 10, bottom: 34 };
const GRID = '#e5e7eb';
const AXIS = '#6b7280';

/** About `count` round tick values (1, 2 or 5 × 10^k apart) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return ticks;
}

/** Ticks of a log axis: powers of ten, with 2 and 5 between them when the range spans few decades. */
export function logTicks(lo: number, hi: number): number[] {
  const [a, b] = [Math.floor(Math.log10(lo)), Math.ceil(Math.log10(hi))];
  const steps = b - a <= 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = a; e <= b; e++) for (const m of steps) ticks.push(m * 10 ** e);
  return ticks.filter((t) => t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9));
}

const defaultFormat = (v: number) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(0) : String(+v.toPrecision(4)));

export class Plot<K extends string = string> {
  /** The plot's figure element: title, legend and canvas. */
  readonly element: HTMLElement;
  readonly #canvas: HTMLCanvasElement;
  readonly #series: Record<K, SeriesStyle>;
  readonly #points = new Map<K, Point[]>();
  #options: PlotOptions;
  #queued = false;

  constructor(parent: HTMLElement, options: PlotOptions, series: Record<K, SeriesStyle>) {
    this.#options = options;
    this.#series = series;
    this.element = document.createElement('figure');
    this.element.className = 'plot';
    const head = document.createElement('figcaption');
    const title = document.createElement('span');
    title.className = 'plot-title';
    title.textContent = options.title;
    const legend = document.createElement('span');
    legend.className = 'plot-legend';
    for (const s of Object.values<SeriesStyle>(series)) {
      const item = document.createElement('span');
      const swatch = document.createElement('i');
      swatch.style.background = s.color;
      if (s.dash) swatch.className = 'dashed';
      item.append(swatch, s.label);
      legend.append(item);
    }
    head.append(title, legend);
    this.#canvas = document.createElement('canvas');
    this.#canvas.style.height = `${options.height ?? 240}px`;
    this.element.append(head, this.#canvas);
    parent.append(this.element);
    new ResizeObserver(() => this.#schedule()).observe(this.#canvas);
  }

  /** Appends a point to a series. */
  add(key: K, x: number, y: number): void {
    let pts = this.#points.get(key);
    if (!pts) this.#points.set(key, (pts = []));
    pts.push([x, y]);
    this.#schedule();
  }

  /** Replaces a series' points. */
  set(key: K, points: Point[]): void {
    this.#points.set(key, [...points]);
    this.#schedule();
  }

  clear(): void {
    this.#points.clear();
    this.#schedule();
  }

  /** Changes an axis (e.g. its fixed ends), keeping the points. */
  setAxis(axis: 'x' | 'y', options: AxisOptions): void {
    this.#options = { ...this.#options, [axis]: { ...this.#options[axis], ...options } };
    this.#schedule();
  }

  /** Redraws at the next frame, once however many points arrived. */
  #schedule(): void {
    if (this.#queued) return;
    this.#queued = true;
    requestAnimationFrame(() => {
      this.#queued = false;
      this.#draw();
    });
  }

  #range(axis: 'x' | 'y'): [number, number] {
    const o = this.#options[axis] ?? {};
    const i = axis === 'x' ? 0 : 1;
    let [lo, hi] = [Infinity, -Infinity];
    for (const pts of this.#points.values()) {
      for (const p of pts) {
        const v = p[i];
        if (!Number.isFinite(v) || (o.log && v <= 0)) continue;
        [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
      }
    }
    lo = o.min ?? (lo === Infinity ? (o.log ? 0.1 : 0) : lo);
    hi = o.max ?? (hi === -Infinity ? 1 : hi);
    if (hi <= lo) hi = o.log ? lo * 10 : lo + 1;
    if (o.log && axis === 'y') {
      // Whole or half decades, so the ends have ticks.
      lo = o.min ?? 10 ** (Math.floor(2 * Math.log10(lo)) / 2);
      hi = o.max ?? 10 ** (Math.ceil(2 * Math.log10(hi)) / 2);
    } else if (axis === 'y') {
      const pad = (hi - lo) * 0.06;
      lo = o.min ?? lo - pad;
      hi = o.max ?? hi + pad;
    }
    return [lo, hi];
  }

  #draw(): void {
    const canvas = this.#canvas;
    const dpr = window.devicePixelRatio || 1;
    const [w, h] = [canvas.clientWidth, canvas.clientHeight];
    if (w === 0 || h === 0) return;
    [canvas.width, canvas.height] = [Math.round(w * dpr), Math.round(h * dpr)];
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.font = FONT;
    const xo = this.#options.x ?? {};
    const yo = this.#options.y ?? {};
    const [x0, x1] = this.#range('x');
    const [y0, y1] = this.#range('y');
    const [left, right, top, bottom] = [PAD.left, w - PAD.right, PAD.top, h - PAD.bottom];
    const t = (v: number, lo: number, hi: number, log?: boolean) => (log ? Math.log(v / lo) / Math.log(hi / lo) : (v - lo) / (hi - lo));
    const px = (v: number) => left + t(v, x0, x1, xo.log) * (right - left);
    const py = (v: number) => bottom - t(v, y0, y1, yo.log) * (bottom - top);

    // Grid and tick labels.
    ctx.lineWidth = 1;
    ctx.fillStyle = AXIS;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const v of yo.log ? logTicks(y0, y1) : niceTicks(y0, y1, Math.max(2, Math.floor((bottom - top) / 40)))) {
      const y = Math.round(py(v)) + 0.5;
      ctx.strokeStyle = GRID;
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(right, y);
      ctx.stroke();
      ctx.fillText((yo.format ?? defaultFormat)(v), left - 6, y);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const v of xo.log ? logTicks(x0, x1) : niceTicks(x0, x1, Math.max(2, Math.floor((right - left) / 70)))) {
      const x = Math.round(px(v)) + 0.5;
      ctx.strokeStyle = GRID;
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
      ctx.fillText((xo.format ?? defaultFormat)(v), x, bottom + 5);
    }
    ctx.strokeStyle = AXIS;
    ctx.beginPath();
    ctx.moveTo(left + 0.5, top);
    ctx.lineTo(left + 0.5, bottom + 0.5);
    ctx.lineTo(right, bottom + 0.5);
    ctx.stroke();
    if (xo.label) ctx.fillText(xo.label, (left + right) / 2, bottom + 19);
    if (yo.label) {
      ctx.save();
      ctx.translate(12, (top + bottom) / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textBaseline = 'middle';
      ctx.fillText(yo.label, 0, 0);
      ctx.restore();
    }

    // The series, clipped to the plot area.
    ctx.save();
    ctx.beginPath();
    ctx.rect(left - 5, top - 5, right - left + 10, bottom - top + 10); // room for markers at the ends
    ctx.clip();
    ctx.lineJoin = 'round';
    for (const [key, pts] of this.#points) {
      const s = this.#series[key];
      const visible = pts.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && !(xo.log && x <= 0) && !(yo.log && y <= 0));
      ctx.strokeStyle = ctx.fillStyle = s.color;
      ctx.lineWidth = s.width ?? 2;
      ctx.setLineDash(s.dash ?? []);
      ctx.beginPath();
      visible.forEach(([x, y], i) => (i ? ctx.lineTo(px(x), py(y)) : ctx.moveTo(px(x), py(y))));
      ctx.stroke();
      ctx.setLineDash([]);
      if (s.markers) {
        for (const [x, y] of visible) {
          ctx.beginPath();
          ctx.arc(px(x), py(y), 3.5, 0, 2 * Math.PI);
          ctx.fill();
        }
      }
    }
    ctx.restore();
  }
}
