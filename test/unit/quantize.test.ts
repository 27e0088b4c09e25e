// The weight formats of the GEMV kernels (a contract: README "Weight formats"): f16 rounding, int8
// and int4 scales and rounding, short last groups, all-zero columns, the int4 range, the packing
// (bit positions and round trips), the bytes against shapes.ts, and bad input.

import { describe, expect, it } from 'vitest';
import { GEMV_MAX_ROWS, gemvLayout } from '../../src/kernels/gemv-common.ts';
import { validateGemv } from '../../src/kernels/gemv-validate.ts';
import {
  dequantize,
  f16Bits,
  f16Value,
  packedField,
  quantize,
  reader,
  scaleAt,
  toF16,
} from '../../src/kernels/quantize.ts';
import { gemvKernels } from '../../src/kernels/registry.ts';
import { INT4_GROUP_SIZES, matrixBytes, WEIGHT_FORMATS } from '../../src/model/shapes.ts';
import { gemvReference } from '../../src/reference/gemv.ts';
import { seededArray } from '../../src/util/random.ts';

describe('f16 rounding', () => {
  it.each([
    { value: 1, bits: 0x3c00 },
    { value: -2, bits: 0xc000 },
    { value: 0, bits: 0 },
    { value: -0, bits: 0x8000 },
    { value: 65504, bits: 0x7bff },
    { value: 65519.99, bits: 0x7bff },
    { value: 65520, bits: 0x7c00 },
    { value: 2 ** -14, bits: 0x0400 },
    { value: 2 ** -24, bits: 0x0001 },
    { value: 2 ** -25, bits: 0x0000, note: 'tie between 0 and the least subnormal: even (0)' },
    { value: 3 * 2 ** -25, bits: 0x0002, note: 'tie between subnormals 1 and 2: even (2)' },
    { value: 1 + 2 ** -11, bits: 0x3c00, note: 'tie: even mantissa (down)' },
    { value: 1 + 3 * 2 ** -11, bits: 0x3c02, note: 'tie: even mantissa (up)' },
    { value: 1 + 2 ** -11 + 2 ** -20, bits: 0x3c01, note: 'just above a tie: up' },
    { value: 2047.5, bits: 0x6800, note: 'tie at the top of a binade rounds into the next' },
  ])('$value → 0x$bits', ({ value, bits }) => {
    expect(f16Bits(value)).toBe(bits);
  });

  it('every finite f16 survives value → bits → value', () => {
    const wrong: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) !== 0x7c00 && f16Bits(f16Value(bits)) !== bits) wrong.push(bits);
    }
    expect(wrong).toEqual([]);
  });

  it('NaN and infinities', () => {
    expect(Number.isNaN(f16Value(f16Bits(Number.NaN)))).toBe(true);
    expect(f16Value(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(toF16(-1e9)).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('int8: one f16 scale per column', () => {
  it('scale f16(max|w| / 127), round half to even, all-zero column scale 1', () => {
    // k = 4, n = 3; column 0 peaks at 2.54, column 1 is zero, column 2 holds exact ties of s = 1.
    const w = new Float32Array([2.54, 0, 127, -1, 0, 2.5, 0.5, 0, -3.5, 0, 0, -126.5]);
    const qw = quantize(w, { k: 4, n: 3, format: 'int8' });
    expect(scaleAt(qw, 0, 0)).toBe(toF16(2.54 / 127));
    expect(scaleAt(qw, 0, 1)).toBe(1);
    expect(scaleAt(qw, 0, 2)).toBe(1);
    const s0 = toF16(2.54 / 127);
    expect(packedField(qw, 0, 0)).toBe(Math.round(2.54 / s0));
    expect(packedField(qw, 1, 0)).toBe(Math.round(-1 / s0));
    expect([0, 1, 2, 3].map((i) => packedField(qw, i, 1))).toEqual([0, 0, 0, 0]);
    expect([0, 1, 2, 3].map((i) => packedField(qw, i, 2))).toEqual([127, 2, -4, -126]);
    expect(dequantize(qw)[3 * 3 + 2]).toBe(-126);
  });

  it('the column peak maps to ±127 when the f16 scale rounds below max / 127', () => {
    const max = 1; // f16(1 / 127) < 1 / 127, so max / s is a little over 127
    expect(toF16(max / 127)).toBeLessThan(max / 127);
    const qw = quantize(new Float32Array([max, -max]), { k: 2, n: 1, format: 'int8' });
    expect([packedField(qw, 0, 0), packedField(qw, 1, 0)]).toEqual([127, -127]);
  });

  it('packs 4 consecutive k of one column per word, byte t = k 4m + t', () => {
    const w = new Float32Array([1, 2, 3, 4, -1, -2, 127]); // k = 7, n = 1: scale 1
    const qw = quantize(w, { k: 7, n: 1, format: 'int8' });
    expect(gemvLayout(qw)).toMatchObject({ kPadded: 8, nPadded: 4, wordRows: 2 });
    expect(qw.weights[0]).toBe(0x04030201);
    expect(qw.weights[1]).toBe(0); // padding column
    expect(qw.weights[4]).toBe(0x007f_feff); // word row 1, column 0: −1, −2, 127, 0
    expect(qw.scales?.[0]).toBe(0x3c00_3c00); // columns 0 and 1 (padding scales are 1)
  });
});

describe('int4: one f16 scale per group of k in a column', () => {
  it('nibble t of a word is k 8m + t; scale f16(max / 7); half to even', () => {
    const values = [0, 1, 2, 2.5, 3.5, -2.5, -7, 7]; // max 7: s = 1
    const qw = quantize(new Float32Array(values), { k: 8, n: 1, format: 'int4' });
    expect(scaleAt(qw, 0, 0)).toBe(1);
    expect(qw.weights[0]).toBe(0x79e4_2210);
    expect([...dequantize(qw)]).toEqual([0, 1, 2, 2, 4, -2, -7, 7]);
  });

  it.each(INT4_GROUP_SIZES)('short last group (k = 2·%i + 5) has its own scale', (groupSize) => {
    const k = 2 * groupSize + 5;
    const n = 3;
    const w = seededArray(k * n, 7);
    for (let j = 0; j < n; j++) w[(k - 1) * n + j] = 0.01 * (j + 1); // the short group's peak is small
    for (let i = 2 * groupSize; i < k - 1; i++) for (let j = 0; j < n; j++) w[i * n + j] *= 0.001;
    const qw = quantize(w, { k, n, format: 'int4', groupSize });
    expect(gemvLayout(qw).scaleRows).toBe(3);
    for (let j = 0; j < n; j++) {
      let max = 0;
      for (let i = 2 * groupSize; i < k; i++) max = Math.max(max, Math.abs(w[i * n + j]));
      expect(scaleAt(qw, k - 1, j)).toBe(toF16(max / 7));
      expect(packedField(qw, k - 1, j)).toBe(7);
    }
  });

  it('an all-zero group gets scale 1 and q 0, beside a non-zero one', () => {
    const w = new Float32Array(64).fill(0);
    w[40] = 0.7; // k = 40 of one column: group 1
    const qw = quantize(w, { k: 64, n: 1, format: 'int4', groupSize: 32 });
    expect(scaleAt(qw, 0, 0)).toBe(1);
    expect(scaleAt(qw, 40, 0)).toBe(toF16(0.1));
    expect(dequantize(qw)[40]).toBe(7 * toF16(0.1));
    expect([...dequantize(qw)].filter((v) => v !== 0)).toHaveLength(1);
  });

  it('decodes the whole range −8 … 7 (−8 is never produced, but is a valid nibble)', () => {
    const qw = quantize(new Float32Array(8).fill(0), { k: 8, n: 1, format: 'int4' });
    qw.weights[0] = 0x8f07_1234; // nibbles 4 3 2 1 7 0 −1 −8
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => packedField(qw, i, 0))).toEqual([4, 3, 2, 1, 7, 0, -1, -8]);
    expect([...dequantize(qw)]).toEqual([4, 3, 2, 1, 7, 0, -1, -8]);
  });

  it('never produces −8 from data (|w / s| ≤ 7 · (1 + 2⁻¹¹))', () => {
    const w = seededArray(64 * 16, 3, -5, 5);
    const qw = quantize(w, { k: 64, n: 16, format: 'int4' });
    for (let i = 0; i < 64; i++)
      for (let j = 0; j < 16; j++) expect(packedField(qw, i, j)).toBeGreaterThanOrEqual(-7);
  });
});

describe('packing round trips', () => {
  it.each([
    { k: 97, n: 3 },
    { k: 200, n: 1 },
    { k: 257, n: 129 },
  ])('k=$k n=$n: f32 exact, f16 exact to f16, int8/int4 within half a step', ({ k, n }) => {
    const w = seededArray(k * n, k + n);
    expect(dequantize(quantize(w, { k, n, format: 'f32' }))).toEqual(w);
    expect(dequantize(quantize(w, { k, n, format: 'f16' }))).toEqual(Float32Array.from(w, toF16));
    for (const format of ['int8', 'int4'] as const) {
      const qw = quantize(w, { k, n, format });
      const back = dequantize(qw);
      const read = reader(qw);
      let worst = 0; // error in units of the element's step s, less half a step (≤ 0 expected)
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < n; j++) {
          const s = read.scale(i, j);
          worst = Math.max(worst, Math.abs(back[i * n + j] - w[i * n + j]) / s - 0.5 - 2 ** -10);
        }
      }
      expect(worst).toBeLessThanOrEqual(0);
    }
  });

  it.each(WEIGHT_FORMATS)('%s: bytes equal matrixBytes when n % 4 == 0 and k % 8 == 0', (format) => {
    for (const groupSize of format === 'int4' ? INT4_GROUP_SIZES : [undefined]) {
      const layout = gemvLayout({ k: 12288, n: 36864, format, groupSize });
      expect(layout.weightBytes + layout.scaleBytes).toBe(matrixBytes(12288, 36864, format, groupSize));
    }
  });

  it.each(Object.keys(gemvKernels))(
    '%s cost: matrixBytes + x + y (+ r; 2k of x when gated), 2·rows·k·n FLOPs',
    (name) => {
      const format = name === 'gemv-f16-native' ? 'f16' : (name.slice(5) as (typeof WEIGHT_FORMATS)[number]);
      const p = { k: 4096, n: 12288, rows: 3, format };
      const weights = matrixBytes(4096, 12288, format);
      expect(gemvKernels[name].cost(p)).toEqual({
        bytes: weights + 4 * 3 * (4096 + 12288),
        flops: 2 * 3 * 4096 * 12288,
      });
      expect(gemvKernels[name].cost({ ...p, residual: true, gate: 'silu' }).bytes).toBe(
        weights + 4 * 3 * (2 * 4096 + 2 * 12288),
      );
    },
  );

  it('the reference is x · dequantize(W) (+ r), gated act(a) · b', () => {
    const qw = quantize(new Float32Array([1, 2, 3, 4, 5, 6]), { k: 2, n: 3, format: 'f32' });
    const x = new Float32Array([1, -1]);
    expect([...gemvReference(x, qw, { rows: 1 })]).toEqual([-3, -3, -3]);
    expect([...gemvReference(x, qw, { rows: 1, residual: new Float32Array([1, 1, 1]) })]).toEqual([
      -2, -2, -2,
    ]);
    const g = new Float32Array([0, 1, 5, 7]); // silu(0) · 5 = 0, silu(1) · 7
    const silu1 = 1 / (1 + Math.exp(-1));
    const y = gemvReference(g, qw, { rows: 1, gate: 'silu' });
    expect(y[0]).toBeCloseTo(silu1 * 7 * 4, 12);
  });
});

describe('bad input names the field and the limit', () => {
  const w = new Float32Array(12);
  it.each([
    {
      options: { k: 3, n: 4, format: 'int2' },
      message: /format: unknown weight format "int2"; expected one of f32, f16, int8, int4/,
    },
    {
      options: { k: 3, n: 4, format: 'int4', groupSize: 16 },
      message: /groupSize: 16 is not offered; expected one of 32, 64, 128/,
    },
    { options: { k: 3, n: 4, format: 'int8', groupSize: 32 }, message: /groupSize: only int4 has groups/ },
    { options: { k: 0, n: 4, format: 'f32' }, message: /k: must be at least 1/ },
    { options: { k: 4, n: 4, format: 'f32' }, message: /w: length 12 does not match k × n = 4 × 4 = 16/ },
  ])('$message', ({ options, message }) => {
    expect(() => quantize(w, options as never)).toThrow(message);
  });

  it('non-finite and out-of-range weights', () => {
    expect(() => quantize(new Float32Array([1, Number.NaN]), { k: 2, n: 1, format: 'int8' })).toThrow(
      /w: element 1 is NaN/,
    );
    expect(() => quantize(new Float32Array([70000]), { k: 1, n: 1, format: 'f16' })).toThrow(
      /largest value 65504/,
    );
    expect(() => quantize(new Float32Array([1e7]), { k: 1, n: 1, format: 'int4' })).toThrow(
      /over the f16 limit of 65504/,
    );
  });

  const qw = quantize(seededArray(40 * 5, 1), { k: 40, n: 5, format: 'int4' });
  const x = new Float32Array(40);
  it.each([
    { x, qw, options: { rows: 0 }, message: /rows: must be at least 1/ },
    { x, qw, options: { rows: GEMV_MAX_ROWS + 1 }, message: /rows: 17 exceeds the limit of 16/ },
    { x, qw, options: { rows: 1.5 }, message: /rows: expected an integer/ },
    {
      x: new Float32Array(39),
      qw,
      options: { rows: 1 },
      message: /x: length 39 does not match rows × k = 1 × 40 = 40/,
    },
    { x, qw, options: { rows: 1, gate: 'gelu' }, message: /x: length 40 does not match rows × 2k/ },
    { x, qw, options: { rows: 1, gate: 'relu' }, message: /gate: unknown activation "relu"/ },
    {
      x,
      qw,
      options: { rows: 1, residual: new Float32Array(4) },
      message: /residual: length 4 does not match rows × n/,
    },
    {
      x,
      qw: { ...qw, weights: qw.weights.subarray(1) },
      options: { rows: 1 },
      message: /qw.weights: length/,
    },
    {
      x,
      qw: { ...qw, scales: undefined },
      options: { rows: 1 },
      message: /qw.scales: expected a Uint32Array/,
    },
    { x, qw: { ...qw, format: 'int3' }, options: { rows: 1 }, message: /qw.format: unknown weight format/ },
    { x, qw: { ...qw, groupSize: 48 }, options: { rows: 1 }, message: /groupSize: 48 is not offered/ },
  ])('gemv: $message', ({ x, qw, options, message }) => {
    expect(() => validateGemv(x, qw, options)).toThrow(message);
  });
});
