// The package as a user gets it: `npm pack`, installed offline into a fresh
// project from the tarball alone, then used the ways README's "Use it in your
// project" shows, with its snippets: Node ESM and CommonJS on every Node under
// test (SUBGRAD_TEST_NODES, paths separated by ':'; default this one), a
// TypeScript strict type-check of README's examples with bundler and nodenext
// resolution, esbuild browser bundles with no Node built-ins, a page's import map.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { bundle, type Bundle } from './bundle.js';

const root = resolve(import.meta.dirname, '../..');
const nodes = (process.env.SUBGRAD_TEST_NODES ?? process.execPath).split(':');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const PRODUCT = '[ [ 17 ], [ 39 ] ]'; // [[1, 2], [3, 4]] · [[5], [6]] = [[1·5 + 2·6], [3·5 + 4·6]], as Node prints it

/** The code blocks of README's section `title` (or of all of it), each with the file name its first line gives. */
function snippets(title?: string): { lang: string; name?: string; code: string }[] {
  const text = title ? readme.slice(readme.indexOf(`## ${title}\n`), readme.indexOf('\n## ', readme.indexOf(`## ${title}\n`) + 3)) : readme;
  return [...text.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map(([, lang, code]) => ({
    lang, code, name: /^(?:\/\/|<!--) ([\w.-]+\.\w+)/.exec(code)?.[1],
  }));
}
const snippet = (name: string) => snippets('Use it in your project').find((s) => s.name === name)!.code;

let tmp: string;
let project: string;
let tarball: { files: { path: string }[] };

function run(node: string, args: string[], cwd = project) {
  const r = spawnSync(node, args, { cwd, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Major version and the variant implicit init must pick on this Node without flags: relaxed SIMD ships from Node 22. */
function expectedKernels(node: string): string {
  return Number(run(node, ['-p', 'process.versions.node.split(".")[0]']).stdout) >= 22 ? 'relaxed' : 'simd';
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'subgrad-pack-'));
  [tarball] = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: root, encoding: 'utf8' }));
  project = join(tmp, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-subgrad', private: true, type: 'module' }));
  const file = (tarball as unknown as { filename: string }).filename;
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', join(tmp, file)], { cwd: project, stdio: 'pipe' });
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the tarball', () => {
  const installed = () => join(project, 'node_modules', 'subgrad');
  const manifest = () => JSON.parse(readFileSync(join(installed(), 'package.json'), 'utf8'));

  it('has the license, the repository links and no file that no export reaches', async () => {
    const files = tarball.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
    expect(readFileSync(join(installed(), 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the subgrad authors\n/);
    expect(manifest()).toMatchObject({
      license: 'MIT',
      repository: { type: 'git', url: 'git+https://github.com/subgrad/subgrad.git' },
      homepage: 'https://github.com/subgrad/subgrad#readme',
      engines: { node: '^20.19.0 || >=22.12.0' },
    });

    // Every module reachable from an export, through static and dynamic imports, and nothing else.
    const targets = Object.values(manifest().exports as Record<string, string | Record<string, string>>)
      .flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t)))
      .filter((t) => t.endsWith('.js'))
      .flatMap((t) => (t.includes('*') ? files.filter((f) => new RegExp(`^${t.slice(2).replace('*', '[\\w-]+')}$`).test(f)) : [t.slice(2)]));
    const { metafile } = await build({
      entryPoints: targets.map((t) => join(installed(), t)), absWorkingDir: installed(), outdir: 'unused', write: false,
      bundle: true, splitting: true, format: 'esm', platform: 'neutral', external: ['node:*'], metafile: true, logLevel: 'silent',
    });
    const reached = Object.keys(metafile.inputs);
    const js = files.filter((f) => f.endsWith('.js'));
    const typesOnly = js.filter((f) => readFileSync(join(installed(), f), 'utf8').trim() === 'export {};'); // there for their .d.ts
    expect(js.filter((f) => !typesOnly.includes(f)).sort()).toEqual(reached.sort());
    expect(files.filter((f) => f.endsWith('.d.ts')).sort()).toEqual(js.map((f) => f.replace(/\.js$/, '.d.ts')).sort());
    // Node built-ins only in subgrad/node.
    const builtins = Object.entries(metafile.inputs).filter(([, i]) => i.imports.some((m) => m.path.startsWith('node:')));
    expect(builtins.map(([f]) => f).every((f) => f.startsWith('dist/node/'))).toBe(true);
  });

  it('declares the binaries in a few bytes of types', () => {
    for (const f of tarball.files.filter((f) => f.path.startsWith('dist/kernels/') && f.path.endsWith('.d.ts'))) {
      expect(readFileSync(join(installed(), f.path), 'utf8').trim()).toBe('export {};');
    }
    expect(readFileSync(join(installed(), 'dist/backend/probes.generated.d.ts'), 'utf8').length).toBeLessThan(300);
  });
});

describe.each(nodes)('Node ESM and CommonJS (%s)', (node) => {
  it("README's main.mjs and main.cjs run, with no warning", () => {
    writeFileSync(join(project, 'main.mjs'), snippet('main.mjs'));
    writeFileSync(join(project, 'main.cjs'), snippet('main.cjs'));
    expect(run(node, ['main.mjs'])).toEqual({ status: 0, stdout: `${PRODUCT}\n${expectedKernels(node)}\n`, stderr: '' });
    expect(run(node, ['main.cjs'])).toEqual({ status: 0, stdout: `${PRODUCT}\n`, stderr: '' });
  });

  it('import and require share one copy; subgrad/node and subgrad/kernels/* resolve both ways', () => {
    writeFileSync(join(project, 'both.mjs'), [
      "import { createRequire } from 'node:module';",
      "import * as esm from 'subgrad';",
      'const require = createRequire(import.meta.url);',
      "const cjs = require('subgrad');",
      "console.log(esm.tensor === cjs.tensor, esm.getBackend() === cjs.getBackend());",
      "console.log(typeof require('subgrad/node').progressBar, typeof (await import('subgrad/node')).saveCheckpoint);",
      "require('subgrad/kernels/scalar'); await import('subgrad/kernels/simd');",
      "console.log(esm.createBackend({ backend: 'wasm', kernels: 'scalar' }).label);",
    ].join('\n'));
    expect(run(node, ['both.mjs'])).toEqual({ status: 0, stdout: 'true true\nfunction function\nwasm-scalar\n', stderr: '' });
  });

  it("a plain page's import map: the mapped entry loads its kernels through relative imports alone", () => {
    const page = snippet('index.html');
    const { imports } = JSON.parse(/<script type="importmap">([\s\S]*?)<\/script>/.exec(page)![1]) as { imports: Record<string, string> };
    expect(existsSync(join(project, imports.subgrad))).toBe(true);
    const module = /<script type="module">([\s\S]*?)<\/script>/.exec(page)![1]
      .replace(/from '([^']+)'/g, (_, spec: string) => `from '${pathToFileURL(join(project, imports[spec])).href}'`);
    expect(run(node, ['--input-type=module', '-e', module])).toEqual({
      status: 0, stdout: `${PRODUCT} ${expectedKernels(node)}\n`, stderr: '',
    });
  });
});

describe('TypeScript, strict', () => {
  const tsc = (config: string) => run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', config]);

  it.each(['bundler', 'nodenext'])("README's examples type-check with moduleResolution %s", (resolution) => {
    const dir = join(project, 'readme');
    mkdirSync(dir, { recursive: true });
    const blocks = snippets().filter((s) => s.lang === 'ts');
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    blocks.forEach((b, i) => writeFileSync(join(dir, `example-${i}.ts`), b.code));
    // The names the training example leaves to the reader.
    writeFileSync(join(dir, 'given.d.ts'), 'declare const pixels: Float32Array;\ndeclare const labels: Int32Array;\n');
    const module = resolution === 'bundler' ? 'esnext' : 'nodenext';
    writeFileSync(join(project, `tsconfig.${resolution}.json`), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, target: 'es2022', module, moduleResolution: resolution, lib: ['es2022', 'dom'], types: [] },
      include: ['readme'],
    }));
    expect(tsc(`tsconfig.${resolution}.json`)).toMatchObject({ status: 0, stdout: '' });
  });

  it('a project compiled to CommonJS type-checks and runs (require of the ES module)', () => {
    const dir = join(project, 'cjs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'main.cts'), "import { matmul, tensor } from 'subgrad';\nconsole.log(matmul(tensor([[1, 2], [3, 4]]), tensor([[5], [6]])).toArray());\n");
    writeFileSync(join(project, 'tsconfig.cjs.json'), JSON.stringify({
      compilerOptions: { strict: true, target: 'es2022', module: 'nodenext', outDir: 'cjs-out', types: [] }, include: ['cjs'],
    }));
    expect(tsc('tsconfig.cjs.json')).toMatchObject({ status: 0, stdout: '' });
    expect(readFileSync(join(project, 'cjs-out/main.cjs'), 'utf8')).toContain('require("subgrad")');
    for (const node of nodes) expect(run(node, ['cjs-out/main.cjs'])).toEqual({ status: 0, stdout: `${PRODUCT}\n`, stderr: '' });
  });
});

describe('esbuild, platform browser', () => {
  const inputs = (b: Bundle) => Object.keys(b.metafile.inputs);
  const best = () => expectedKernels(process.execPath);

  it("README's app.ts: no Node built-ins; each variant and each shared-memory build a chunk of its own, loaded by init() alone", async () => {
    const b = await bundle(project, 'app', snippet('app.ts'), { loader: 'ts' });
    expect(inputs(b).filter((i) => i.startsWith('node:') || !i.includes('node_modules/subgrad/dist/'))).toEqual(['app.ts']);
    expect(b.chunks.filter((c) => c.lazy).map((c) => c.variants)).toEqual([['relaxed'], ['simd'], ['scalar'], ['relaxedShared'], ['simdShared'], ['scalarShared']]);
    expect(b.chunks.filter((c) => !c.lazy).flatMap((c) => c.variants)).toEqual([]);
    expect(run(process.execPath, ['out-app/app.js'])).toEqual({ status: 0, stdout: `${PRODUCT} ${best()}\n`, stderr: '' });
  });

  it("'sideEffects' keeps what registers kernels: subgrad/sync carries all six builds, subgrad/kernels/scalar its own", async () => {
    const sync = await bundle(project, 'sync', "import { backendInfo, initSync } from 'subgrad/sync';\ninitSync();\nconsole.log(backendInfo().kernels);");
    expect(sync.chunks.filter((c) => !c.lazy).flatMap((c) => c.variants).sort()).toEqual(['relaxed', 'relaxedShared', 'scalar', 'scalarShared', 'simd', 'simdShared']);
    expect(run(process.execPath, ['out-sync/sync.js']).stdout).toBe(`${best()}\n`);

    const one = await bundle(project, 'one', "import 'subgrad/kernels/scalar';\nimport { backendInfo, tensor } from 'subgrad';\ntensor([1]);\nconsole.log(backendInfo().kernels);");
    expect(one.chunks.filter((c) => !c.lazy).flatMap((c) => c.variants)).toEqual(['scalar']);
    expect(run(process.execPath, ['out-one/one.js']).stdout).toBe('scalar\n');
  });
});
