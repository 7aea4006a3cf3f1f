// Loading the kernels on demand (src/api.ts, the entry bundlers get) and
// starting under a strict Content-Security-Policy. Each test takes a fresh
// copy of the modules, so no kernel variant is loaded until it loads one.
import { build } from 'esbuild';
import vm from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { VARIANTS, supportedVariants } from '../src/backend/wasm.js';

const supported = supportedVariants();
const best = supported[0];

async function fresh() {
  vi.resetModules();
  const sg = await import('../src/api.js');
  const { isLoaded } = await import('../src/backend/variants.js');
  return { sg, loaded: () => VARIANTS.filter(isLoaded) };
}

/** x = [1, 1], W = [[1, 2], [3, 4]]: loss = |xW|² = 4² + 6² = 52, dloss/dW = xᵀ·2xW = [[8, 12], [8, 12]]. */
function trainStep(sg: typeof import('../src/api.js')) {
  const W = sg.tensor([[1, 2], [3, 4]], undefined, { requiresGrad: true });
  const loss = sg.sum(sg.matmul(sg.tensor([[1, 1]]), W).square());
  loss.backward();
  return { loss: loss.item(), grad: W.grad!.toArray(), backend: W.backend.label };
}

describe('kernels loaded on demand', () => {
  it('without a loaded variant the synchronous paths throw a BackendError saying what to do, and change nothing', async () => {
    const { sg, loaded } = await fresh();
    const advice = `the '${best}' kernels are not loaded: await init() first (it loads the kernels it picks), import 'subgrad/kernels/${best}' before this call, or import from 'subgrad/sync' (every variant inlined)`;
    expect(() => sg.initSync()).toThrow(`initSync: ${advice}`);
    expect(() => sg.tensor([1])).toThrow(`implicit init: ${advice}`);
    expect(() => sg.createBackend({ backend: 'wasm', kernels: 'scalar' })).toThrow(
      "createBackend: the 'scalar' kernels are not loaded: await init() first (it loads the kernels it picks), import 'subgrad/kernels/scalar'",
    );
    expect(() => sg.backendInfo()).toThrow(sg.BackendError);
    expect(loaded()).toEqual([]);
    expect(sg.createBackend({ backend: 'js' }).label).toBe('js-float32');
  });

  it('init() imports only the variant it picks; then the synchronous paths use it', async () => {
    const { sg, loaded } = await fresh();
    expect(await sg.init()).toMatchObject({ backend: 'wasm', kernels: best, supported });
    expect(loaded()).toEqual([best]);
    expect(trainStep(sg)).toEqual({ loss: 52, grad: [[8, 12], [8, 12]], backend: `wasm-${best}` });
    expect(sg.initSync()).toMatchObject({ kernels: best });
    expect(sg.createBackend({ backend: 'wasm', kernels: best }).label).toBe(`wasm-${best}`);
  });

  it('importing one variant is enough: implicit init takes the best loaded one and says what it passed over', async () => {
    const { sg, loaded } = await fresh();
    await import('../src/kernels/scalar.js');
    expect(loaded()).toEqual(['scalar']);
    const info = sg.backendInfo(); // implicit init
    expect(info.kernels).toBe('scalar');
    const passedOver = VARIANTS.slice(0, 2).map((v) =>
      supported.includes(v) ? `${v}: not loaded (await init(), or import 'subgrad/kernels/${v}')` : `${v}: this runtime does not validate`);
    for (const text of passedOver) expect(info.reason).toContain(text);
    expect(trainStep(sg)).toEqual({ loss: 52, grad: [[8, 12], [8, 12]], backend: 'wasm-scalar' });
    expect(() => sg.createBackend({ backend: 'wasm', kernels: 'simd' })).toThrow("the 'simd' kernels are not loaded");
  });
});

/**
 * src/api.ts bundled for a page and run in a V8 context that refuses to
 * compile WebAssembly, which is what a Content-Security-Policy without
 * 'wasm-unsafe-eval' does (WebAssembly.validate still works there).
 */
async function strictCspPage(): Promise<typeof import('../src/api.js')> {
  const { outputFiles } = await build({
    entryPoints: ['src/api.ts'], bundle: true, format: 'iife', globalName: 'subgrad', platform: 'browser', write: false, logLevel: 'silent',
  });
  const page = vm.createContext({ atob, console, performance }, { codeGeneration: { strings: true, wasm: false } });
  vm.runInContext(outputFiles[0].text, page);
  return page.subgrad;
}

describe('strict Content-Security-Policy', () => {
  it("init() throws a typed error naming 'wasm-unsafe-eval' and script-src; init({ fallback: 'js' }) trains on js", async () => {
    const sg = await strictCspPage();
    await sg.init({ backend: 'js', dtype: 'float64' });
    const refusal = await sg.init().catch((e: Error) => e);
    expect(refusal).toBeInstanceOf(sg.BackendError);
    expect((refusal as Error).message).toMatch(
      /^init: this runtime refuses to compile WebAssembly \(.*disallowed by embedder\); on a web page, add 'wasm-unsafe-eval' to the script-src directive of its Content-Security-Policy, or pass \{ fallback: 'js' \} to continue on the js backend$/,
    );
    expect(sg.backendInfo()).toMatchObject({ backend: 'js', dtype: 'float64' }); // the failed init changed nothing
    expect(() => sg.initSync({ kernels: best })).toThrow(/^initSync: this runtime refuses to compile WebAssembly .*'wasm-unsafe-eval'/);

    const info = await sg.init({ fallback: 'js' });
    expect(info).toMatchObject({ backend: 'js', kernels: 'reference', dtype: 'float32' });
    expect(info.reason).toMatch(/^fallback 'js' because the wasm backend cannot start: init: this runtime refuses to compile WebAssembly .*'wasm-unsafe-eval'/);
    expect(sg.backendInfo().reason).toBe(info.reason);
    expect(trainStep(sg)).toEqual({ loss: 52, grad: [[8, 12], [8, 12]], backend: 'js-float32' });
    expect(sg.initSync({ fallback: 'js' }).backend).toBe('js');
  });
});
