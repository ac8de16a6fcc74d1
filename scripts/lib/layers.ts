import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import ts from 'typescript';

// The kit's layers, lowest first. A file may import its own layer and the layers below it, never
// one above; the gateway may import only the platform of subgraphs/ (no other kit layer, no
// national or regional subgraph code; schema/ and its own files are fine). `npm run check:layers` runs this check, and
// `npm run check:cycles` (madge) keeps the graph free of cycles. README "Kit layers" explains the
// layers.

export const KIT_DIR = 'subgraphs/kit';
export const LAYERS = ['platform', 'domain', 'persistence', 'workflow', 'graphql', 'start-up'] as const;
export type Layer = (typeof LAYERS)[number];

export interface LayerViolation {
  /** Repository-relative file that imports. */
  file: string;
  /** The import specifier as written. */
  imports: string;
  message: string;
}

const TEST = /\.test\.ts$/;
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;

function listFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(path.join(root, dir), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') out.push(...listFiles(root, rel));
    } else if (SOURCE.test(e.name)) {
      out.push(rel);
    }
  }
  return out;
}

/** The layer of a repository-relative path inside the kit, null outside it, undefined if loose in the kit. */
export function layerOf(file: string): Layer | null | undefined {
  if (!file.startsWith(`${KIT_DIR}/`)) return null;
  const first = file.slice(KIT_DIR.length + 1).split('/')[0]!;
  return (LAYERS as readonly string[]).includes(first) ? (first as Layer) : undefined;
}

/** Every module specifier a file names: static and type imports, re-exports, import(), require(). */
export function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** The layer rules broken under `root` (a repository root). */
export function checkLayers(root: string): LayerViolation[] {
  const violations: LayerViolation[] = [];
  const files = [...listFiles(root, KIT_DIR), ...listFiles(root, 'gateway')];
  for (const file of files) {
    const own = layerOf(file);
    // A colocated test may wire higher layers around the module it tests; nothing imports a test,
    // so it adds no dependency between layers (madge still sees it for cycles).
    if (own !== null && TEST.test(file)) continue;
    if (own === undefined) {
      violations.push({
        file,
        imports: '',
        message: `${file} is not in a layer folder: put it under ${KIT_DIR}/{${LAYERS.join(',')}}/`,
      });
      continue;
    }
    for (const spec of importsOf(readFileSync(path.join(root, file), 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      const theirs = layerOf(target);
      if (own === null) {
        // gateway/: of subgraphs/, the platform only (a region's or the national subgraph's code neither).
        if (target.startsWith('subgraphs/') && theirs !== 'platform') {
          violations.push({
            file,
            imports: spec,
            message: `${file} imports '${spec}' (${theirs === null ? 'outside the kit' : `kit layer ${theirs ?? 'none'}`}): the gateway may import only ${KIT_DIR}/platform/ of subgraphs/`,
          });
        }
        continue;
      }
      if (theirs === null) continue;
      if (theirs === undefined || LAYERS.indexOf(theirs) > LAYERS.indexOf(own)) {
        violations.push({
          file,
          imports: spec,
          message: `${file} (layer ${own}) imports '${spec}' (layer ${theirs ?? 'none'}): a layer may import only itself and ${
            LAYERS.indexOf(own) === 0
              ? 'nothing above'
              : `the layers below it (${LAYERS.slice(0, LAYERS.indexOf(own)).join(', ')})`
          }`,
        });
      }
    }
  }
  return violations;
}
