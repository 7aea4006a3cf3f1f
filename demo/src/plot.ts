// Plots on a canvas, for every page of the demo: live training curves, loss
// curves with their kinks marked, scatter plots to drag points on, and
// contour plots of 2-D surfaces with optimizer paths. Plain canvas rather
// than a charting library: a few hundred lines cover axes, nice ticks, a log
// scale, markers, contours and a legend, redraw at frame rate as points stream
// in, and add nothing to the bundle a user downloads.

export interface SeriesStyle {
  label: string;
  color: string;
  /** Canvas line dash, e.g. [6, 4]. */
  dash?: number[];
  /** Draw a dot at every point (for sparse series such as one value per epoch), of this radius (default 3.5). */
  markers?: boolean;
  markerSize?: number;
  /** Join the points with a line (default true; false with markers: a scatter). */
  line?: boolean;
  width?: number;
}

/** A point drawn over the series: a dot (filled) or a ring (open). */
export interface Mark {
  x: number;
  y: number;
  color: string;
  shape?: 'dot' | 'ring';
  /** Radius in css pixels (default 4.5). */
  size?: number;
}

/** A straight line over the series, between two points in data units. */
export interface Segment {
  from: Point;
  to: Point;
  color: string;
  width?: number;
  dash?: number[];
}

/** Values of f on an nx × ny grid spanning x and y (row-major, the first row at y[0]), drawn as filled contours. */
export interface Field {
  nx: number;
  ny: number;
  x: [number, number];
  y: [number, number];
  values: ArrayLike<number>;
  /** Increasing contour levels: a line at each, the bands between shaded light to dark. */
  levels: number[];
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
  /** Keep one unit of x as long as one unit of y (for surfaces), the height following the width up to maxHeight. */
  equalAspect?: boolean;
  maxHeight?: number;
  /** Show the series' legend in the caption (default true). */
  legend?: boolean;
}

export type Point = [number, number];

const FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const PAD = { left: 52, right: 14, top: 10, bottom: 34 };
const GRID = '#e5e7eb';
const AXIS = '#6b7280';
/** A field's shades, lowest band to highest (rgba), and its contour lines. */
const FIELD_LOW = [191, 219, 254, 255];
const FIELD_HIGH = [248, 250, 252, 255];
const CONTOUR = 'rgba(71, 85, 105, 0.35)';

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

/**
 * Ticks of a log axis: powers of ten, with 2 and 5 between them when the range
 * spans few decades, and every second or third power when more than `count` would crowd it.
 */
export function logTicks(lo: number, hi: number, count = Infinity): number[] {
  const [a, b] = [Math.floor(Math.log10(lo)), Math.ceil(Math.log10(hi))];
  const steps = b - a <= 2 ? [1, 2, 5] : [1];
  const every = Math.max(1, Math.ceil((b - a + 1) / count));
  const ticks: number[] = [];
  for (let e = a; e <= b; e++) if ((e - a) % every === 0) for (const m of steps) ticks.push(m * 10 ** e);
  return ticks.filter((t) => t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9));
}

/** Distinct colours for many series (optimizers, losses), in a fixed order. */
export const PALETTE = [
  '#2563eb', '#ea580c', '#16a34a', '#dc2626', '#9333ea', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d', '#92400e',
];

const defaultFormat = (v: number) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(0).replace('e+', 'e') : String(+v.toPrecision(4)));

function legendItems(series: Record<string, SeriesStyle>): HTMLElement[] {
  return Object.values(series).map((s) => {
    const item = document.createElement('span');
    const swatch = document.createElement('i');
    swatch.style.backgroundColor = s.color;
    if (s.dash) swatch.className = 'dashed';
    if (s.line === false) swatch.className = 'dot';
    item.append(swatch, s.label);
    return item;
  });
}

/** A legend of its own, for several plots that share their series (give those plots legend: false). */
export function legend(series: Record<string, SeriesStyle>): HTMLElement {
  const el = document.createElement('div');
  el.className = 'plot-legend';
  el.append(...legendItems(series));
  return el;
}

export class Plot<K extends string = string> {
  /** The plot's figure element: title, legend and canvas. */
  readonly element: HTMLElement;
  readonly #canvas: HTMLCanvasElement;
  readonly #legend: HTMLElement;
  #series!: Record<K, SeriesStyle>;
  readonly #points = new Map<K, Point[]>();
  #marks: Mark[] = [];
  #segments: Segment[] = [];
  #field: Field | null = null;
  /** The field's shaded bands, rendered once per field and canvas size. */
  #fieldImage: { key: string; canvas: OffscreenCanvas } | null = null;
  #options: PlotOptions;
  /** Data ↔ css pixel mapping of the last drawing. */
  #frame: { px: (v: number) => number; py: (v: number) => number; ix: (p: number) => number; iy: (p: number) => number } | null = null;
  #queued = false;

  constructor(parent: HTMLElement, options: PlotOptions, series: Record<K, SeriesStyle>) {
    this.#options = options;
    this.element = document.createElement('figure');
    this.element.className = 'plot';
    const head = document.createElement('figcaption');
    const title = document.createElement('span');
    title.className = 'plot-title';
    title.textContent = options.title;
    this.#legend = document.createElement('span');
    this.#legend.className = 'plot-legend';
    head.append(title);
    if (options.legend !== false) head.append(this.#legend);
    this.#canvas = document.createElement('canvas');
    this.#canvas.style.height = `${options.height ?? 240}px`;
    this.element.append(head, this.#canvas);
    parent.append(this.element);
    this.setSeries(series);
    const redraw = new ResizeObserver(() => this.#schedule());
    redraw.observe(this.#canvas);
    redraw.observe(this.element);
  }

  /** The canvas, for pointer events (see toData). */
  get canvas(): HTMLCanvasElement {
    return this.#canvas;
  }

  /** Replaces the set of series and the legend; points of series no longer in it are dropped. */
  setSeries(series: Record<K, SeriesStyle>): void {
    this.#series = series;
    for (const key of [...this.#points.keys()]) if (!(key in series)) this.#points.delete(key);
    this.#legend.replaceChildren(...legendItems(series));
    this.#schedule();
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
    this.#marks = [];
    this.#segments = [];
    this.#schedule();
  }

  /** Replaces the marks and segments drawn over the series. */
  setMarks(marks: Mark[], segments: Segment[] = []): void {
    [this.#marks, this.#segments] = [marks, segments];
    this.#schedule();
  }

  /** Replaces the contoured field drawn under the series (null: none). */
  setField(field: Field | null): void {
    this.#field = field;
    this.#fieldImage = null;
    this.#schedule();
  }

  /** The data coordinates of a point given in client (viewport) pixels, as of the last drawing. */
  toData(clientX: number, clientY: number): Point | null {
    const f = this.#frame;
    if (!f) return null;
    const r = this.#canvas.getBoundingClientRect();
    return [f.ix(clientX - r.left), f.iy(clientY - r.top)];
  }

  /** The client pixels of a point given in data coordinates, as of the last drawing. */
  toClient(x: number, y: number): Point | null {
    const f = this.#frame;
    if (!f) return null;
    const r = this.#canvas.getBoundingClientRect();
    return [r.left + f.px(x), r.top + f.py(y)];
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
    const xo = this.#options.x ?? {};
    const yo = this.#options.y ?? {};
    const [x0, x1] = this.#range('x');
    const [y0, y1] = this.#range('y');
    const [left, right, top] = [PAD.left, w - PAD.right, PAD.top];
    if (this.#options.equalAspect && this.#resize(x1 - x0, y1 - y0, w, h)) return;
    const bottom = h - PAD.bottom;
    [canvas.width, canvas.height] = [Math.round(w * dpr), Math.round(h * dpr)];
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.font = FONT;
    const t = (v: number, lo: number, hi: number, log?: boolean) => (log ? Math.log(v / lo) / Math.log(hi / lo) : (v - lo) / (hi - lo));
    const inv = (u: number, lo: number, hi: number, log?: boolean) => (log ? lo * (hi / lo) ** u : lo + u * (hi - lo));
    const px = (v: number) => left + t(v, x0, x1, xo.log) * (right - left);
    const py = (v: number) => bottom - t(v, y0, y1, yo.log) * (bottom - top);
    // The plot area and its data ranges, for tests and tools that point at data.
    Object.assign(canvas.dataset, { area: [left, top, right, bottom].join(), range: [x0, x1, y0, y1].join() });
    this.#frame = {
      px, py,
      ix: (p) => inv((p - left) / (right - left), x0, x1, xo.log),
      iy: (p) => inv((bottom - p) / (bottom - top), y0, y1, yo.log),
    };

    if (this.#field) {
      const image = this.#fieldLayer(this.#field, [right - left, bottom - top], dpr, [x0, x1, y0, y1]);
      ctx.drawImage(image, left, top, right - left, bottom - top);
    }

    // Grid and tick labels (no grid over a field: its contours are the grid).
    const grid = this.#field ? 'transparent' : GRID;
    ctx.lineWidth = 1;
    ctx.fillStyle = AXIS;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const v of yo.log ? logTicks(y0, y1, Math.floor((bottom - top) / 24)) : niceTicks(y0, y1, Math.max(2, Math.floor((bottom - top) / 40)))) {
      const y = Math.round(py(v)) + 0.5;
      ctx.strokeStyle = grid;
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(right, y);
      ctx.stroke();
      ctx.fillText((yo.format ?? defaultFormat)(v), left - 6, y);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const v of xo.log ? logTicks(x0, x1, Math.floor((right - left) / 50)) : niceTicks(x0, x1, Math.max(2, Math.floor((right - left) / 70)))) {
      const x = Math.round(px(v)) + 0.5;
      ctx.strokeStyle = grid;
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
      // A label at either end stays inside the canvas.
      const text = (xo.format ?? defaultFormat)(v);
      const half = ctx.measureText(text).width / 2;
      ctx.fillText(text, Math.min(Math.max(x, half + 1), w - half - 1), bottom + 5);
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

    // The series, marks and segments, clipped to the plot area.
    ctx.save();
    ctx.beginPath();
    ctx.rect(left - 5, top - 5, right - left + 10, bottom - top + 10); // room for markers at the ends
    ctx.clip();
    ctx.lineJoin = 'round';
    const shown = ([x, y]: Point) => Number.isFinite(x) && Number.isFinite(y) && !(xo.log && x <= 0) && !(yo.log && y <= 0);
    const dot = (x: number, y: number, r: number, ring: boolean) => {
      ctx.beginPath();
      ctx.arc(px(x), py(y), r, 0, 2 * Math.PI);
      if (!ring) return ctx.fill();
      ctx.fillStyle = '#fff';
      ctx.fill();
      ctx.stroke();
    };
    for (const [key, pts] of this.#points) {
      const s = this.#series[key];
      ctx.strokeStyle = ctx.fillStyle = s.color;
      ctx.lineWidth = s.width ?? 2;
      if (s.line !== false) {
        // A point that cannot be drawn (NaN, say, at a jump) breaks the line.
        ctx.setLineDash(s.dash ?? []);
        ctx.beginPath();
        let drawing = false;
        for (const p of pts) {
          if (shown(p)) ctx[drawing ? 'lineTo' : 'moveTo'](px(p[0]), py(p[1]));
          drawing = shown(p);
        }
        ctx.stroke();
        ctx.setLineDash([]);
      }
      if (s.markers) for (const [x, y] of pts.filter(shown)) dot(x, y, s.markerSize ?? 3.5, false);
    }
    for (const g of this.#segments) {
      if (!shown(g.from) || !shown(g.to)) continue;
      ctx.strokeStyle = g.color;
      ctx.lineWidth = g.width ?? 2;
      ctx.setLineDash(g.dash ?? []);
      ctx.beginPath();
      ctx.moveTo(px(g.from[0]), py(g.from[1]));
      ctx.lineTo(px(g.to[0]), py(g.to[1]));
      ctx.stroke();
    }
    ctx.setLineDash([]);
    for (const m of this.#marks) {
      if (!shown([m.x, m.y])) continue;
      ctx.strokeStyle = ctx.fillStyle = m.color;
      ctx.lineWidth = 2;
      dot(m.x, m.y, m.size ?? 4.5, m.shape === 'ring');
    }
    ctx.restore();
  }

  /**
   * Sizes the canvas so that a unit of y is as long as a unit of x: as wide as
   * the figure, or narrower and centred where maxHeight caps the height. True
   * when the size changed (the resize observer then draws again).
   */
  #resize(xSpan: number, ySpan: number, w: number, h: number): boolean {
    const [padX, padY] = [PAD.left + PAD.right, PAD.top + PAD.bottom];
    const full = this.element.clientWidth;
    const height = Math.min(this.#options.maxHeight ?? 560, ((full - padX) * ySpan) / xSpan + padY);
    const width = Math.min(full, ((height - padY) * xSpan) / ySpan + padX);
    if (Math.abs(width - w) <= 1 && Math.abs(height - h) <= 1) return false;
    Object.assign(this.#canvas.style, { width: `${Math.round(width)}px`, height: `${Math.round(height)}px`, margin: '0 auto' });
    return true;
  }

  /** The field's bands (bilinear between grid values, one shade per band) and contour lines, at the plot area's pixels. */
  #fieldLayer(f: Field, [w, h]: [number, number], dpr: number, [x0, x1, y0, y1]: number[]): OffscreenCanvas {
    const key = [w, h, dpr, x0, x1, y0, y1].join();
    if (this.#fieldImage?.key === key) return this.#fieldImage.canvas;
    const [W, H] = [Math.round(w * dpr), Math.round(h * dpr)];
    const canvas = new OffscreenCanvas(W, H);
    const ctx = canvas.getContext('2d')!;
    // Grid coordinates (fractional) of a pixel centre, and of a grid point in pixels.
    const gx = (p: number) => ((x0 + ((p + 0.5) / W) * (x1 - x0) - f.x[0]) / (f.x[1] - f.x[0])) * (f.nx - 1);
    const gy = (p: number) => ((y1 - ((p + 0.5) / H) * (y1 - y0) - f.y[0]) / (f.y[1] - f.y[0])) * (f.ny - 1);
    const value = (i: number, j: number) => f.values[j * f.nx + i];
    const band = (v: number) => {
      let b = 0;
      while (b < f.levels.length && v >= f.levels[b]) b++;
      return b / f.levels.length;
    };
    const image = ctx.createImageData(W, H);
    for (let p = 0; p < H; p++) {
      const y = Math.min(Math.max(gy(p), 0), f.ny - 1);
      const j = Math.min(Math.floor(y), f.ny - 2);
      for (let q = 0; q < W; q++) {
        const x = Math.min(Math.max(gx(q), 0), f.nx - 1);
        const i = Math.min(Math.floor(x), f.nx - 2);
        const [u, v] = [x - i, y - j];
        const z = (1 - v) * ((1 - u) * value(i, j) + u * value(i + 1, j)) + v * ((1 - u) * value(i, j + 1) + u * value(i + 1, j + 1));
        const b = band(z);
        image.data.set(FIELD_LOW.map((c, k) => Math.round(c + (FIELD_HIGH[k] - c) * b)), 4 * (p * W + q));
      }
    }
    ctx.putImageData(image, 0, 0);
    // Contour lines by marching squares: each cell edge a level crosses gets a point, joined in pairs.
    const sx = (i: number) => ((f.x[0] + (i / (f.nx - 1)) * (f.x[1] - f.x[0]) - x0) / (x1 - x0)) * W;
    const sy = (j: number) => ((y1 - (f.y[0] + (j / (f.ny - 1)) * (f.y[1] - f.y[0]))) / (y1 - y0)) * H;
    ctx.strokeStyle = CONTOUR;
    ctx.lineWidth = dpr;
    ctx.beginPath();
    for (const level of f.levels) {
      for (let j = 0; j < f.ny - 1; j++) {
        for (let i = 0; i < f.nx - 1; i++) {
          const corners: [number, number][] = [[i, j], [i + 1, j], [i + 1, j + 1], [i, j + 1]];
          const cut: Point[] = [];
          for (let e = 0; e < 4; e++) {
            const [[ai, aj], [bi, bj]] = [corners[e], corners[(e + 1) % 4]];
            const [a, b] = [value(ai, aj), value(bi, bj)];
            if (a < level === b < level) continue;
            const s = (level - a) / (b - a);
            cut.push([sx(ai + s * (bi - ai)), sy(aj + s * (bj - aj))]);
          }
          for (let k = 0; k + 1 < cut.length; k += 2) {
            ctx.moveTo(...cut[k]);
            ctx.lineTo(...cut[k + 1]);
          }
        }
      }
    }
    ctx.stroke();
    this.#fieldImage = { key, canvas };
    return canvas;
  }
}
