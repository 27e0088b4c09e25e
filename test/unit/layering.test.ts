// The folders under src/ form layers, lowest first; a module may import its own folder and the
// layers below it, never one above (no cycles between folders). Parsed from every static and
// dynamic import under src/, so a new upward import fails here.

import { readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from './source-files.ts';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/**
 * Lowest first. util and gpu know nothing of kernels; kernels nothing of masks (the BlockMask type
 * kernels take is declared in kernels, its builders are in masks); the model builds on kernels and
 * masks; reference and results describe what is computed and measured; '.' is the library API
 * (src/index.ts, api.ts); measure runs it all; peers plug into measure; article reads results; ui shows everything.
 */
const LAYERS = [
  'util',
  'gpu',
  'kernels',
  'masks',
  'model',
  'reference',
  'results',
  '.',
  'measure',
  'peers',
  'article',
  'ui',
];

/** The src/ folder of a file ('.' for files directly in src/). */
const folderOf = (path: string) => {
  const rel = relative(SRC, path);
  return rel.includes('/') ? rel.split('/')[0] : '.';
};

/** Relative imports of a module (static, re-exports and dynamic), resolved to paths. */
function imports(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const specifiers = [
    ...text.matchAll(/(?:import|export)\s[^'";]*?from\s+'([^']+)'/g),
    ...text.matchAll(/import\(\s*(?:\/\*.*?\*\/\s*)?'([^']+)'\s*\)/g),
  ].map((m) => m[1]);
  return specifiers.filter((s) => s.startsWith('.')).map((s) => normalize(join(dirname(path), s)));
}

const EDGES = sourceFiles(SRC).flatMap((path) =>
  imports(path)
    .filter((target) => target.startsWith(SRC))
    .map((target) => ({
      from: relative(SRC, path),
      to: relative(SRC, target),
      a: folderOf(path),
      b: folderOf(target),
    }))
    .filter((edge) => edge.a !== edge.b),
);

describe('import direction under src/', () => {
  it('every folder of src/ has a layer', () => {
    const folders = new Set(sourceFiles(SRC).map(folderOf));
    expect([...folders].filter((f) => !LAYERS.includes(f))).toEqual([]);
  });

  it('finds the imports between folders (the parser works)', () => {
    expect(EDGES.length).toBeGreaterThan(20);
    expect(EDGES.some((e) => e.a === 'measure' && e.b === 'kernels')).toBe(true);
  });

  it.each(LAYERS.map((layer) => [layer]))('%s imports no folder above it', (layer) => {
    const upward = EDGES.filter((e) => e.a === layer && LAYERS.indexOf(e.b) > LAYERS.indexOf(layer)).map(
      (e) => `${e.from} → ${e.to}`,
    );
    expect(upward).toEqual([]);
  });
});
