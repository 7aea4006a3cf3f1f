// The demo's data: the 10,000 digits of the `mnist` package as one compact
// binary file, made at build time — served by the dev server and emitted into
// the static build at the same path. The page decodes it with decodeDigits()
// (src/digits.ts), which defines the format.
import type { Plugin } from 'vite';
import { loadDigits } from '../src/node/mnist.js';
import { DIGITS_FILE, encodeDigits } from './src/digits.js';

/**
 * The mnist package stores each pixel byte k as k/255 rounded to 3 decimals
 * (within 0.13/255 of it): back to the bytes, refusing any value that is not.
 */
function digitBytes(): Uint8Array {
  const { features, labels } = loadDigits();
  const pixels = new Uint8Array(features.length);
  for (let i = 0; i < features.length; i++) {
    const v = features[i] * 255;
    pixels[i] = Math.round(v);
    if (Math.abs(v - pixels[i]) > 0.25) throw new Error(`mnist package: pixel ${i} is ${features[i]}, not a byte k/255 rounded to 3 decimals`);
  }
  return encodeDigits(pixels, labels);
}

export function mnistAsset(): Plugin {
  let bytes: Uint8Array | null = null;
  const asset = () => (bytes ??= digitBytes());
  return {
    name: 'subgrad-mnist-asset',
    configureServer(server) {
      server.middlewares.use(`/${DIGITS_FILE}`, (_req, res) => {
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(asset());
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: DIGITS_FILE, source: asset() });
    },
  };
}
