// gemv-f16-native compiles gemv.wgsl with `enable f16;` first and `halves` swapped for a bitcast
// through vec2<f16> (nativeF16Source). No adapter here has shader-f16, so its GPU tests skip: these
// check the composition itself (its Params, entry point and overrides are checked against the
// composed text in uniform-layouts.test.ts).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NATIVE_F16, nativeF16Source } from '../../src/kernels/gemv.ts';

const GEMV = readFileSync(new URL('../../shaders/gemv.wgsl', import.meta.url), 'utf8');
const withoutComments = (wgsl: string) => wgsl.replace(/\/\/.*$/gm, '');
/** The text from the BEGIN halves line to the END halves line, both included. */
const HALVES = /^\/\/ BEGIN halves[\s\S]*?^\/\/ END halves.*$/m;
/** The body of `fn name` (up to the first line that closes a function). */
const body = (wgsl: string, name: string) =>
  new RegExp(`^fn ${name}\\(.*\\{\\n([\\s\\S]*?)^\\}`, 'm').exec(withoutComments(wgsl))?.[1];

describe('gemv-f16-native source', () => {
  const native = nativeF16Source(GEMV);

  it('is gemv.wgsl with `enable f16;` first and halves through the f16 type, nothing else changed', () => {
    expect(native.startsWith('enable f16;\n')).toBe(true);
    expect(body(native, 'halves')?.trim()).toBe('return vec2<f32>(bitcast<vec2<f16>>(word));');
    expect(body(GEMV, 'halves')?.trim()).toBe('return unpack2x16float(word);');
    expect(native.replace('enable f16;\n\n', '').replace(HALVES, '')).toBe(GEMV.replace(HALVES, ''));
  });

  it('halves is the only f16 decode in gemv.wgsl, and main_f16 decodes its weights through it', () => {
    const code = withoutComments(GEMV);
    expect(code.match(/unpack2x16float/g)).toHaveLength(1);
    expect(body(GEMV, 'halves')).toContain('unpack2x16float');
    const quad = body(GEMV, 'quad_f16') ?? '';
    expect(quad.match(/halves\(w[01]\.[xyzw]\)/g)).toHaveLength(8);
    expect(body(GEMV, 'main_f16')).toContain('quad_f16(');
  });

  it('the native-f16 edit is this composition', () => {
    expect(NATIVE_F16.apply(GEMV, 'gemv.wgsl')).toBe(native);
  });

  it.each([
    [
      'no BEGIN line',
      GEMV.replace('// BEGIN halves', '// halves'),
      /one line starting "\/\/ BEGIN halves", found 0/,
    ],
    ['two END lines', GEMV.replace('// END halves', '// END halves\n// END halves'), /found 2/],
    [
      'END before BEGIN',
      GEMV.replace('// END halves', '').replace('// BEGIN halves', '// END halves\n// BEGIN halves'),
      /expected fn halves between/,
    ],
    [
      'another function inside',
      GEMV.replace('// END halves', 'fn extra() {}\n// END halves'),
      /expected fn halves between/,
    ],
  ])('control: %s throws, naming the markers', (_, edited, message) => {
    expect(() => nativeF16Source(edited)).toThrow(message);
  });
});
