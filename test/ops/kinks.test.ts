// Every declared kink, probed exactly: the op returns the documented
// subgradient on every backend, that value lies between the one-sided
// differences (unless the op jumps there), and docs/kinks.md is this table.
import { describe, expect, it } from 'vitest';
import { gradcheck, losses, opTable, scope, setReluSubgradientAtZero, sum, tensor, type Backend, type Kink } from '../../src/index.js';
import { js64, wasmBackends } from '../helpers/backends.js';

const kinks: [string, Kink][] = [...opTable.values()].flatMap((op) => op.kinks.map((k) => [op.name, k] as [string, Kink]));

function probe(k: Kink, backend: Backend): number[][] {
  return scope(() => {
    const xs = k.probe.inputs.map((v) => tensor(v, undefined, { backend, requiresGrad: true }));
    sum(k.probe.call(...xs)).backward();
    const grads = xs.map((x) => Array.from(x.grad!.data()));
    xs.forEach((x) => x.dispose());
    return grads;
  });
}

function renderTable(): string {
  const lines = [
    '# Subgradients at kinks',
    '',
    'Generated from the op declarations (`kinks` in each op\'s spec) and checked by',
    '`test/ops/kinks.test.ts`, which probes every row exactly on every backend.',
    'Regenerate with `npx vitest run test/ops/kinks.test.ts -u`.',
    '',
    '| op | at | returns | probe: inputs → gradients |',
    '|---|---|---|---|',
    ...kinks.map(([name, k]) =>
      `| \`${name}\` | ${k.at} | ${k.returns} | ${JSON.stringify(k.probe.inputs)} → ${JSON.stringify(k.probe.grads)} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

describe('kinks', () => {
  it('every non-smooth core op declares its kinks', () => {
    for (const name of ['relu', 'abs', 'sign', 'clamp', 'maximum', 'minimum', 'max', 'min', 'norm', 'cdist', 'hardtanh']) {
      expect(opTable.get(name)?.kinks.length, name).toBeGreaterThan(0);
    }
  });

  it('docs/kinks.md is the table of declared kinks', async () => {
    await expect(renderTable()).toMatchFileSnapshot('../../docs/kinks.md');
  });

  describe.each(kinks.map(([name, k]) => [`${name} at ${k.at}`, k] as const))('%s', (_title, k) => {
    it.each([js64, ...wasmBackends].map((b) => [b.label, b] as const))('returns the documented value on %s', (_label, backend) => {
      const got = probe(k, backend);
      const want = k.probe.grads.map((g) => (Array.isArray(g) ? g.flat(8) : [g]) as number[]);
      got.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], 6)));
    });
    if (!k.discontinuous) {
      it('lies between the one-sided differences', () => {
        const report = gradcheck((...xs) => sum(k.probe.call(...xs)), k.probe.inputs);
        expect(report.failures).toEqual([]);
        expect(report.kinks.length).toBeGreaterThan(0);
      });
    }
  });
});

describe("a loss's kinks do not follow relu's global default", () => {
  // Each hinge pins its subgradient at the margin; setReluSubgradientAtZero must not move it.
  const lossKinks = kinks.filter(([name]) => name in losses).map(([name, k]) => [`${name} at ${k.at}`, k] as const);

  it('every margin loss is among them', () => {
    const names = new Set(lossKinks.map(([title]) => title.split(' ')[0]));
    for (const name of ['hinge', 'perceptron', 'multiclassHinge', 'multiMargin', 'tripletMargin', 'cosineEmbedding']) expect(names.has(name), name).toBe(true);
  });

  it.each(lossKinks)('%s returns its documented value with relu\'(0) set to 1 and to 0.5', (_title, k) => {
    const want = k.probe.grads.map((g) => (Array.isArray(g) ? g.flat(8) : [g]) as number[]);
    for (const g of [1, 0.5]) {
      setReluSubgradientAtZero(g);
      try {
        for (const backend of [js64, ...wasmBackends]) {
          probe(k, backend).forEach((grad, i) => grad.forEach((v, j) => expect(v, `relu'(0) = ${g} on ${backend.label}`).toBeCloseTo(want[i][j], 6)));
        }
      } finally {
        setReluSubgradientAtZero(0);
      }
    }
  });
});
