import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import { build } from 'esbuild';

// The self-hosted explorer's JS and CSS: client.ts bundled with GraphiQL and React by esbuild on
// first use (about 2 s), then cached under <DATA_DIR or .data>/explorer/ keyed by the versions and
// sources that went in, so later starts only read two files. Nothing is fetched from a CDN.

const CLIENT_ENTRY = path.join(__dirname, 'client.ts');
const CLIENT_SOURCES = ['client.ts', 'config.ts', 'operation-name.ts', 'bundle.ts'].map((f) => path.join(__dirname, f));
const PACKAGES = ['graphiql', '@graphiql/react', '@graphiql/toolkit', 'react', 'react-dom', 'graphql', 'esbuild'];

export interface ExplorerAsset {
  body: Buffer;
  gzipped: Buffer;
  contentType: string;
}

export interface ExplorerBundle {
  /** Changes with every input: part of the asset URLs, so browsers may cache them for good. */
  key: string;
  graphiqlVersion: string;
  js: ExplorerAsset;
  css: ExplorerAsset;
  /** Where the files are cached; undefined when the cache directory was not writable. */
  cacheDir?: string;
  builtNow: boolean;
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function bundleKey(): { key: string; graphiqlVersion: string } {
  const hash = createHash('sha256');
  for (const name of PACKAGES) hash.update(`${name}@${packageVersion(name)}\n`);
  for (const file of CLIENT_SOURCES) hash.update(readFileSync(file));
  return { key: hash.digest('hex').slice(0, 16), graphiqlVersion: packageVersion('graphiql') };
}

function asset(body: Buffer, contentType: string): ExplorerAsset {
  return { body, gzipped: gzipSync(body), contentType };
}

async function bundle(): Promise<{ js: Buffer; css: Buffer }> {
  const result = await build({
    entryPoints: { app: CLIENT_ENTRY },
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    define: { 'process.env.NODE_ENV': '"production"' },
    // GraphiQL's CSS carries its fonts as data: URLs already; anything else referenced gets inlined too.
    loader: { '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.svg': 'dataurl', '.png': 'dataurl' },
    legalComments: 'none',
    outdir: 'out',
    write: false,
    logLevel: 'silent',
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const css = result.outputFiles.find((f) => f.path.endsWith('.css'));
  if (!js || !css) throw new Error('explorer bundle: esbuild produced no JS or no CSS');
  return { js: Buffer.from(js.contents), css: Buffer.from(css.contents) };
}

/** Reads the cached bundle for the current inputs, or builds and caches it (atomically: temp dir, rename). */
export async function loadExplorerBundle(dataDir = process.env.DATA_DIR || '.data'): Promise<ExplorerBundle> {
  const { key, graphiqlVersion } = bundleKey();
  const root = path.resolve(dataDir, 'explorer');
  const dir = path.join(root, `graphiql-${graphiqlVersion}-${key}`);
  const result = (files: { js: Buffer; css: Buffer }, cacheDir: string | undefined, builtNow: boolean) => ({
    key,
    graphiqlVersion,
    js: asset(files.js, 'text/javascript; charset=utf-8'),
    css: asset(files.css, 'text/css; charset=utf-8'),
    cacheDir,
    builtNow,
  });
  try {
    return result(
      { js: readFileSync(path.join(dir, 'app.js')), css: readFileSync(path.join(dir, 'app.css')) },
      dir,
      false,
    );
  } catch {
    // Not cached yet (or unreadable): build below.
  }
  const files = await bundle();
  try {
    mkdirSync(root, { recursive: true });
    const tmp = mkdtempSync(path.join(root, '.building-'));
    writeFileSync(path.join(tmp, 'app.js'), files.js);
    writeFileSync(path.join(tmp, 'app.css'), files.css);
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another process cached the same bundle first
    }
    // Bundles of earlier versions are never read again.
    for (const old of readdirSync(root)) {
      if (old.startsWith('graphiql-') && path.join(root, old) !== dir)
        rmSync(path.join(root, old), { recursive: true });
    }
    return result(files, dir, true);
  } catch {
    return result(files, undefined, true); // a read-only data directory: serve from memory
  }
}
