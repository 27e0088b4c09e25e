// A registered kernel's name is written in two places only: its own module (the one exporting the
// kernel) and the registry. The plan, presets, tolerances, claims, charts, scripts and the page find
// kernels by kind, role and variantOf, so a renamed or removed kernel leaves no stale name behind and
// a new one needs no edit beyond its registry line. Read from the code itself: comments are left out,
// and a name that also means something else is not checked: a kind or a suite ('decode'), a stage of
// the decode step ('rope-append', 'gate': its per-op results), a model's norm ('rmsnorm').

import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NORM_KINDS } from '../../src/kernels/formats.ts';
import { registry } from '../../src/kernels/registry.ts';
import { SUITES } from '../../src/measure/presets.ts';
import { STEP_OPS } from '../../src/model/decode-plan.ts';
import { sourceFiles } from './source-files.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REGISTRY = join(ROOT, 'src/kernels/registry.ts');
const CODE = ['src', 'bench', 'scripts'].flatMap((dir) => sourceFiles(join(ROOT, dir)));

/** The text without block and line comments (a `//` after a colon is a URL, not a comment). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

const TEXT = new Map(CODE.map((path) => [path, withoutComments(readFileSync(path, 'utf8'))]));

/** The files under src/kernels/ that export a kernel object itself. */
async function ownersOf(kernel: unknown): Promise<string[]> {
  const modules = CODE.filter((path) => path.startsWith(join(ROOT, 'src/kernels/')));
  const owners: string[] = [];
  for (const path of modules) {
    const exported: Record<string, unknown> = await import(path);
    if (Object.values(exported).includes(kernel)) owners.push(path);
  }
  return owners;
}

/** Files, other than the allowed ones, in which the name is a whole string literal. */
function writtenOutside(name: string, allowed: readonly string[]): string[] {
  const literal = new RegExp(`(['"\`])${name.replace(/[-]/g, '\\-')}\\1`);
  return [...TEXT]
    .filter(([path, text]) => !allowed.includes(path) && literal.test(text))
    .map(([path]) => relative(ROOT, path));
}

const OTHER_MEANINGS = new Set<string>([
  ...registry.map((e) => e.kind),
  ...SUITES,
  ...STEP_OPS,
  ...NORM_KINDS,
]);
const CHECKED = registry.filter((e) => !OTHER_MEANINGS.has(e.name));

describe('kernel names outside their module and the registry', () => {
  it('reads the code, and leaves out only the kernels whose names mean something else too', () => {
    expect(CODE.length).toBeGreaterThan(100);
    expect(registry.filter((e) => OTHER_MEANINGS.has(e.name)).map((e) => e.name)).toEqual([
      'decode',
      'rmsnorm',
      'layernorm',
      'rope-append',
      'gate',
    ]);
  });

  it('finds a name written outside (the check works)', () => {
    expect(writtenOutside('flash', [])).toContain('src/kernels/flash.ts');
    expect(withoutComments("a = 'x'; // 'flash'\n/* 'flash' */ b = 'http://flash';")).toBe(
      "a = 'x'; \n b = 'http://flash';",
    );
  });

  it.each(CHECKED.map((e) => [e.name, e]))('%s', async (_name, e) => {
    const owners = await ownersOf(e.kernel);
    expect(owners, 'the module that exports the kernel').not.toEqual([]);
    expect(writtenOutside(e.name, [REGISTRY, ...owners])).toEqual([]);
  });
});
