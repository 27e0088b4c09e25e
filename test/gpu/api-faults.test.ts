// The library API under bad input and faults: refused before any allocation, device loss reported,
// a fresh device works afterwards.

import { describe, expect, it, vi } from 'vitest';
import { attention, matmul } from '../../src/api.ts';
import { DeviceLostError, UnsupportedProblemError } from '../../src/gpu/errors.ts';
import { openGpu } from '../../src/gpu/open.ts';
import { blockMask } from '../../src/masks/index.ts';
import { randomArray, useGpu } from './gpu-harness.ts';

const good = () => ({
  q: randomArray(2 * 8 * 4, 1),
  k: randomArray(2 * 8 * 4, 2),
  v: randomArray(2 * 8 * 4, 3),
  heads: 2,
  seqQ: 8,
  seqK: 8,
  headDim: 4,
});

describe('attention() and matmul() refuse bad input before allocating', () => {
  const gpu = useGpu();

  it.each([
    ['heads', 0, /heads/],
    ['seqQ', -1, /seqQ/],
    ['seqK', 2.5, /seqK/],
    ['headDim', Number.NaN, /headDim/],
    ['headDim', 1e9, /headDim: 1000000000 exceeds the limit of 256/],
    ['q', new Float32Array(3), /q: length 3/],
    ['mask', blockMask.fromDense([1], { blockSize: 8, seqQ: 8, seqK: 7 }), /mask: built for/],
  ])('attention %s=%s', async (field, value, message) => {
    const createBuffer = vi.spyOn(gpu().device, 'createBuffer');
    try {
      await expect(attention(gpu(), { ...good(), [field]: value } as never)).rejects.toThrow(message);
      expect(createBuffer).not.toHaveBeenCalled();
    } finally {
      createBuffer.mockRestore();
    }
  });

  it('a device limit is named: seqK so long that K exceeds maxStorageBufferBindingSize', async () => {
    const limit = gpu().limits.maxStorageBufferBindingSize;
    const seqK = Math.floor(limit / 4 / 256) + 1;
    // The device's limits are checked before the arrays are read: these fake their length alone.
    const big = { length: seqK * 256 } as unknown as Float32Array;
    Object.setPrototypeOf(big, Float32Array.prototype);
    const problem = { ...good(), heads: 1, seqQ: 1, headDim: 256, q: new Float32Array(256), seqK };
    await expect(attention(gpu(), { ...problem, k: big, v: big })).rejects.toThrow(
      /k: .* exceeds this device's maxStorageBufferBindingSize/,
    );
  });

  it('an unknown kernel name lists the known ones', async () => {
    await expect(attention(gpu(), good(), { kernel: 'nope' })).rejects.toThrow(
      /unknown attention kernel 'nope'; expected 'auto' or one of .*unfused/,
    );
  });

  it('matmul with a wrong b length names b', async () => {
    await expect(
      matmul(gpu(), new Float32Array(6), new Float32Array(5), { m: 2, k: 3, n: 2 }),
    ).rejects.toThrow(/b: length 5 does not match k × n/);
  });

  it('UnsupportedProblemError carries the kernel and the reason', () => {
    const error = new UnsupportedProblemError('decode', 'seqQ 17 > 16');
    expect(error.message).toBe('decode: seqQ 17 > 16');
  });
});

describe('device loss', () => {
  it('calls after loss throw DeviceLostError; a fresh device works', async () => {
    const first = await openGpu();
    first.device.destroy();
    await first.device.lost;
    await expect(attention(first, good())).rejects.toBeInstanceOf(DeviceLostError);
    const second = await openGpu();
    try {
      const o = await attention(second, good());
      expect(o.every(Number.isFinite)).toBe(true);
    } finally {
      second.close();
    }
  });
});
