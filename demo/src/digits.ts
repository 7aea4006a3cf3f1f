// The digits asset: "MNST", a little-endian uint32 count, then count × 784
// pixel bytes (0 = background, 255 = ink) and count label bytes: 7.9 MB, 1.6 MB
// gzipped, against 21 MB of JSON in the mnist package.
export const DIGITS_FILE = 'data/mnist-10k.bin';
export const SIDE = 28;
export const PIXELS = SIDE * SIDE;
const MAGIC = 'MNST';
const HEADER = 8;

export interface Digits {
  count: number;
  /** count × 784 bytes. */
  pixels: Uint8Array;
  labels: Uint8Array;
}

export function encodeDigits(pixels: Uint8Array, labels: ArrayLike<number>): Uint8Array {
  const count = labels.length;
  if (pixels.length !== count * PIXELS) throw new Error(`digits: ${pixels.length} pixels for ${count} labels, expected ${count * PIXELS}`);
  const out = new Uint8Array(HEADER + count * (PIXELS + 1));
  out.set([...MAGIC].map((c) => c.charCodeAt(0)));
  new DataView(out.buffer).setUint32(4, count, true);
  out.set(pixels, HEADER);
  out.set(labels, HEADER + pixels.length);
  return out;
}

export function decodeDigits(buffer: ArrayBuffer): Digits {
  const bytes = new Uint8Array(buffer);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  const count = bytes.length >= HEADER ? new DataView(buffer).getUint32(4, true) : 0;
  if (magic !== MAGIC || bytes.length !== HEADER + count * (PIXELS + 1)) {
    throw new Error(`${DIGITS_FILE}: not a digits file (magic '${magic}', ${bytes.length} bytes for ${count} digits)`);
  }
  const pixels = bytes.subarray(HEADER, HEADER + count * PIXELS);
  return { count, pixels, labels: bytes.subarray(HEADER + count * PIXELS) };
}

/** Fetches and decodes the asset, relative to the page. */
export async function fetchDigits(base: string | URL): Promise<Digits> {
  const url = new URL(DIGITS_FILE, base);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return decodeDigits(await res.arrayBuffer());
}
