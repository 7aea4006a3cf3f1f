// A small seeded PRNG (xoshiro128**), so the same seed gives the same numbers
// on every backend: values are drawn in JS and only then stored.
import { checkInteger } from './check.js';

export class Generator {
  private s = new Uint32Array(4);
  constructor(seed = 0x5eed) {
    checkInteger('Generator', 'seed', seed, 0);
    this.seed(seed);
  }

  seed(seed: number): void {
    checkInteger('Generator.seed', 'seed', seed, 0);
    // SplitMix32 spreads any integer seed over the four state words.
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    return (this.nextUint32() * 2 ** 21 + (this.nextUint32() >>> 11)) / 2 ** 53;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    checkInteger('Generator.int', 'n', n, 1);
    return Math.floor(this.uniform() * n);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The default generator behind rand/randn without an explicit seed. */
export const defaultGenerator = new Generator();

export function manualSeed(seed: number): void {
  checkInteger('manualSeed', 'seed', seed, 0);
  defaultGenerator.seed(seed);
}
