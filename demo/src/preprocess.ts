// A drawn digit prepared as MNIST's digits were (LeCun et al.): the ink's
// bounding box scaled, keeping its aspect ratio, so that its larger side is
// 20 pixels (anti-aliased by area averaging), then placed in a 28×28 field
// with its centre of mass at the centre.
import { SIDE } from './digits.js';

const BOX = 20;

export interface Ink {
  /** Ink per pixel in [0, 1], row after row. */
  values: Float32Array | Uint8ClampedArray | number[];
  width: number;
  height: number;
  /** The value of full ink (1, or 255 for canvas bytes). */
  full?: number;
}

/** The 28×28 MNIST-style image of the ink in [0, 1], or null when there is none. */
export function toMnist({ values, width, height, full = 1 }: Ink): Float32Array | null {
  let [x0, y0, x1, y1] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (values[y * width + x] > 0) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  }
  if (x1 < 0) return null;
  const [bw, bh] = [x1 - x0 + 1, y1 - y0 + 1];
  const scale = BOX / Math.max(bw, bh);
  const [w, h] = [Math.max(1, Math.round(bw * scale)), Math.max(1, Math.round(bh * scale))];
  const small = new Float32Array(w * h);
  // Each small pixel is the mean ink of the source area it covers (partial pixels weighted).
  const sx = bw / w;
  const sy = bh / h;
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      let sum = 0;
      for (let y = Math.floor(j * sy); y < Math.ceil((j + 1) * sy); y++) {
        const wy = Math.min(y + 1, (j + 1) * sy) - Math.max(y, j * sy);
        for (let x = Math.floor(i * sx); x < Math.ceil((i + 1) * sx); x++) {
          const wx = Math.min(x + 1, (i + 1) * sx) - Math.max(x, i * sx);
          sum += wx * wy * values[(y0 + y) * width + x0 + x];
        }
      }
      small[j * w + i] = Math.min(1, sum / (sx * sy * full));
    }
  }
  let [mass, mx, my] = [0, 0, 0];
  small.forEach((v, k) => {
    mass += v;
    mx += v * ((k % w) + 0.5);
    my += v * (Math.floor(k / w) + 0.5);
  });
  // Shift by whole pixels so the centre of mass lands at (14, 14), keeping the box inside the field.
  const left = Math.min(SIDE - w, Math.max(0, Math.round(SIDE / 2 - mx / mass)));
  const top = Math.min(SIDE - h, Math.max(0, Math.round(SIDE / 2 - my / mass)));
  const out = new Float32Array(SIDE * SIDE);
  for (let j = 0; j < h; j++) out.set(small.subarray(j * w, (j + 1) * w), (top + j) * SIDE + left);
  return out;
}
