// sizedArrays (src/kernels/sized-arrays.ts) fixes the length of named runtime-sized storage arrays in
// a module's text and nothing else; decode's bindings, as it sizes them, are all declared in its
// shader. That the sized modules compile and compute right is checked on the GPU
// (attention-paths.test.ts, the decode paths with sizedArrays).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PLACEHOLDER_BYTES } from '../../src/kernels/attention-common.ts';
import { boundBytes } from '../../src/kernels/decode.ts';
import { packedKvBytes } from '../../src/kernels/kv-pack.ts';
import { sizedArrays } from '../../src/kernels/sized-arrays.ts';

const MODULE = [
  '@group(0) @binding(0) var<storage, read> a: array<f32>;',
  '@group(0) @binding(1) var<storage, read> b4: array<vec4<f32>>;',
  '@group(0) @binding(2) var<storage, read> h: array<vec2<u32>>;',
  '@group(0) @binding(3) var<storage, read_write> out: array<f32>;',
].join('\n');

describe('sizedArrays', () => {
  it('gives each named array the whole elements its bytes hold, and leaves the rest alone', () => {
    const text = sizedArrays({ a: 40, b4: 100, h: 24 }).apply(MODULE, 'm.wgsl');
    expect(text.split('\n')).toEqual([
      '@group(0) @binding(0) var<storage, read> a: array<f32, 10>;',
      '@group(0) @binding(1) var<storage, read> b4: array<vec4<f32>, 6>;',
      '@group(0) @binding(2) var<storage, read> h: array<vec2<u32>, 3>;',
      '@group(0) @binding(3) var<storage, read_write> out: array<f32>;',
    ]);
  });

  it('applies a chained edit first, and names both sizes in its cache key', () => {
    const chained = { name: 'first', apply: (w: string) => w.replace('b4', 'c4') };
    const edit = sizedArrays({ c4: 32 }, chained);
    expect(edit.apply(MODULE, 'm.wgsl')).toContain('var<storage, read> c4: array<vec4<f32>, 2>;');
    expect(edit.name).toBe('first+sized(c4:32)');
    expect(sizedArrays({ a: 8 }).name).not.toBe(sizedArrays({ a: 12 }).name);
  });

  it('refuses a binding it cannot size, naming the file and the binding', () => {
    expect(() => sizedArrays({ missing: 16 }).apply(MODULE, 'm.wgsl')).toThrow(
      'm.wgsl: expected one runtime-sized declaration of missing, found 0',
    );
    expect(() => sizedArrays({ a: 16 }).apply(`${MODULE}\n${MODULE}`, 'm.wgsl')).toThrow('found 2');
    expect(() => sizedArrays({ b4: 8 }).apply(MODULE, 'm.wgsl')).toThrow(
      'm.wgsl: b4 of 8 bytes holds no vec4<f32> (16 bytes)',
    );
    const odd = '@group(0) @binding(0) var<storage, read> m: array<mat2x2<f32>>;';
    expect(() => sizedArrays({ m: 64 }).apply(odd, 'm.wgsl')).toThrow('m has elements of mat2x2<f32>');
  });

  it.each([false, true])('sizes every binding decode sizes in decode-attention.wgsl (f16 K/V: %s)', (f16) => {
    const wgsl = readFileSync(new URL('../../shaders/decode-attention.wgsl', import.meta.url), 'utf8');
    const p = { heads: 2, seqQ: 1, seqK: 100, headDim: 64, causal: false, scale: 0.125 };
    const buffer = (size: number) => ({ size }) as GPUBuffer;
    const io = { q: buffer(512), k: buffer(51200), v: buffer(51200), o: buffer(512) };
    const bytes = boundBytes(p, io, new Uint32Array(1), f16, false);
    expect(bytes.k4).toBe(f16 ? PLACEHOLDER_BYTES : 51200);
    expect(bytes.k16).toBe(f16 ? packedKvBytes(p, 'f16') : PLACEHOLDER_BYTES);
    const text = sizedArrays(bytes).apply(wgsl, 'decode-attention.wgsl');
    for (const name of Object.keys(bytes)) {
      expect(text).toMatch(new RegExp(`var<storage, read> ${name}: array<[\\w<>]+, \\d+>;`));
    }
  });
});
