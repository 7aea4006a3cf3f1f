// Every fenced ts block of README.md and docs/*.md runs here, so the docs
// cannot rot. A block may be preceded by an HTML comment:
//   <!-- docs-test: setup NAME -->    runs it with setups[NAME]: variables in scope, module stand-ins, a check of what it printed
//   <!-- docs-test: skip REASON -->   does not run it (it needs a browser or a second process), for the stated reason
// Imports of 'subgrad' and 'subgrad/node' get the sources; console.log is captured.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as subgrad from '../src/index.js';
import { losses, nn, randn } from '../src/index.js';
import * as node from '../src/node/index.js';
import { digitRows, loadDigits, IMAGE_SIZE } from '../src/node/mnist.js';

interface Block {
  file: string;
  line: number;
  code: string;
  setup?: string;
  skip?: string;
}

function blocks(file: string): Block[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    const marker = /^<!-- docs-test: (setup|skip) (.+?) -->$/.exec(lines[i - 1] ?? '');
    out.push({ file, line: i + 1, code: lines.slice(i + 1, end).join('\n'), ...(marker ? { [marker[1]]: marker[2] } : {}) });
    i = end;
  }
  return out;
}

const files = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];
const all = files.flatMap(blocks);

type Vars = Record<string, unknown>;
interface Setup {
  /** Variables the block uses without defining them. */
  vars?: () => Vars;
  /** Stand-ins for modules the block imports (a small data set instead of 10,000 digits, say). */
  modules?: () => Record<string, object>;
  /** Checks what the block printed. */
  check?: (printed: unknown[][], vars: Vars) => void;
}

/** The first perClass digits of each class, as loadDigits() gives them all. */
function fewDigits(perClass: number) {
  const d = loadDigits();
  const rows = digitRows(perClass);
  const features = new Float32Array(rows.length * IMAGE_SIZE);
  rows.forEach((r, i) => features.set(d.features.subarray(r * IMAGE_SIZE, (r + 1) * IMAGE_SIZE), i * IMAGE_SIZE));
  return { features, labels: rows.map((r) => d.labels[r]), count: rows.length };
}

const setups: Record<string, Setup> = {
  tour: {
    check: (printed) => {
      const losses = printed.filter((p) => typeof p[0] === 'number' && typeof p[1] === 'number').map((p) => p[1] as number);
      expect(losses).toHaveLength(5);
      // The loop trains: each printed loss below the one before.
      losses.slice(1).forEach((l, i) => expect(l).toBeLessThan(losses[i]));
      expect(printed.at(-1)).toEqual([true, expect.any(Number)]);
    },
  },
  // The main job's recipe at a tiny size: 30 digits of each class, and a silent progress bar.
  'tiny-digits': {
    modules: () => ({ 'subgrad/node': { ...node, loadDigits: () => fewDigits(30), progressBar: () => node.progressBar({ stream: { write: () => true, isTTY: false } as never }) } }),
    check: (printed) => {
      const [accuracy] = printed.at(-1)!;
      expect(accuracy).toBeGreaterThan(0.5); // of 10 classes, on 30 held-out digits
    },
  },
  batches: {
    vars: () => {
      const model = new nn.MLP([4, 8, 2], { seed: 1 });
      const batches = Array.from({ length: 3 }, (_, i) => [randn([5, 4], { seed: i }), randn([5, 2], { seed: 10 + i })]);
      return { model, batches, loss: losses.mse };
    },
  },
  'body-head': { vars: () => ({ body: new nn.Linear(4, 8), head: new nn.Linear(8, 2) }) },
  classifier: {
    vars: () => ({ model: new nn.Linear(4, 3), logits: randn([5, 3], { seed: 1 }), labels: [0, 2, 1, 1, 0] }),
  },
};

/** Runs a block as the body of an async function, with its imports, variables and console given. */
async function run(block: Block, setup: Setup): Promise<unknown[][]> {
  const { outputText } = ts.transpileModule(block.code, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
  const modules: Record<string, object> = { subgrad, 'subgrad/node': node, ...setup.modules?.() };
  const require = (name: string) => {
    if (!(name in modules)) throw new Error(`${block.file}:${block.line} imports '${name}', which the docs test does not provide`);
    return modules[name];
  };
  const printed: unknown[][] = [];
  const console = { ...globalThis.console, log: (...args: unknown[]) => void printed.push(args) };
  const vars = setup.vars?.() ?? {};
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  await new AsyncFunction('require', 'exports', 'console', ...Object.keys(vars), outputText)(require, {}, console, ...Object.values(vars));
  setup.check?.(printed, vars);
  return printed;
}

describe('the docs', () => {
  it('have ts blocks, each marker names a setup defined here, each skip a reason, and every setup is used', () => {
    expect(all.length).toBeGreaterThanOrEqual(6);
    for (const b of all) {
      if (b.setup !== undefined) expect(Object.keys(setups), `${b.file}:${b.line}`).toContain(b.setup);
      if (b.skip !== undefined) expect(b.skip.length, `${b.file}:${b.line}`).toBeGreaterThan(10);
    }
    expect(Object.keys(setups).filter((name) => !all.some((b) => b.setup === name))).toEqual([]);
  });

  it.each(all.map((b) => [`${b.file}:${b.line}`, b] as const))('%s runs', async (_where, block) => {
    if (block.skip !== undefined) return;
    await run(block, block.setup ? setups[block.setup] : {});
  });
});

// The harness itself: a block that throws fails, and a marker is read.
describe('the docs harness', () => {
  it('fails a block that throws, and gives a setup its variables and its check', async () => {
    const block = (code: string): Block => ({ file: 'x.md', line: 1, code });
    await expect(run(block("import { tensor } from 'subgrad';\ntensor([1]).add(pixels);"), {})).rejects.toThrow(/pixels is not defined/);
    const printed = await run(block("import { tensor } from 'subgrad';\nconsole.log(tensor([1, 2]).add(k).toArray());"), { vars: () => ({ k: 1 }) });
    expect(printed).toEqual([[[2, 3]]]);
    await expect(run(block('console.log(1);'), { check: () => expect(1).toBe(2) })).rejects.toThrow();
    expect(blocks('README.md').find((b) => b.setup === 'tour')).toBeDefined();
  });
});
