// Browser bundles of the installed package, as a user's bundler makes them:
// esbuild, platform browser, ES modules split into chunks, minified. Shared by
// the packed-tarball test and `npm run size`.
import { build, type Metafile } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface Chunk {
  file: string;
  bytes: number;
  gzipBytes: number;
  /** The kernel variants whose binaries this chunk carries. */
  variants: string[];
  /** Reached from the entry only through import(): loaded on demand. */
  lazy: boolean;
  text: string;
}

export interface Bundle {
  chunks: Chunk[];
  metafile: Metafile;
}

/** The kernel variant a module of the package carries: dist/kernels/<variant>.js. */
const variantOf = (input: string) => /(?:^|\/)dist\/kernels\/([\w-]+)\.js$/.exec(input)?.[1];

/** Bundles `source` (an ES module importing the package) as if it were project/<name>.js; writes to project/out-<name>/. */
export async function bundle(project: string, name: string, source: string, options: { loader?: 'js' | 'ts' } = {}): Promise<Bundle> {
  const outdir = join(project, `out-${name}`);
  const { metafile } = await build({
    stdin: { contents: source, resolveDir: project, sourcefile: `${name}.${options.loader ?? 'js'}`, loader: options.loader },
    bundle: true, splitting: true, format: 'esm', platform: 'browser', minify: true,
    absWorkingDir: project, outdir, metafile: true, logLevel: 'silent', entryNames: name,
  });
  const entry = Object.entries(metafile.outputs).find(([, o]) => o.entryPoint)![0];
  const statics = new Set<string>();
  const follow = (file: string) => {
    if (statics.has(file)) return;
    statics.add(file);
    for (const i of metafile.outputs[file].imports) if (i.kind === 'import-statement') follow(i.path);
  };
  follow(entry);
  const chunks = Object.entries(metafile.outputs).filter(([file]) => file.endsWith('.js')).map(([file, output]) => {
    const text = readFileSync(join(project, file), 'utf8');
    const variants = Object.keys(output.inputs).map(variantOf).filter((v) => v !== undefined);
    return { file, bytes: Buffer.byteLength(text), gzipBytes: gzipSync(text, { level: 9 }).length, variants, lazy: !statics.has(file), text };
  });
  return { chunks, metafile };
}

/** What a page loads before init(): the entry chunk and every chunk it imports statically. */
export function eager(b: Bundle): { bytes: number; gzipBytes: number } {
  const loaded = b.chunks.filter((c) => !c.lazy);
  return { bytes: loaded.reduce((s, c) => s + c.bytes, 0), gzipBytes: loaded.reduce((s, c) => s + c.gzipBytes, 0) };
}
