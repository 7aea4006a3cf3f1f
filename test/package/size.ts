// npm run size: minified + gzip sizes of browser bundles of the built package
// (esbuild, as in bundle.ts): what a page loads for `import { init, tensor,
// matmul }` and for the whole library, before init() and the one kernel
// variant init() then imports; and the 'subgrad/sync' entry, every variant inlined.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundle, eager, type Bundle } from './bundle.js';

const project = mkdtempSync(join(tmpdir(), 'subgrad-size-'));
mkdirSync(join(project, 'node_modules'));
symlinkSync(resolve('.'), join(project, 'node_modules', 'subgrad'), 'dir');
writeFileSync(join(project, 'package.json'), '{ "type": "module" }\n');

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const row = (what: string, size: { bytes: number; gzipBytes: number }) => console.log(`| ${what} | ${kb(size.bytes)} | ${kb(size.gzipBytes)} |`);
const variantChunks = (b: Bundle) => b.chunks.filter((c) => c.lazy && c.variants.length === 1);

try {
  const cases = {
    'import { init, tensor, matmul }': "import { init, tensor, matmul } from 'subgrad'; await init(); console.log(matmul(tensor([[1]]), tensor([[2]])));",
    'the whole library (import * as sg)': "import * as sg from 'subgrad'; await sg.init(); console.log(sg);",
  };
  console.log('| bundle | minified | minified + gzip |\n|---|---|---|');
  let variants: Bundle | undefined;
  for (const [what, source] of Object.entries(cases)) {
    const b = await bundle(project, what.replace(/\W+/g, '-'), source);
    row(`${what}, before init()`, eager(b));
    variants ??= b;
  }
  for (const c of variantChunks(variants!)) row(`+ the variant init() imports: ${c.variants[0]}`, c);
  const sync = await bundle(project, 'sync', "import * as sg from 'subgrad/sync'; sg.initSync(); console.log(sg);");
  row("'subgrad/sync' (every variant inlined)", eager(sync));
} finally {
  rmSync(project, { recursive: true, force: true });
}
