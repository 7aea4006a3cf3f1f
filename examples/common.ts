// What the examples share: the MNIST digits split into train/val/test, test
// accuracy, and the command line around each example's run(options).
import { fileURLToPath } from 'node:url';
import { data, evaluate, type nn } from '../src/index.js';
import { digitsDataset } from '../src/node/mnist.js';

export { OPTIMIZERS, type OptimizerName } from '../src/node/start.js';

export interface Splits {
  train: data.Dataset;
  val: data.Dataset;
  test: data.Dataset;
}

/** The digits (the first perClass of each class, or all), split stratified with the seed. */
export function digits(options: { perClass?: number; seed: number; fractions?: data.Fractions }): Splits {
  const all = digitsDataset({ perClass: options.perClass });
  return data.trainValTestSplit(all, options.fractions ?? { train: 0.7, val: 0.15, test: 0.15 }, { stratified: true, seed: options.seed });
}

export function accuracyOn(model: nn.Module, d: data.Dataset): number {
  return evaluate(model, d, { metrics: ['accuracy'] }).accuracy;
}

export const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

type Flat = Record<string, number | string | boolean>;

/** Options from `--name value` arguments, typed like the defaults; throws on unknown names and bad values. */
export function parseFlags<O extends Flat>(argv: readonly string[], defaults: O): Partial<O> {
  const out: Flat = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    const text = argv[i + 1];
    if (!argv[i].startsWith('--') || !(name in defaults)) throw new Error(`unknown option ${argv[i]}; options: ${Object.keys(defaults).map((k) => `--${k}`).join(' ')}`);
    if (text === undefined) throw new Error(`--${name} needs a value`);
    const kind = typeof defaults[name];
    const value = kind === 'number' ? Number(text) : kind === 'boolean' ? text === 'true' : text;
    if ((kind === 'number' && (text.trim() === '' || !Number.isFinite(value))) || (kind === 'boolean' && !['true', 'false'].includes(text))) {
      throw new Error(`--${name} must be a ${kind}, got '${text}'`);
    }
    out[name] = value;
  }
  return out as Partial<O>;
}

/**
 * Runs an example from the command line when its file is the entry point:
 * `npx tsx examples/NAME.ts --option value …` (--help lists the options and defaults).
 */
export async function main<O extends Flat, R>(
  moduleUrl: string,
  defaults: O,
  run: (options: Partial<O>) => R | Promise<R>,
  report: (result: R, options: O) => void,
): Promise<void> {
  if (process.argv[1] !== fileURLToPath(moduleUrl)) return;
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`options (defaults): ${Object.entries(defaults).map(([k, v]) => `--${k} ${v}`).join(' ')}`);
    return;
  }
  let options: Partial<O>;
  try {
    options = parseFlags(argv, defaults);
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = 2;
    return;
  }
  report(await run(options), { ...defaults, ...options });
}
