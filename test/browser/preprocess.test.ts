// The drawing pad's preprocessing, as MNIST's digits were made: the ink's
// bounding box scaled to 20 pixels on its larger side, its centre of mass
// moved to the centre of the 28×28 field. Expected values are worked out by hand.
import { describe, expect, it } from 'vitest';
import { toMnist } from '../../demo/src/preprocess.js';

const SIZE = 280;

/** A 280×280 canvas's alpha bytes with the given rectangles (x, y, width, height) fully inked. */
function canvas(...rects: [number, number, number, number][]): Uint8ClampedArray {
  const a = new Uint8ClampedArray(SIZE * SIZE);
  for (const [x0, y0, w, h] of rects) for (let y = y0; y < y0 + h; y++) a.fill(255, y * SIZE + x0, y * SIZE + x0 + w);
  return a;
}

/** Bounding box, total ink and centre of mass (pixel centres at +0.5) of a 28×28 image. */
function measure(img: Float32Array) {
  let [x0, y0, x1, y1, mass, mx, my] = [28, 28, -1, -1, 0, 0, 0];
  img.forEach((v, k) => {
    const [x, y] = [k % 28, Math.floor(k / 28)];
    if (v > 1e-6) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    mass += v;
    mx += v * (x + 0.5);
    my += v * (y + 0.5);
  });
  return { width: x1 - x0 + 1, height: y1 - y0 + 1, mass, cx: mx / mass, cy: my / mass };
}

describe('toMnist (the drawing pad as MNIST)', () => {
  it('returns null for an empty pad', () => {
    expect(toMnist({ values: canvas(), width: SIZE, height: SIZE, full: 255 })).toBeNull();
  });

  it('scales a 100×200 bar, wherever it is, to 10×20 pixels of full ink centred at (14, 14)', () => {
    for (const [x, y] of [[10, 30], [170, 75]]) {
      const img = toMnist({ values: canvas([x, y, 100, 200]), width: SIZE, height: SIZE, full: 255 })!;
      const m = measure(img);
      expect([m.width, m.height]).toEqual([10, 20]);
      expect(m.mass).toBeCloseTo(200, 4); // area averaging keeps the mean ink: 10 × 20 pixels at 1
      expect(Math.max(...img)).toBeCloseTo(1, 6);
      expect([m.cx, m.cy]).toEqual([14, 14]);
    }
  });

  it("averages the ink over each pixel's area: a bar 3 wide and 280 tall becomes a column of 20 fully inked pixels", () => {
    // Box 3×280 → scale 20/280: 0.21 pixels wide, kept at 1 pixel, each the mean of a 3×14 area of full ink.
    const img = toMnist({ values: canvas([100, 0, 3, 280]), width: SIZE, height: SIZE, full: 255 })!;
    const m = measure(img);
    expect([m.width, m.height]).toEqual([1, 20]);
    expect(m.mass).toBeCloseTo(20, 4);
  });

  it('puts the centre of mass, not the box, at the centre: an L-shape sits off-centre', () => {
    // A vertical stroke 40×200 and a foot 160×40 at its bottom: box 160×200, scale 0.1.
    const img = toMnist({ values: canvas([20, 20, 40, 200], [20, 180, 160, 40]), width: SIZE, height: SIZE, full: 255 })!;
    const m = measure(img);
    expect([m.width, m.height]).toEqual([16, 20]);
    // Mass (in 28×28 pixels): bar 4×20 = 80 at x 2, y 10; foot's extra 12×4 = 48 at x 10, y 18 (box coordinates).
    // Centre (box coordinates): x = (80·2 + 48·10)/128 = 5, y = (80·10 + 48·18)/128 = 13; shifted by whole pixels to 14.
    expect(m.mass).toBeCloseTo(128, 4);
    expect(m.cx).toBeCloseTo(14, 6);
    expect(m.cy).toBeCloseTo(14, 6);
  });

  it('reads ink in [0, 1] as well as canvas bytes', () => {
    const bytes = canvas([50, 40, 120, 160]);
    const a = toMnist({ values: bytes, width: SIZE, height: SIZE, full: 255 })!;
    const b = toMnist({ values: Float32Array.from(bytes, (v) => v / 255), width: SIZE, height: SIZE })!;
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});
