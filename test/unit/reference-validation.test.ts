// The CPU references accept exactly what the GPU API accepts: matmulReference, gemvReference, both
// forms of attentionReference and topKApproximationError validate their input with the API's own
// validators (a message naming the field and the limit) instead of returning NaN or plausible numbers,
// and give the same results as before for valid input.

import { describe, expect, it } from 'vitest';
import { dequantize, quantize } from '../../src/kernels/quantize.ts';
import { type BlockMask, blockMask } from '../../src/masks/index.ts';
import { attentionReference } from '../../src/reference/attention.ts';
import { gemvReference } from '../../src/reference/gemv.ts';
import { gelu, matmulReference } from '../../src/reference/matmul.ts';
import { topKApproximationError } from '../../src/reference/topk-error.ts';

const f32 = (xs: number[]) => Float32Array.from(xs);
const seeded = (length: number, seed: number) =>
  Float32Array.from({ length }, (_, i) => Math.sin(seed * 1000 + i * 1.7) * 0.9);

describe('matmulReference validates like matmul()', () => {
  const a = f32([1, 2, 3, 4, 5, 6]);
  const b = f32([7, 8, 9, 10, 11, 12]);
  const shape = { m: 2, k: 3, n: 2 };

  it.each([
    { name: 'a too short', a: a.subarray(0, 5), options: shape, message: /a: length 5 does not match m × k/ },
    {
      name: 'b too short',
      a,
      b: b.subarray(0, 4),
      options: shape,
      message: /b: length 4 does not match k × n/,
    },
    {
      name: 'bias too short',
      a,
      options: { ...shape, bias: f32([1]) },
      message: /bias: length 1 does not match n/,
    },
    {
      name: 'unknown activation',
      a,
      options: { ...shape, activation: 'relu' },
      message: /activation: expected 'none' or 'gelu', got the string "relu"/,
    },
    { name: 'fractional m', a, options: { ...shape, m: 1.5 }, message: /m: expected an integer, got 1.5/ },
    { name: 'negative m', a, options: { ...shape, m: -1 }, message: /m: must be at least 1, got -1/ },
  ])('$name', ({ a: left, b: right, options, message }) => {
    expect(() => matmulReference(left, right ?? b, options as never)).toThrow(message);
  });

  it('valid input: the product by hand, then bias and GELU', () => {
    expect([...matmulReference(a, b, shape)]).toEqual([58, 64, 139, 154]);
    const c = matmulReference(a, b, { ...shape, bias: f32([-60, -150]), activation: 'gelu' });
    [-2, -86, 79, 4].forEach((x, i) => {
      expect(c[i]).toBeCloseTo(gelu(x), 12);
    });
  });
});

describe('gemvReference validates like gemv()', () => {
  const qw = quantize(f32([1, 2, 3, 4, 5, 6]), { k: 2, n: 3, format: 'f32' });
  const x = f32([1, -1]);

  it.each([
    {
      name: 'x too short',
      x: f32([1]),
      options: { rows: 1 },
      message: /x: length 1 does not match rows × k/,
    },
    {
      name: 'more rows than x holds',
      x,
      options: { rows: 2 },
      message: /x: length 2 does not match rows × k = 2 × 2/,
    },
    {
      name: 'residual too short',
      x,
      options: { rows: 1, residual: f32([1, 1]) },
      message: /residual: length 2 does not match rows × n/,
    },
    {
      name: 'rows over the limit',
      x: new Float32Array(17 * 2),
      options: { rows: 17 },
      message: /rows: 17 exceeds the limit of 16/,
    },
    {
      name: 'unknown gate',
      x: new Float32Array(4),
      options: { rows: 1, gate: 'relu' },
      message: /gate: unknown activation "relu"; expected one of gelu, silu/,
    },
  ])('$name', ({ x: input, options, message }) => {
    expect(() => gemvReference(input, qw, options as never)).toThrow(message);
  });

  it('valid input: x · W (+ r), and the gated SiLU form, by hand', () => {
    expect([...gemvReference(x, qw, { rows: 1 })]).toEqual([-3, -3, -3]);
    expect([...gemvReference(x, qw, { rows: 1, residual: f32([1, 1, 1]) })]).toEqual([-2, -2, -2]);
    const silu1 = 1 / (1 + Math.exp(-1));
    expect(gemvReference(f32([0, 1, 5, 7]), qw, { rows: 1, gate: 'silu' })[0]).toBeCloseTo(silu1 * 7 * 4, 12);
  });
});

describe('attentionReference(q, k, v, shape) validates like attention()', () => {
  const shape = { heads: 1, seqQ: 1, seqK: 2, headDim: 1, causal: false, scale: 1 };
  const q = f32([1]);
  const k = f32([1, 0]);
  const v = f32([10, 20]);

  it.each([
    {
      name: 'q for fewer heads',
      shape: { ...shape, heads: 2 },
      message: /q: length 1 does not match heads × seqQ × headDim/,
    },
    {
      name: 'k for another seqK',
      shape: { ...shape, seqK: 3 },
      message: /k: length 2 does not match kvHeads × seqK × headDim/,
    },
    { name: 'headDim 0', shape: { ...shape, headDim: 0 }, message: /headDim: must be at least 1/ },
    {
      name: 'kvHeads over heads',
      shape: { ...shape, kvHeads: 3 },
      message: /kvHeads: 3 exceeds the limit of 1/,
    },
    {
      name: 'NaN scale',
      shape: { ...shape, scale: Number.NaN },
      message: /scale: expected a finite number, got NaN/,
    },
    {
      name: 'mask for another seqQ',
      shape: { ...shape, mask: blockMask.fromDense(new Uint8Array([1]), { blockSize: 4, seqQ: 2, seqK: 2 }) },
      message: /mask: built for seqQ=2, seqK=2 but the problem has seqQ=1, seqK=2/,
    },
  ])('$name', ({ shape: bad, message }) => {
    expect(() => attentionReference(q, k, v, bad)).toThrow(message);
  });

  it('valid input: softmax weights by hand', () => {
    const w0 = Math.E / (Math.E + 1);
    expect(attentionReference(q, k, v, shape)[0]).toBeCloseTo(10 * w0 + 20 * (1 - w0), 12);
  });
});

describe('topKApproximationError validates like attention()', () => {
  const dims = { heads: 2, seqQ: 12, seqK: 12, headDim: 4 };
  const q = seeded(2 * 12 * 4, 1);
  const k = seeded(2 * 12 * 4, 2);
  const v = seeded(2 * 12 * 4, 3);
  const input = { q, k, v, ...dims };
  const sparse = blockMask.slidingWindow({ blockSize: 4, seqQ: 12, seqK: 12 }, { window: 1 });

  it.each([
    {
      name: 'mask for another seqQ',
      input,
      mask: blockMask.slidingWindow({ blockSize: 4, seqQ: 8, seqK: 12 }, { window: 1 }),
      message: /mask: built for seqQ=8, seqK=12 but the problem has seqQ=12, seqK=12/,
    },
    {
      name: 'k and v for one KV head without kvHeads',
      input: { ...input, k: k.subarray(0, 48), v: v.subarray(0, 48) },
      message: /k: length 48 does not match kvHeads × seqK × headDim \(2 × 12 × 4\)/,
    },
    {
      name: 'kvHeads: 1 with k and v for two heads',
      input: { ...input, kvHeads: 1 },
      message: /k: length 96 does not match kvHeads × seqK × headDim \(1 × 12 × 4\)/,
    },
    { name: 'q too short', input: { ...input, q: q.subarray(1) }, message: /q: length 95 does not match/ },
    { name: 'heads 0', input: { ...input, heads: 0 }, message: /heads: must be at least 1, got 0/ },
    {
      name: 'NaN scale',
      input: { ...input, scale: Number.NaN },
      message: /scale: expected a finite number, got NaN/,
    },
  ])('$name', ({ input: bad, mask, message }) => {
    expect(() => topKApproximationError(bad, mask ?? sparse)).toThrow(message);
  });

  it.each<[string, () => unknown, RegExp]>([
    [
      'no mask (no perfect score from two full attentions)',
      () => topKApproximationError(input, undefined as unknown as BlockMask),
      /^topKApproximationError: mask: expected a BlockMask .*, got undefined$/,
    ],
    [
      'a plain layout for a mask',
      () => topKApproximationError(input, { layout: [1] } as unknown as BlockMask),
      /^mask: expected a BlockMask from blockMask.fromDense or another builder$/,
    ],
    [
      'attentionReference(null)',
      () => attentionReference(null as never),
      /^attentionReference: expected attention\(\)'s input .*, got null$/,
    ],
    [
      'null input',
      () => topKApproximationError(null as never, sparse),
      /^topKApproximationError: input: expected attention\(\)'s input .*, got null$/,
    ],
  ])('%s', (_name, call, message) => {
    expect(call).toThrow(message);
  });

  it('a mask passed through postMessage (a plain object) is taken, as attention() takes it', () => {
    expect(topKApproximationError(input, structuredClone(sparse))).toEqual(
      topKApproximationError(input, sparse),
    );
  });

  it('kvHeads is passed through: one shared KV head equals that head repeated', () => {
    const k1 = k.subarray(0, 48);
    const v1 = v.subarray(0, 48);
    const repeat = (a: Float32Array) => Float32Array.from([...a, ...a]);
    const grouped = topKApproximationError({ ...input, k: k1, v: v1, kvHeads: 1 }, sparse);
    const repeated = topKApproximationError({ ...input, k: repeat(k1), v: repeat(v1) }, sparse);
    expect(grouped.maxAbsErr).toBeGreaterThan(0);
    expect(grouped).toEqual(repeated);
  });

  it('valid input: zero for a dense mask, positive for a sparse one', () => {
    const dense = blockMask.fromDense(new Uint8Array(9).fill(1), { blockSize: 4, seqQ: 12, seqK: 12 });
    expect(topKApproximationError(input, dense)).toEqual({ maxAbsErr: 0, relativeL2: 0 });
    const error = topKApproximationError(input, sparse);
    expect(error.maxAbsErr).toBeGreaterThan(0);
    expect(error.relativeL2).toBeGreaterThan(0);
  });
});

describe('a misspelt field is refused, naming the field it resembles, as the GPU API refuses it', () => {
  const attention = {
    q: f32([1]),
    k: f32([1, 0]),
    v: f32([10, 20]),
    heads: 1,
    seqQ: 1,
    seqK: 2,
    headDim: 1,
  };
  const { q: _q, k: _k, v: _v, ...sizes } = attention;
  const shape = { ...sizes, causal: false, scale: 1 };
  const qw = quantize(f32([1, 2, 3, 4, 5, 6]), { k: 2, n: 3, format: 'f32' });
  const a = f32([1, 2, 3, 4, 5, 6]);

  it.each([
    {
      name: 'attentionReference(input)',
      call: () => attentionReference({ ...attention, casual: true } as never),
      message: /attentionReference input: unknown field 'casual' \(did you mean 'causal'\?\)/,
    },
    {
      name: 'attentionReference(q, k, v, shape)',
      call: () => attentionReference(attention.q, attention.k, attention.v, { ...shape, sclae: 2 } as never),
      message: /attentionReference shape: unknown field 'sclae' \(did you mean 'scale'\?\)/,
    },
    {
      name: 'topKApproximationError',
      call: () =>
        topKApproximationError(
          { ...attention, seqK: 2, kvheads: 1 } as never,
          blockMask.fromDense(new Uint8Array([1]), { blockSize: 4, seqQ: 1, seqK: 2 }),
        ),
      message: /topKApproximationError input: unknown field 'kvheads' \(did you mean 'kvHeads'\?\)/,
    },
    {
      name: 'matmulReference',
      call: () => matmulReference(a, a, { m: 2, k: 3, n: 2, activaton: 'gelu' } as never),
      message: /matmulReference options: unknown field 'activaton' \(did you mean 'activation'\?\)/,
    },
    {
      name: 'gemvReference',
      call: () => gemvReference(f32([1, 2]), qw, { rows: 1, gaet: 'silu' } as never),
      message: /gemvReference options: unknown field 'gaet' \(did you mean 'gate'\?\)/,
    },
    {
      name: 'quantize',
      call: () =>
        quantize(f32(new Array(64).fill(1)), { k: 64, n: 1, format: 'int4', groupsize: 64 } as never),
      message: /quantize options: unknown field 'groupsize' \(did you mean 'groupSize'\?\)/,
    },
    {
      name: 'dequantize',
      call: () => dequantize({ ...qw, scale: new Uint32Array(2) } as never),
      message: /qw: unknown field 'scale' \(did you mean 'scales'\?\)/,
    },
  ])('$name', ({ call, message }) => {
    expect(call).toThrow(message);
  });
});
