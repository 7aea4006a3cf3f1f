// Full mode: every Jacobian entry against the finite differences along its
// coordinate; then, row by row, the entries that did not match a smooth
// derivative are grouped into blocks of coupled coordinates (f'(x; ·) not
// additive over them) and each block is tested for membership of the
// subdifferential. A lone kink needs only its one-sided slopes.
import { Analysis, type Settings } from './analysis.js';
import { PAIRS, testBlock } from './membership.js';
import type { Problem } from './problem.js';
import { num, type GradcheckFailure, type GradcheckKink } from './report.js';

export interface Findings {
  failures: GradcheckFailure[];
  kinks: GradcheckKink[];
  zeroInputs: number[];
  notes: string[];
  checked: number;
}

/** Up to this many coordinates in all, a row with a mismatched entry is analysed over all of them (hidden couplings). */
const SMALL = 8;

/**
 * @param discontinuous Ops in fn that declare a jump: a jump found is then reported, not failed.
 */
export function checkFull(problem: Problem, settings: Settings, discontinuous: readonly string[]): Findings {
  const an = new Analysis(problem, settings);
  const { n, m } = problem;
  const found: Findings = { failures: [], kinks: [], zeroInputs: [], notes: [], checked: n * m };
  const kinkOf = (o: number, j: number, acceptedBy: GradcheckKink['acceptedBy']): GradcheckKink => {
    const e = an.entries[j][o];
    const jump = e.kind === 'jump' ? (e.right.jump || e.left.jump) : 0;
    return {
      ...an.locate(j), output: o, left: e.left.value, right: e.right.value, leftError: e.left.error, rightError: e.right.error,
      analytic: an.J[o][j], jump, acceptedBy,
    };
  };
  const note = (text: string) => {
    if (!found.notes.includes(text)) found.notes.push(text);
  };

  // Every entry: matched, a kink, a suspect (smooth but mismatched), or excluded from the block tests.
  const kinks: number[][] = [];
  const suspects: number[][] = [];
  const excluded = new Set<number>();
  for (let o = 0; o < m; o++) {
    kinks.push([]);
    suspects.push([]);
    for (let j = 0; j < n; j++) {
      const e = an.entries[j][o];
      const a = an.J[o][j];
      const at = () => `input ${an.locate(j).input} index ${an.locate(j).index} output ${o}`;
      if (!Number.isFinite(a)) {
        found.failures.push(an.failure(o, j, 'finite', `the analytic value is ${a}`));
        excluded.add(j);
      } else if (e.kind === 'smooth') {
        if (Math.abs(a - e.ref) > an.tau(o, j)) suspects[o].push(j);
        else if (e.reason) note(`${at()}: ${e.reason}`);
      } else if (e.kind === 'kink') kinks[o].push(j);
      else if (e.kind === 'jump') {
        excluded.add(j);
        const size = e.right.jump || e.left.jump;
        if (discontinuous.length > 0) {
          found.kinks.push(kinkOf(o, j, 'declared discontinuity'));
          note(`${at()}: f jumps by ${num(size)}; not checked, since ${discontinuous.join(', ')} declare${discontinuous.length > 1 ? '' : 's'} a discontinuity`);
        } else {
          found.failures.push(an.failure(o, j, 'discontinuity',
            `f jumps by ${num(size)} here (the difference quotients grow like 1/h): no derivative exists, and no op in fn declares a discontinuity`));
        }
      } else {
        excluded.add(j);
        found.failures.push(an.failure(o, j, 'unresolvable', `unresolvable: ${e.reason}`));
      }
    }
  }

  const all = [...Array(n).keys()];
  for (let o = 0; o < m; o++) {
    if (kinks[o].length + suspects[o].length === 0) continue;
    // A mismatched coordinate may be coupled to one that matched (a kink hidden from both axes): in small problems, take all.
    const suspect = n <= SMALL && suspects[o].length > 0 ? all.filter((j) => !excluded.has(j)) : [...kinks[o], ...suspects[o]].sort((a, b) => a - b);
    for (const block of blocksOf(an, o, suspect)) {
      if (block.length > 1) {
        const { failure, acceptedBy } = testBlock(an, o, block);
        if (failure) found.failures.push(failure);
        for (const j of block) found.kinks.push(kinkOf(o, j, failure ? null : acceptedBy));
        continue;
      }
      const [j] = block;
      const e = an.entries[j][o];
      if (e.kind === 'smooth') {
        if (suspects[o].includes(j)) found.failures.push(smoothFailure(an, o, j));
        continue;
      }
      const [lo, hi] = [Math.min(e.left.value, e.right.value), Math.max(e.left.value, e.right.value)];
      const a = an.J[o][j];
      const inside = a >= lo - an.tau(o, j) && a <= hi + an.tau(o, j);
      found.kinks.push(kinkOf(o, j, inside ? 'one-sided interval' : null));
      if (!inside) {
        found.failures.push(an.failure(o, j, 'one-sided interval',
          `at a kink the analytic value must lie between the one-sided slopes [${num(lo)}, ${num(hi)}], got ${num(a)}`));
      }
    }
  }

  for (let i = 0; i < problem.shapes.length; i++) {
    const coords = all.filter((j) => an.locate(j).input === i);
    const zero = coords.every((j) => an.J.every((row, o) => row[j] === 0 && an.entries[j][o].kind === 'smooth' && Math.abs(an.entries[j][o].ref) <= settings.atol));
    if (zero) {
      found.zeroInputs.push(i);
      note(`input ${i}: the Jacobian is zero, analytically and numerically; fn may not use it`);
    }
  }
  return found;
}

function smoothFailure(an: Analysis, o: number, j: number): GradcheckFailure {
  const e = an.entries[j][o];
  return an.failure(o, j, 'smooth', `analytic ${num(an.J[o][j])} differs from the derivative ${num(e.ref)} (error estimate ${e.error.toPrecision(2)}) by ${num(Math.abs(an.J[o][j] - e.ref))}`);
}

/**
 * Blocks of coordinates over which f'(x; ·) of row o is additive: connected
 * where it is not additive over a pair, then checked along directions of
 * all of them at once, since a kink can couple three coordinates and no two
 * (relu(min(x1, x2, x3)) at 0): where that fails, one block.
 */
function blocksOf(an: Analysis, o: number, coords: readonly number[]): number[][] {
  const blocks = coords.length <= PAIRS ? coupled(an, o, coords) : coords.map((j) => [j]);
  if (blocks.length === 1) return blocks;
  for (const v of an.testDirections(coords)) {
    const whole = an.slope(v)[o];
    const parts = an.sumOverParts(o, v, blocks);
    if (!whole.settled || !(Math.abs(whole.value - parts.value) <= parts.margin + whole.error)) return [[...coords]];
  }
  return blocks;
}

/** Connected where f'(x; ·) is not additive over a pair of coordinates. */
function coupled(an: Analysis, o: number, coords: readonly number[]): number[][] {
  const parent = new Map(coords.map((j) => [j, j]));
  const root = (j: number): number => (parent.get(j) === j ? j : root(parent.get(j)!));
  for (let a = 0; a < coords.length; a++) {
    for (let b = a + 1; b < coords.length; b++) {
      const [i, j] = [coords[a], coords[b]];
      if (root(i) === root(j)) continue;
      const signs = [[1, 1], [1, -1], [-1, 1], [-1, -1]] as const;
      if (signs.some(([si, sj]) => {
        const p = an.pairGap(o, i, si, j, sj);
        return !p.settled || Math.abs(p.gap) > p.margin;
      })) parent.set(root(j), root(i));
    }
  }
  const blocks = new Map<number, number[]>();
  for (const j of coords) blocks.set(root(j), [...(blocks.get(root(j)) ?? []), j]);
  return [...blocks.values()];
}
