// The first kernels end to end on a real adapter: copy, naive matmul, unfused attention.

import { describe, expect, it } from 'vitest';
import { attention, matmul } from '../../src/api.ts';
import { blockMask } from '../../src/masks/index.ts';
import { attentionReference } from '../../src/reference/attention.ts';
import { compareToReference } from '../../src/reference/compare.ts';
import { matmulReference } from '../../src/reference/matmul.ts';
import { randomArray, useGpu } from './gpu-harness.ts';

const TOL = { atol: 2e-5, rtol: 2e-4 };

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = TOL): void {
  const result = compareToReference(actual, expected, tol);
  expect(result.failure, result.failure).toBeUndefined();
}

describe('GPU adapter', () => {
  const gpu = useGpu();
  it('describes the adapter and marks a software one', () => {
    const { adapter } = gpu();
    expect(adapter.vendor.length + adapter.architecture.length + adapter.description.length).toBeGreaterThan(
      0,
    );
    if (/swiftshader/i.test(adapter.architecture)) expect(adapter.isSoftware).toBe(true);
  });
});

describe('unfused attention against the f64 reference', () => {
  const gpu = useGpu();
  it.each([
    { name: 'control', heads: 2, seqQ: 64, seqK: 64, headDim: 32, causal: false },
    { name: 'length 1', heads: 1, seqQ: 1, seqK: 1, headDim: 8, causal: false },
    { name: 'prime 97', heads: 1, seqQ: 97, seqK: 97, headDim: 32, causal: false },
    { name: 'seqK 200', heads: 1, seqQ: 16, seqK: 200, headDim: 64, causal: false },
    { name: 'prime 257', heads: 1, seqQ: 33, seqK: 257, headDim: 16, causal: false },
    { name: 'several heads', heads: 5, seqQ: 40, seqK: 40, headDim: 16, causal: false },
    { name: 'causal square', heads: 2, seqQ: 97, seqK: 97, headDim: 32, causal: true },
    { name: 'causal seqQ < seqK', heads: 1, seqQ: 20, seqK: 97, headDim: 32, causal: true },
    {
      name: 'causal seqQ > seqK (early rows empty)',
      heads: 1,
      seqQ: 50,
      seqK: 20,
      headDim: 16,
      causal: true,
    },
    { name: 'headDim 1', heads: 1, seqQ: 9, seqK: 13, headDim: 1, causal: false },
  ])('$name', async ({ heads, seqQ, seqK, headDim, causal }) => {
    const q = randomArray(heads * seqQ * headDim, 1);
    const k = randomArray(heads * seqK * headDim, 2);
    const v = randomArray(heads * seqK * headDim, 3);
    const o = await attention(gpu(), { q, k, v, heads, seqQ, seqK, headDim, causal }, { kernel: 'unfused' });
    const scale = 1 / Math.sqrt(headDim);
    expectClose(o, attentionReference(q, k, v, { heads, seqQ, seqK, headDim, causal, scale }));
    expect(o.every(Number.isFinite)).toBe(true);
  });

  it('a mask with an empty block row gives zeros there, no NaN', async () => {
    const heads = 2;
    const seqQ = 70;
    const seqK = 90;
    const headDim = 16;
    const blockSize = 32;
    const layout = new Uint8Array(3 * 3).fill(1);
    layout.fill(0, 3, 6); // query block 1 (rows 32..63) sees nothing
    const mask = blockMask.fromDense(layout, { blockSize, seqQ, seqK });
    const q = randomArray(heads * seqQ * headDim, 4);
    const k = randomArray(heads * seqK * headDim, 5);
    const v = randomArray(heads * seqK * headDim, 6);
    const o = await attention(gpu(), { q, k, v, heads, seqQ, seqK, headDim, mask }, { kernel: 'unfused' });
    const scale = 1 / Math.sqrt(headDim);
    expectClose(o, attentionReference(q, k, v, { heads, seqQ, seqK, headDim, causal: false, scale, mask }));
    expect(o.slice(40 * headDim, 41 * headDim).every((x) => x === 0)).toBe(true);
  });

  it('large logits (QKᵀ near ±50) do not overflow', async () => {
    const heads = 1;
    const seqQ = 31;
    const seqK = 45;
    const headDim = 16;
    const q = randomArray(heads * seqQ * headDim, 7, -7, 7);
    const k = randomArray(heads * seqK * headDim, 8, -7, 7);
    const v = randomArray(heads * seqK * headDim, 9);
    const o = await attention(
      gpu(),
      { q, k, v, heads, seqQ, seqK, headDim, scale: 1 },
      { kernel: 'unfused' },
    );
    expect(o.every(Number.isFinite)).toBe(true);
    expectClose(o, attentionReference(q, k, v, { heads, seqQ, seqK, headDim, causal: false, scale: 1 }), {
      atol: 1e-4,
      rtol: 1e-3,
    });
  });
});

describe('naive matmul against the f64 reference', () => {
  const gpu = useGpu();
  it.each([
    { m: 16, k: 16, n: 16, bias: false, gelu: false },
    { m: 1, k: 1, n: 1, bias: false, gelu: false },
    { m: 33, k: 47, n: 29, bias: false, gelu: false },
    { m: 97, k: 31, n: 65, bias: true, gelu: false },
    { m: 17, k: 64, n: 15, bias: true, gelu: true },
  ])('m=$m k=$k n=$n bias=$bias gelu=$gelu', async ({ m, k, n, bias, gelu }) => {
    const a = randomArray(m * k, 10);
    const b = randomArray(k * n, 11);
    const biasValues = bias ? randomArray(n, 12) : undefined;
    const activation = gelu ? 'gelu' : 'none';
    const c = await matmul(gpu(), a, b, { m, k, n, bias: biasValues, activation, kernel: 'naive' });
    expectClose(c, matmulReference(a, b, { m, k, n, bias: biasValues, activation }));
  });
});
