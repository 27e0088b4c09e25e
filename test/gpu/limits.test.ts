// Sizes beyond the device's limits, through the library API and the decode step: an Error naming the
// buffer and the limit, thrown before anything is allocated. The real adapter, seen through a view
// whose limits are lowered (so the sizes stay small) and whose allocations are counted.

import { describe, expect, it } from 'vitest';
import { gemv } from '../../src/api.ts';
import type { Gpu } from '../../src/gpu/gpu.ts';
import { quantize } from '../../src/kernels/quantize.ts';
import { planDecodeStep } from '../../src/model/decode-plan.ts';
import { createDecodeStep } from '../../src/model/decode-step.ts';
import { randomArray, useGpu } from './gpu-harness.ts';

/** The device with some limits lowered; allocations through it counted. */
function limited(gpu: Gpu, lower: Partial<Record<'maxBufferSize' | 'maxStorageBufferBindingSize', number>>) {
  let allocations = 0;
  const limits = new Proxy(gpu.limits, {
    get: (target, key) =>
      key in lower ? lower[key as keyof typeof lower] : Reflect.get(target, key, target),
  });
  const counted = new Set(['buffer', 'upload', 'uniform']);
  const view = new Proxy(gpu, {
    get(target, key) {
      if (key === 'limits') return limits;
      const value = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (counted.has(String(key))) allocations++;
        return value.apply(view, args);
      };
    },
  });
  return { gpu: view as Gpu, allocations: () => allocations };
}

describe('sizes beyond the device limits', () => {
  const gpu = useGpu();

  it('gemv: weights over maxBufferSize name the limit; nothing allocated', async () => {
    const qw = quantize(randomArray(64 * 64, 3), { k: 64, n: 64, format: 'f32' });
    const x = randomArray(64, 4);
    const small = limited(gpu(), { maxBufferSize: 8 * 1024 });
    await expect(gemv(small.gpu, x, qw, { rows: 1, kernel: 'gemv-f32' })).rejects.toThrow(
      /gemv-f32 weights: 16\.0 KiB in one buffer, over this device's maxBufferSize of 8\.0 KiB/,
    );
    expect(small.allocations()).toBe(0);
    // Control: the same call under the device's own limits runs (and allocates).
    const own = limited(gpu(), {});
    const y = await gemv(own.gpu, x, qw, { rows: 1, kernel: 'gemv-f32' });
    expect(y.length).toBe(64);
    expect(own.allocations()).toBeGreaterThan(0);
  });

  it.each([
    {
      what: 'a weight matrix over maxBufferSize',
      lower: { maxBufferSize: 64 * 1024 },
      message:
        /decodeStep qkv weights \(256 × 512 f16\): need 256\.0 KiB in one buffer, over this device's maxBufferSize of 64\.0 KiB \(measure a tensor-parallel slice: a larger tp\)/,
    },
    {
      what: 'the KV cache over one binding',
      lower: { maxStorageBufferBindingSize: 16 * 1024 },
      message:
        /decodeStep KV cache \(batch × kvHeads × context × headDim f16\): needs 64\.0 KiB in one buffer, over this device's maxStorageBufferBindingSize\/maxBufferSize of 16\.0 KiB/,
    },
  ])('decode step: $what names the limit; nothing allocated', async ({ lower, message }) => {
    const plan = planDecodeStep({ model: 'test', format: 'f16', context: 256, batch: 1 });
    const small = limited(gpu(), lower);
    await expect(createDecodeStep(small.gpu, plan)).rejects.toThrow(message);
    expect(small.allocations()).toBe(0);
  });
});
