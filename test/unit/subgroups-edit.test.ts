// Modules with subgroup passes (src/kernels/subgroups.ts): each starts with `enable subgroups;` and
// holds exactly its subgroup functions between the BEGIN and END subgroups lines; WITHOUT_SUBGROUPS
// removes that line and that section and nothing else, leaving no subgroup builtin call. Whether
// the edited module compiles and computes right on a device without `subgroups` is checked on the
// GPU (attention-variants.test.ts).

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Gpu } from '../../src/gpu/gpu.ts';
import { subgroupsEdit, WITHOUT_SUBGROUPS, withoutSubgroups } from '../../src/kernels/subgroups.ts';

const SHADERS = new URL('../../shaders/', import.meta.url);
const source = (file: string) => readFileSync(new URL(file, SHADERS), 'utf8');
const withoutComments = (wgsl: string) => wgsl.replace(/\/\/.*$/gm, '');
/** Calls of subgroup builtins (subgroupAdd(…), subgroupShuffle(…), …) outside comments. */
const subgroupCalls = (wgsl: string) => withoutComments(wgsl).match(/\bsubgroup[A-Z]\w*\s*\(/g) ?? [];
/** The section, marker lines included, and the enable line, as the tests find them by hand. */
const SECTION = /^\/\/ BEGIN subgroups\n[\s\S]*?^\/\/ END subgroups\n/m;
const ENABLE = /^enable subgroups;\n/m;

/** Top-level function declarations of a WGSL text: name and body, braces matched. */
function functions(wgsl: string): { name: string; body: string }[] {
  const code = withoutComments(wgsl);
  const found: { name: string; body: string }[] = [];
  for (const m of code.matchAll(/\bfn\s+(\w+)\s*\(/g)) {
    const open = code.indexOf('{', m.index);
    let depth = 0;
    let close = open;
    for (; close < code.length; close++) {
      if (code[close] === '{') depth++;
      else if (code[close] === '}' && --depth === 0) break;
    }
    found.push({ name: m[1], body: code.slice(open, close + 1) });
  }
  return found;
}

/** Every shader that calls a subgroup builtin. */
const WITH_SUBGROUPS = readdirSync(SHADERS)
  .filter((file) => file.endsWith('.wgsl'))
  .filter((file) => subgroupCalls(source(file)).length > 0)
  .sort();

describe('modules with subgroup passes', () => {
  it('are decode’s and the materialized (unfused, fused-softmax) family’s modules', () => {
    expect(WITH_SUBGROUPS).toEqual(['decode-attention.wgsl', 'materialized-attention.wgsl']);
  });

  describe.each(WITH_SUBGROUPS)('%s', (file) => {
    const wgsl = source(file);
    const edited = withoutSubgroups(wgsl, file);
    const section = SECTION.exec(wgsl)?.[0] ?? '';

    it('starts with `enable subgroups;` (its first line of code)', () => {
      expect(withoutComments(wgsl).trimStart().startsWith('enable subgroups;\n')).toBe(true);
    });

    it('the edit removes the enable line and the marked section, nothing else', () => {
      expect(section).not.toBe('');
      expect(edited).toBe(wgsl.replace(ENABLE, '').replace(SECTION, ''));
      expect(edited.length).toBe(wgsl.length - 'enable subgroups;\n'.length - section.length);
    });

    it('the edited module calls no subgroup builtin and enables nothing', () => {
      expect(subgroupCalls(wgsl).length).toBeGreaterThan(0);
      expect(subgroupCalls(edited)).toEqual([]);
      expect(withoutComments(edited)).not.toMatch(/\benable\b/);
      expect(withoutComments(edited)).not.toMatch(/subgroup_uniformity/);
    });

    it('the section holds functions only, each of them calling a subgroup builtin', () => {
      const inside = functions(section);
      expect(inside.length).toBeGreaterThan(0);
      for (const { name, body } of inside) {
        expect(subgroupCalls(body).length, `${file}: fn ${name} calls a subgroup builtin`).toBeGreaterThan(0);
      }
      // Stripped of its functions (and the attributes before them), nothing is left but the markers.
      let rest = withoutComments(section);
      for (const { body } of inside) rest = rest.replace(body, '');
      rest = rest.replace(/(@\w+(\([^)]*\))?\s*)*fn\s+\w+\s*\([^{]*/g, '');
      expect(rest.trim()).toBe('');
    });

    it('no function outside the section is left calling a section function', () => {
      const removed = functions(section).map((f) => f.name);
      for (const { name, body } of functions(edited)) {
        for (const gone of removed)
          expect(body, `${file}: fn ${name} calls ${gone}`).not.toMatch(new RegExp(`\\b${gone}\\s*\\(`));
      }
    });
  });
});

describe('WITHOUT_SUBGROUPS', () => {
  const wgsl = source('decode-attention.wgsl');
  const file = 'decode-attention.wgsl';

  it('is withoutSubgroups under one name (part of the pipeline cache key)', () => {
    expect(WITHOUT_SUBGROUPS.name).toBe('without-subgroups');
    expect(WITHOUT_SUBGROUPS.apply(wgsl, file)).toBe(withoutSubgroups(wgsl, file));
  });

  it('is what a device without `subgroups` compiles through, and one with it does not', () => {
    const device = (features: string[]) => ({ features: new Set(features) }) as unknown as Gpu;
    expect(subgroupsEdit(device([]))).toBe(WITHOUT_SUBGROUPS);
    expect(subgroupsEdit(device(['shader-f16']))).toBe(WITHOUT_SUBGROUPS);
    expect(subgroupsEdit(device(['subgroups']))).toBeUndefined();
  });

  it.each([
    [
      'no enable line',
      wgsl.replace('enable subgroups;\n', ''),
      /^decode-attention\.wgsl: expected one line "enable subgroups;", found 0$/,
    ],
    [
      'two enable lines',
      wgsl.replace('enable subgroups;\n', 'enable subgroups;\nenable subgroups;\n'),
      /"enable subgroups;", found 2/,
    ],
    [
      'no BEGIN line',
      wgsl.replace('// BEGIN subgroups\n', ''),
      /decode-attention\.wgsl: expected one line "\/\/ BEGIN subgroups", found 0/,
    ],
    [
      'two BEGIN lines',
      wgsl.replace('// BEGIN subgroups\n', '// BEGIN subgroups\n// BEGIN subgroups\n'),
      /"\/\/ BEGIN subgroups", found 2/,
    ],
    [
      'no END line',
      wgsl.replace('// END subgroups', '// END'),
      /decode-attention\.wgsl: expected one line "\/\/ END subgroups", found 0/,
    ],
    [
      'two END lines',
      wgsl.replace('// END subgroups', '// END subgroups\n// END subgroups'),
      /"\/\/ END subgroups", found 2/,
    ],
    [
      'END before BEGIN',
      wgsl
        .replace('// END subgroups', '')
        .replace('// BEGIN subgroups', '// END subgroups\n// BEGIN subgroups'),
      /decode-attention\.wgsl: expected "enable subgroups;", then "\/\/ BEGIN subgroups", then "\/\/ END subgroups", in that order/,
    ],
    [
      'enable after the section',
      `${wgsl.replace('enable subgroups;\n', '')}\nenable subgroups;\n`,
      /in that order/,
    ],
    [
      'a marker inside a longer line',
      wgsl.replace('// BEGIN subgroups', '// BEGIN subgroups here'),
      /"\/\/ BEGIN subgroups", found 0/,
    ],
  ])('control: %s throws, naming the file and the line', (_, text, message) => {
    expect(() => withoutSubgroups(text, file)).toThrow(message);
  });
});
