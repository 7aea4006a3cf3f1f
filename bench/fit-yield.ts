// What yielding costs: fit's default yieldEvery 'auto' (a turn of the event
// loop after every 50 ms of work) against 'never', on the main job's epoch
// (MLP 784-128-10, Adam, softmax-CE, 8,500 digits, batch 32). The two settings
// alternate in rounds in one process, so drifts in the machine's speed hit
// both alike; the medians and their ratio are the result.
import { data, fit, losses, nn, optim, type FitOptions } from '../src/index.js';
import { digitsDataset } from '../src/node/mnist.js';

const ROUNDS = Number(process.argv[2] ?? 7);
const SETTINGS: FitOptions['yieldEvery'][] = ['never', 'auto'];

const train = data.trainValTestSplit(digitsDataset(), { train: 0.85, val: 0.05, test: 0.1 }, { stratified: true, seed: 1 }).train;
const model = new nn.MLP([784, 128, 10], { seed: 1 });
const optimizer = new optim.Adam(model.parameters(), { lr: 3e-3 });

/** Samples per second of one epoch of fit. */
async function epoch(yieldEvery: FitOptions['yieldEvery']): Promise<number> {
  const history = await fit(model, train, { loss: losses.crossEntropy, optimizer, epochs: 1, batchSize: 32, seed: 1, yieldEvery });
  return history.epochs[0].samplesPerSecond;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await epoch('never'); // warm-up: compile, grow memory
const rates = new Map(SETTINGS.map((s) => [s, [] as number[]]));
for (let r = 0; r < ROUNDS; r++) {
  // Alternate which setting goes first, so neither always follows the other.
  for (const s of r % 2 ? [...SETTINGS].reverse() : SETTINGS) rates.get(s)!.push(await epoch(s));
}
for (const [s, xs] of rates) console.log(`yieldEvery ${String(s).padEnd(5)}: median ${Math.round(median(xs)).toLocaleString('en-US')} samples/s over ${ROUNDS} epochs (min ${Math.round(Math.min(...xs)).toLocaleString('en-US')}, max ${Math.round(Math.max(...xs)).toLocaleString('en-US')})`);
const ratio = median(rates.get('auto')!) / median(rates.get('never')!);
console.log(`auto / never: ${ratio.toFixed(3)} (${((ratio - 1) * 100).toFixed(1)}%)`);
