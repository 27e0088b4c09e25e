// Input validation of attention() and matmul(): each bad field gets a message naming it.

import { describe, expect, it } from 'vitest';
import { BlockMask } from '../../src/kernels/block-mask.ts';
import { validateAttention, validateMatmul } from '../../src/kernels/validate.ts';
import { blockMask } from '../../src/masks/index.ts';
import { smallAttentionInput } from './attention-input-fixture.ts';

const base = smallAttentionInput;

describe('validateAttention', () => {
  it('control: a valid problem gets the default scale 1/√headDim', () => {
    const p = validateAttention(base());
    expect(p.scale).toBe(0.5);
    expect(p.causal).toBe(false);
  });

  it.each([
    ['heads', 0, /heads: must be at least 1/],
    ['heads', -2, /heads: must be at least 1/],
    ['heads', 1.5, /heads: expected an integer/],
    ['heads', Number.NaN, /heads: expected a positive integer/],
    ['heads', '2', /heads: expected a positive integer, got the string/],
    ['seqQ', 2 ** 25, /seqQ: 33554432 exceeds the limit of 16777216/],
    ['seqK', Number.POSITIVE_INFINITY, /seqK: expected a positive integer/],
    ['headDim', 512, /headDim: 512 exceeds the limit of 256/],
    ['headDim', undefined, /headDim: expected a positive integer, got undefined/],
    ['q', new Float32Array(5), /q: length 5 does not match heads × seqQ × headDim \(2 × 3 × 4\) = 24/],
    ['k', new Float64Array(40), /k: expected a Float32Array, got Float64Array/],
    ['v', [1, 2, 3], /v: expected a Float32Array/],
    ['scale', Number.NaN, /scale: expected a finite number/],
    ['causal', 'yes', /causal: expected true or false/],
  ])('%s = %s is refused', (field, value, message) => {
    expect(() => validateAttention({ ...base(), [field]: value } as never)).toThrow(message);
  });

  it('kvHeads: K and V hold kvHeads heads (grouped-query attention)', () => {
    const p = validateAttention({
      ...base(),
      heads: 4,
      kvHeads: 2,
      q: new Float32Array(4 * 3 * 4),
      k: new Float32Array(2 * 5 * 4),
      v: new Float32Array(2 * 5 * 4),
    });
    expect(p.kvHeads).toBe(2);
    expect(validateAttention(base()).kvHeads).toBeUndefined();
    expect(validateAttention({ ...base(), kvHeads: 2 }).kvHeads).toBeUndefined();
  });

  it.each([
    [0, /kvHeads: must be at least 1/],
    [1.5, /kvHeads: expected an integer/],
    [3, /kvHeads: 3 exceeds the limit of 2/],
    ['2', /kvHeads: expected a positive integer/],
  ])('kvHeads = %s is refused', (kvHeads, message) => {
    expect(() => validateAttention({ ...base(), kvHeads } as never)).toThrow(message);
  });

  it('kvHeads must divide heads, and K/V lengths follow kvHeads', () => {
    const three = { ...base(), heads: 3, q: new Float32Array(3 * 3 * 4) };
    expect(() => validateAttention({ ...three, kvHeads: 2 })).toThrow(
      /kvHeads: must divide heads \(3\), got 2/,
    );
    expect(() => validateAttention({ ...base(), kvHeads: 1 })).toThrow(
      /k: length 40 does not match kvHeads × seqK × headDim \(1 × 5 × 4\) = 20/,
    );
  });

  it('a mask built for another shape is refused', () => {
    const mask = blockMask.fromDense(new Uint8Array(4), { blockSize: 2, seqQ: 4, seqK: 3 });
    expect(() => validateAttention({ ...base(), mask })).toThrow(
      /mask: built for seqQ=4, seqK=3 but the problem has seqQ=3, seqK=5/,
    );
  });

  const shape = { blockSize: 2, seqQ: 3, seqK: 5 }; // 2 × 3 blocks

  it('a mask sent through postMessage (a plain object) is rebuilt from its layout', () => {
    const mask = blockMask.fromDense([1, 0, 1, 1, 1, 0], shape);
    const problem = validateAttention({ ...base(), mask: structuredClone(mask) });
    expect(problem.mask).toBeInstanceOf(BlockMask);
    expect(problem.mask?.density).toBe(mask.density);
    expect([...(problem.mask?.rowPtr ?? [])]).toEqual([...mask.rowPtr]);
    expect([...(problem.mask?.colIndex ?? [])]).toEqual([...mask.colIndex]);
  });

  it('a mask written after it was built is read as it is now, and pinned for the call', () => {
    const mask = blockMask.fromDense([1, 1, 1, 1, 1, 1], shape);
    mask.layout[1] = 0;
    const problem = validateAttention({ ...base(), mask });
    expect([...(problem.mask?.rowPtr ?? [])]).toEqual([0, 2, 5]);
    expect([...(problem.mask?.colIndex ?? [])]).toEqual([0, 2, 0, 1, 2]);
    mask.layout[0] = 0;
    expect(problem.mask?.layout[0]).toBe(1);
  });

  it.each([
    [
      { layout: new Uint8Array(6), seqQ: 3, seqK: 5 },
      /mask.blockSize: expected a positive integer, got undefined/,
    ],
    [
      { ...structuredClone(blockMask.fromDense([1, 1, 1, 1, 1, 1], shape)), layout: new Uint8Array(5) },
      /mask.layout: length 5 does not fit/,
    ],
    [
      { blockSize: 2, layout: new Uint8Array([1, 3, 1, 1, 1, 1]), seqQ: 3, seqK: 5 },
      /mask.layout\[1\]: expected 0 or 1, got 3/,
    ],
  ])('a hand-written mask %# is checked like a built one', (mask, message) => {
    expect(() => validateAttention({ ...base(), mask: mask as never })).toThrow(message);
  });

  it('a buffer over the device limit names the limit', () => {
    expect(() =>
      validateAttention(base(), { maxStorageBufferBindingSize: 64, maxBufferSize: 1 << 30 }),
    ).toThrow(/q: 96 B exceeds this device's maxStorageBufferBindingSize of 64 B/);
  });
});

describe('validateMatmul', () => {
  const a = new Float32Array(6);
  const b = new Float32Array(12);
  it('control', () => {
    expect(validateMatmul(a, b, { m: 2, k: 3, n: 4 })).toEqual({
      m: 2,
      k: 3,
      n: 4,
      bias: false,
      activation: 'none',
    });
  });
  it.each([
    [{ m: 0, k: 3, n: 4 }, /m: must be at least 1/],
    [{ m: 2, k: 3.5, n: 4 }, /k: expected an integer/],
    [{ m: 2, k: 3, n: 5 }, /b: length 12 does not match k × n \(3 × 5\) = 15/],
    [{ m: 2, k: 3, n: 4, bias: new Float32Array(3) }, /bias: length 3 does not match n \(4\) = 4/],
    [{ m: 2, k: 3, n: 4, activation: 'relu' }, /activation: expected 'none' or 'gelu'/],
  ])('%j is refused', (options, message) => {
    expect(() => validateMatmul(a, b, options as never)).toThrow(message);
  });
});

describe('blockMask.fromDense', () => {
  it('builds CSR and density from a layout', () => {
    const m = blockMask.fromDense([1, 0, 1, 1, 1, 0], { blockSize: 4, seqQ: 8, seqK: 10 });
    expect([...m.rowPtr]).toEqual([0, 2, 4]);
    expect([...m.colIndex]).toEqual([0, 2, 0, 1]);
    expect(m.density).toBeCloseTo(4 / 6);
    expect(m.allows(5, 6)).toBe(true);
    expect(m.allows(0, 5)).toBe(false);
  });
  it.each([
    [[1, 1, 1], { blockSize: 4, seqQ: 8, seqK: 10 }, /mask.layout: length 3 does not fit .* 2 × 3 = 6/],
    [[1, 2, 1, 1, 1, 1], { blockSize: 4, seqQ: 8, seqK: 10 }, /mask.layout\[1\]: expected 0 or 1, got 2/],
    [[1], { blockSize: 0, seqQ: 8, seqK: 10 }, /mask.blockSize: expected a positive integer, got 0/],
    [[1], { blockSize: 4, seqQ: -1, seqK: 10 }, /mask.seqQ: expected a positive integer/],
    [
      [1],
      { blockSize: 1, seqQ: 1e6, seqK: 1e6 },
      /mask: ceil\(seqQ\/blockSize\) × ceil\(seqK\/blockSize\) = 1000000000000 blocks exceeds the limit of 67108864/,
    ],
  ])('%j with %j is refused', (layout, shape, message) => {
    expect(() => blockMask.fromDense(layout, shape)).toThrow(message);
  });

  it('a builder refuses a mask too large to hold before allocating it', () => {
    expect(() => blockMask.causal({ blockSize: 1, seqQ: 1e6, seqK: 1e6 })).toThrow(
      /blocks exceeds the limit of 67108864 \(seqQ 1000000, seqK 1000000, blockSize 1: use larger blocks\)/,
    );
  });
});
