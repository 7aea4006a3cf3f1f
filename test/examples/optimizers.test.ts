import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NAMES, START, run } from '../../examples/optimizers.js';

const out = await mkdtemp(join(tmpdir(), 'subgrad-optimizers-'));
afterAll(() => rm(out, { recursive: true, force: true }));

describe('example: optimizer comparison', () => {
  it('writes each problem as CSV and SVG; momentum beats plain SGD on Rosenbrock; every optimizer lowers the MLP loss', async () => {
    const r = await run({ steps: 300, perClass: 20, epochs: 2, out });
    expect(r.files.map((f) => f.slice(out.length + 1))).toEqual(['rosenbrock.csv', 'rosenbrock.svg', 'mlp.csv', 'mlp.svg']);
    expect(NAMES).toEqual(['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adadelta', 'adam', 'amsgrad', 'nadam']);

    const rosenbrock = (await readFile(join(out, 'rosenbrock.csv'), 'utf8')).trimEnd().split('\n');
    expect(rosenbrock[0]).toBe(`step,${NAMES.join(',')}`);
    expect(rosenbrock).toHaveLength(302);
    const f0 = (1 - START[0]) ** 2 + 100 * (START[1] - START[0] ** 2) ** 2;
    expect(rosenbrock[1].split(',').slice(1).map(Number).every((v) => Math.abs(v - f0) < 1e-4)).toBe(true);
    expect(rosenbrock[301].split(',').map(Number)).toEqual([300, ...NAMES.map((n) => r.rosenbrock[n][300])]);
    for (const n of NAMES) expect(r.rosenbrock[n][300]).toBeLessThan(f0);
    expect(r.rosenbrock.momentum[300]).toBeLessThan(r.rosenbrock.sgd[300] / 10);
    expect(r.rosenbrock.nesterov[300]).toBeLessThan(r.rosenbrock.sgd[300] / 10);

    const mlp = (await readFile(join(out, 'mlp.csv'), 'utf8')).trimEnd().split('\n');
    expect(mlp).toHaveLength(1 + 2 * Math.ceil(200 / 32));
    for (const n of NAMES) {
      const c = r.mlp[n];
      expect(c.slice(-3).reduce((a, b) => a + b) / 3).toBeLessThan(c[0]);
    }

    for (const file of ['rosenbrock.svg', 'mlp.svg']) {
      const svg = await readFile(join(out, file), 'utf8');
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
      expect([...svg.matchAll(/<polyline data-name="(\w+)"[^>]* points="([^"]+)"\/>/g)].map((m) => [m[1], m[2].split(' ').length])).toEqual(
        NAMES.map((n) => [n, (file === 'mlp.svg' ? r.mlp : r.rosenbrock)[n].length]),
      );
    }
  });
});
