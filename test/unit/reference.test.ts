// The CPU references on problems small enough to check by hand.

import { describe, expect, it } from 'vitest';
import { blockMask } from '../../src/masks/index.ts';
import { attentionReference, isAllowed } from '../../src/reference/attention.ts';
import { compareToReference } from '../../src/reference/compare.ts';
import { gelu, matmulReference } from '../../src/reference/matmul.ts';

const f32 = (xs: number[]) => Float32Array.from(xs);

describe('attentionReference', () => {
  it('one key: the output is that key’s value', () => {
    const o = attentionReference(f32([1, 2]), f32([3, 4]), f32([5, -6]), {
      heads: 1,
      seqQ: 1,
      seqK: 1,
      headDim: 2,
      causal: false,
      scale: 1,
    });
    expect([...o]).toEqual([5, -6]);
  });

  it('two keys: softmax weights by hand', () => {
    // q·k0 = 1, q·k1 = 0, scale 1: weights e/(e+1), 1/(e+1)
    const o = attentionReference(f32([1]), f32([1, 0]), f32([10, 20]), {
      heads: 1,
      seqQ: 1,
      seqK: 2,
      headDim: 1,
      causal: false,
      scale: 1,
    });
    const w0 = Math.E / (Math.E + 1);
    expect(o[0]).toBeCloseTo(10 * w0 + 20 * (1 - w0), 12);
  });

  it('large logits do not overflow (max is subtracted)', () => {
    const o = attentionReference(f32([100]), f32([100, 99]), f32([1, 2]), {
      heads: 1,
      seqQ: 1,
      seqK: 2,
      headDim: 1,
      causal: false,
      scale: 1,
    });
    expect(Number.isFinite(o[0])).toBe(true);
    expect(o[0]).toBeCloseTo(1, 12); // weights e^0 : e^-100
  });

  it.each([
    { seqQ: 3, seqK: 3, i: 0, j: 0, allowed: true },
    { seqQ: 3, seqK: 3, i: 0, j: 1, allowed: false },
    { seqQ: 2, seqK: 5, i: 0, j: 3, allowed: true }, // bottom-right aligned: offset 3
    { seqQ: 2, seqK: 5, i: 0, j: 4, allowed: false },
    { seqQ: 5, seqK: 2, i: 2, j: 0, allowed: false }, // offset −3: rows 0..2 see nothing
    { seqQ: 5, seqK: 2, i: 3, j: 0, allowed: true },
  ])('causal rule seqQ=$seqQ seqK=$seqK: ($i,$j) allowed=$allowed', ({ seqQ, seqK, i, j, allowed }) => {
    expect(isAllowed({ heads: 1, seqQ, seqK, headDim: 1, causal: true, scale: 1 }, i, j)).toBe(allowed);
  });

  it('a row with no allowed key gives zeros, not NaN', () => {
    const mask = blockMask.fromDense([0, 1], { blockSize: 1, seqQ: 2, seqK: 1 });
    const o = attentionReference(f32([1, 1]), f32([1]), f32([7]), {
      heads: 1,
      seqQ: 2,
      seqK: 1,
      headDim: 1,
      causal: false,
      scale: 1,
      mask,
    });
    expect([...o]).toEqual([0, 7]);
  });

  it('grouped-query attention: each query head reads KV head floor(h / (heads / kvHeads))', () => {
    // 4 query heads over 2 KV heads of one key each: heads 0, 1 see value 5, heads 2, 3 value -3.
    const shape = { heads: 4, kvHeads: 2, seqQ: 1, seqK: 1, headDim: 1, causal: false, scale: 1 };
    const o = attentionReference(f32([1, 2, 3, 4]), f32([1, 1]), f32([5, -3]), shape);
    expect([...o]).toEqual([5, 5, -3, -3]);
  });

  it('grouped-query attention equals attention over K/V repeated per query head', () => {
    const shape = { heads: 6, seqQ: 3, seqK: 4, headDim: 2, causal: true, scale: 0.7 };
    const q = f32(Array.from({ length: 6 * 3 * 2 }, (_, n) => Math.sin(n)));
    const k = f32(Array.from({ length: 2 * 4 * 2 }, (_, n) => Math.cos(n)));
    const v = f32(Array.from({ length: 2 * 4 * 2 }, (_, n) => Math.sin(3 * n)));
    const repeat = (x: Float32Array) => {
      const out = new Float32Array(6 * 8);
      for (let h = 0; h < 6; h++)
        out.set(x.subarray(Math.floor(h / 3) * 8, Math.floor(h / 3) * 8 + 8), h * 8);
      return out;
    };
    const grouped = attentionReference(q, k, v, { ...shape, kvHeads: 2 });
    const repeated = attentionReference(q, repeat(k), repeat(v), shape);
    expect([...grouped]).toEqual([...repeated]);
  });
});

describe('matmulReference', () => {
  it('2×3 · 3×2 by hand, with bias', () => {
    const c = matmulReference(f32([1, 2, 3, 4, 5, 6]), f32([7, 8, 9, 10, 11, 12]), {
      m: 2,
      k: 3,
      n: 2,
      bias: f32([1, -1]),
    });
    expect([...c]).toEqual([59, 63, 140, 153]);
  });

  it('GELU at known points', () => {
    expect(gelu(0)).toBe(0);
    expect(gelu(1)).toBeCloseTo(0.841192, 5);
    expect(gelu(-1)).toBeCloseTo(-0.158808, 5);
  });
});

describe('compareToReference', () => {
  it('passes within atol + rtol·|ref|', () => {
    const r = compareToReference([1.0001, 2], [1, 2], { atol: 0, rtol: 1e-3 });
    expect(r.ok).toBe(true);
    expect(r.maxAbsErr).toBeCloseTo(1e-4, 8);
  });

  it('fails on the first element out of tolerance and shows it in a table', () => {
    const r = compareToReference([1, 2, 3.5, 4], [1, 2, 3, 4], { atol: 1e-6, rtol: 1e-6 });
    expect(r.ok).toBe(false);
    expect(r.firstBad).toBe(2);
    expect(r.failure).toContain('> ');
    expect(r.failure).toContain('3.500000');
  });

  it('NaN never passes', () => {
    expect(compareToReference([Number.NaN], [0], { atol: 1, rtol: 1 }).ok).toBe(false);
  });

  it('length mismatch fails', () => {
    expect(compareToReference([1], [1, 2], { atol: 1, rtol: 1 }).failure).toMatch(/length/);
  });
});
