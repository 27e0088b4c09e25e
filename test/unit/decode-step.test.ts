// The decode step's plan and byte arithmetic (no GPU): bad input names the field and the limit,
// tensor-parallel slices, kept KV blocks, and the bytes per token op by op from the model shapes.

import { describe, expect, it } from 'vitest';
import { lmHeadSlices } from '../../src/measure/lm-head.ts';
import { fittingTp, layersToCycle, modelCases } from '../../src/measure/model-suite.ts';
import {
  type DecodeStepOptions,
  keptBlocks,
  keyRowsRead,
  planDecodeStep,
  sliceShape,
  stepBytes,
  tpChoices,
} from '../../src/model/decode-plan.ts';
import { layerWeightBytes, matrixBytes, models } from '../../src/model/shapes.ts';
import { q4At, q8At, streamKey, valueAt } from '../../src/model/synthetic.ts';
import { lmHeadSpec, matrixSpecs, weightAt } from '../../src/model/weights.ts';

const BASE: DecodeStepOptions = { model: 'test', format: 'f16', context: 64, batch: 1 };

describe('planDecodeStep: bad input throws naming the field and the limit', () => {
  it.each([
    {
      change: { model: 'gpt-5' },
      message: /decodeStep\.model: unknown model 'gpt-5'; expected one of glm-130b, llama-3-8b, test/,
    },
    {
      change: { format: 'int3' },
      message: /decodeStep\.format: unknown weight format 'int3'; expected one of f32, f16, int8, int4/,
    },
    {
      change: { format: 'int4', groupSize: 48 },
      message: /decodeStep\.groupSize: expected one of 32, 64, 128, got 48/,
    },
    {
      change: { context: 513 },
      message: /decodeStep\.context: expected a whole number from 1 to 512, got 513/,
    },
    {
      change: { model: 'glm-130b', context: 4096 },
      message: /context: expected a whole number from 1 to 2048, got 4096/,
    },
    { change: { batch: 0 }, message: /decodeStep\.batch: expected a whole number from 1 to 16, got 0/ },
    { change: { batch: 17 }, message: /batch: expected a whole number from 1 to 16, got 17/ },
    { change: { tp: 3 }, message: /decodeStep\.tp: 3 does not divide test's heads \(4\)/ },
    {
      change: { kv: 'sparse' },
      message: /decodeStep\.kvDensity: expected a fraction above 0 and at most 1, got undefined/,
    },
    {
      change: { kv: 'sparse', kvDensity: 1.5 },
      message: /kvDensity: expected a fraction above 0 and at most 1, got 1\.5/,
    },
    {
      change: { kvCache: 'int8' },
      message: /decodeStep\.kvCache: expected 'f16' or 'f32', got 'int8'/,
    },
    {
      change: { layersCycled: 0 },
      message: /decodeStep\.layersCycled: expected a whole number from 1 to 256, got 0/,
    },
  ])('$message', ({ change, message }) => {
    expect(() => planDecodeStep({ ...BASE, ...change } as DecodeStepOptions)).toThrow(message);
  });

  it('control: valid options resolve their defaults', () => {
    const plan = planDecodeStep(BASE);
    expect(plan).toMatchObject({ tp: 1, kv: 'dense', layersCycled: 1, blockSize: 64, context: 64, batch: 1 });
    expect(plan.groupSize).toBeUndefined();
    expect(planDecodeStep({ ...BASE, format: 'int4' }).groupSize).toBe(32);
    expect(planDecodeStep({ ...BASE, model: 'llama-3-8b' }).ropeBase).toBe(500000);
  });
});

describe('tensor-parallel slices', () => {
  it('divide heads, KV heads and the FFN width, keeping hidden', () => {
    const slice = sliceShape(models['glm-130b'], 32);
    expect(slice).toMatchObject({ hidden: 12288, heads: 3, kvHeads: 3, ffn: 1024, headDim: 128, layers: 70 });
    expect(sliceShape(models['llama-3-8b'], 8)).toMatchObject({
      hidden: 4096,
      heads: 4,
      kvHeads: 1,
      ffn: 1792,
    });
  });

  it('the offered tp values divide all three', () => {
    expect(tpChoices(models['llama-3-8b'])).toEqual([1, 2, 4, 8]);
    expect(tpChoices(models['glm-130b'])).toEqual(
      [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 96].filter((t) => 32768 % t === 0),
    );
  });

  it('a slice holds 1/tp of the layer weights', () => {
    const full = layerWeightBytes(models['glm-130b'], 'f16');
    expect(layerWeightBytes(sliceShape(models['glm-130b'], 8), 'f16')).toBe(full / 8);
  });
});

describe('kept KV blocks', () => {
  it.each([
    { context: 2048, density: 0.6, blocks: 32, kept: 19 },
    { context: 2048, density: 0.25, blocks: 32, kept: 8 },
    { context: 100, density: 0.1, blocks: 2, kept: 2 },
    { context: 2048, density: 1, blocks: 32, kept: 32 },
  ])(
    'context $context keeping $density: $kept of $blocks, first and last always',
    ({ context, density, blocks, kept }) => {
      const plan = planDecodeStep({ ...BASE, model: 'glm-130b', context, kv: 'sparse', kvDensity: density });
      const layout = keptBlocks(plan);
      expect(layout.length).toBe(blocks);
      expect(layout.reduce((a, b) => a + b, 0)).toBe(kept);
      expect(layout[0]).toBe(1);
      expect(layout[blocks - 1]).toBe(1);
    },
  );

  it('dense reads every row; sparse the rows of kept blocks (the last one short)', () => {
    expect(keyRowsRead(planDecodeStep({ ...BASE, context: 100 }))).toBe(100);
    expect(keyRowsRead(planDecodeStep({ ...BASE, context: 100, kv: 'sparse', kvDensity: 0.1 }))).toBe(100);
    // 16 blocks, 4 kept: the first, two inside (64 rows each) and the last (1000 − 15·64 = 40 rows).
    expect(
      keyRowsRead(
        planDecodeStep({ ...BASE, model: 'glm-130b', context: 1000, kv: 'sparse', kvDensity: 0.25 }),
      ),
    ).toBe(3 * 64 + 40);
  });
});

describe('bytes per token of one layer', () => {
  it('weights in the format, KV rows read (f16 cache), activations: test shape, f16, batch 1', () => {
    const plan = planDecodeStep({ ...BASE, context: 64 });
    const s = models.test;
    const bytes = stepBytes(plan);
    const weights =
      matrixBytes(256, 512, 'f16') +
      matrixBytes(256, 256, 'f16') +
      matrixBytes(256, 688, 'f16') +
      matrixBytes(344, 256, 'f16');
    expect(bytes.weights).toBe(weights);
    expect(bytes.weights).toBe(layerWeightBytes(s, 'f16'));
    // f16 weights keep an f16 cache: 2 bytes per K or V value read and appended.
    expect(plan.kvCache).toBe('f16');
    expect(bytes.kvRead).toBe(2 * 2 * 2 * 64 * 64);
    const activations =
      4 * (2 * 256 + 256) * 2 +
      4 * (256 + 512) +
      (4 * (512 + 256 + 64) + 2 * (2 * 2 * 64)) +
      4 * 2 * 256 +
      4 * (256 + 512) +
      4 * (256 + 688) +
      4 * (688 + 512);
    expect(bytes.total).toBe(weights + bytes.kvRead + activations);
    expect(bytes.ops.map((o) => o.op)).toEqual([
      'norm',
      'qkv',
      'rope-append',
      'attention',
      'out',
      'norm2',
      'up',
      'down',
    ]);
  });

  it('an f32 cache (f32 weights, or asked for) moves 4 bytes per K/V value', () => {
    const f16 = stepBytes(planDecodeStep({ ...BASE, context: 64 }));
    const f32 = stepBytes(planDecodeStep({ ...BASE, context: 64, kvCache: 'f32' }));
    expect(planDecodeStep({ ...BASE, format: 'f32' }).kvCache).toBe('f32');
    expect(planDecodeStep({ ...BASE, format: 'int4' }).kvCache).toBe('f16');
    expect(f32.kvRead).toBe(2 * f16.kvRead);
    const rope = (b: typeof f16) => b.ops.find((o) => o.op === 'rope-append')?.bytes;
    expect(rope(f32)).toBe(4 * (2 * 512 + 64));
    expect(f32.total - f16.total).toBe(f16.kvRead + 2 * (2 * 2 * 64));
  });

  it('a standalone gate pass adds its traffic', () => {
    const plan = planDecodeStep(BASE);
    const fused = stepBytes(plan, true);
    const unfused = stepBytes(plan, false);
    expect(unfused.ops.map((o) => o.op)).toContain('gate');
    expect(unfused.total - fused.total).toBe(4 * 344 * 2);
  });

  it('GLM-130B int4 at 2048 tokens: weights dominate', () => {
    const bytes = stepBytes(planDecodeStep({ model: 'glm-130b', format: 'int4', context: 2048, batch: 1 }));
    expect(bytes.weights).toBe(layerWeightBytes(models['glm-130b'], 'int4', 32));
    expect(bytes.kvRead).toBe(2 * 2 * 96 * 2048 * 128);
    expect(bytes.weights / bytes.total).toBeGreaterThan(0.8);
  });
});

describe('synthetic weights: the CPU twin', () => {
  it('weights have scale about 1/sqrt(k) and quantised formats stay in range', () => {
    const [qkv] = matrixSpecs(models.test, 'f16', 1, 0);
    let sq = 0;
    for (let j = 0; j < qkv.n; j++) sq += weightAt(qkv, 3, j) ** 2;
    const rms = Math.sqrt(sq / qkv.n);
    expect(rms).toBeGreaterThan(0.3 / Math.sqrt(qkv.k));
    expect(rms).toBeLessThan(2 / Math.sqrt(qkv.k));
    const key = streamKey(1, 'q');
    for (let e = 0; e < 1000; e++) {
      expect(Math.abs(q8At(key, e))).toBeLessThanOrEqual(127);
      expect(q4At(key, e)).toBeGreaterThanOrEqual(-8);
      expect(q4At(key, e)).toBeLessThanOrEqual(7);
      expect(Math.abs(valueAt(key, 15, e))).toBeLessThan(2);
    }
  });

  it('int4 weights share one scale per group of k in a column', () => {
    const [, , , down] = matrixSpecs(models.test, 'int4', 1, 0, 32);
    const ratio = (i: number) => weightAt(down, i, 5) / q4At(down.key, i * down.n + 5);
    const scales = [0, 31, 32, 63].map((i) => (q4At(down.key, i * down.n + 5) === 0 ? Number.NaN : ratio(i)));
    if (!Number.isNaN(scales[0]) && !Number.isNaN(scales[1])) expect(scales[0]).toBe(scales[1]);
    if (!Number.isNaN(scales[2]) && !Number.isNaN(scales[3])) expect(scales[2]).toBe(scales[3]);
  });
});

describe('the model suite: configurations per adapter', () => {
  const GPU_LIMITS = { maxBufferSize: 2 ** 32, maxStorageBufferBindingSize: 2 ** 31 } as GPUSupportedLimits;
  const SMALL_LIMITS = {
    maxBufferSize: 256 * 2 ** 20,
    maxStorageBufferBindingSize: 128 * 2 ** 20,
  } as GPUSupportedLimits;

  it('the real width where the buffers fit, else the smallest slice that fits', () => {
    const c = { model: 'glm-130b', format: 'int4' as const, context: 2048, batch: 1 };
    expect(fittingTp({ limits: GPU_LIMITS }, c)).toBe(1);
    // 256 MiB buffers: the up matrix (12288 × 65536 int4 ≈ 403 MB) must be cut at least in two.
    const tp = fittingTp({ limits: SMALL_LIMITS }, c);
    expect(tp).toBeGreaterThan(1);
    expect(tpChoices(models['glm-130b'])).toContain(tp);
    expect(layerWeightBytes(sliceShape(models['glm-130b'], tp), 'int4')).toBeLessThan(6 * 2 ** 30);
  });

  it('cycles enough layers to stream 512 MiB, one when a layer alone is larger', () => {
    expect(layersToCycle({ model: 'glm-130b', format: 'f16', context: 2048, batch: 1 })).toBe(1);
    const small = layersToCycle({ model: 'test', format: 'f16', context: 512, batch: 1 });
    expect(small).toBe(64);
    const llama = layersToCycle({ model: 'llama-3-8b', format: 'int4', context: 8192, batch: 1, tp: 1 });
    expect(
      llama *
        stepBytes(planDecodeStep({ model: 'llama-3-8b', format: 'int4', context: 8192, batch: 1 })).total,
    ).toBeGreaterThanOrEqual(512 * 2 ** 20);
  });

  it('software adapters get scaled-down cases, said so; every case plans', () => {
    for (const preset of ['quick', 'standard', 'full'] as const) {
      const soft = modelCases({ limits: GPU_LIMITS, adapter: { isSoftware: true } as never }, preset);
      expect(soft.every((c) => c.scaledForSoftware)).toBe(true);
      const hard = modelCases({ limits: GPU_LIMITS, adapter: { isSoftware: false } as never }, preset);
      expect(hard.some((c) => c.scaledForSoftware)).toBe(false);
      for (const c of [...soft, ...hard]) expect(() => planDecodeStep(c)).not.toThrow();
    }
    const quick = modelCases({ limits: GPU_LIMITS, adapter: { isSoftware: true } as never }, 'quick');
    expect(quick.map((c) => c.model)).toEqual(['test', 'glm-130b']);
  });
});

describe('the LM head measured: its column slices', () => {
  const GPU_LIMITS = { maxStorageBufferBindingSize: 2 ** 31 } as GPUSupportedLimits;
  const plan = (model: string, format: 'f16' | 'int4') =>
    planDecodeStep({ model, format, context: 64, batch: 1 });
  it.each([
    { model: 'glm-130b', format: 'int4' as const, maxBufferSize: 4 * 1024 ** 3, min: 1, slices: 1 },
    // GLM-130B's head is its f16 embedding table (12288 × 150528 × 2 B = 3.70 GB) whatever the
    // layers' format: 256 MiB buffers take 1/14 of the columns (1/12 is 308 MB; 13 does not divide 150528).
    { model: 'glm-130b', format: 'int4' as const, maxBufferSize: 256 * 1024 ** 2, min: 1, slices: 14 },
    { model: 'glm-130b', format: 'int4' as const, maxBufferSize: 4 * 1024 ** 3, min: 32, slices: 32 },
    // Llama-3-8B's head is its own matrix, in the layers' format.
    { model: 'glm-130b', format: 'f16' as const, maxBufferSize: 1024 ** 3, min: 1, slices: 4 },
    { model: 'llama-3-8b', format: 'int4' as const, maxBufferSize: 4 * 1024 ** 3, min: 8, slices: 8 },
  ])(
    '$model $format, maxBufferSize $maxBufferSize, at least $min → $slices',
    ({ model, format, maxBufferSize, min, slices }) => {
      const p = plan(model, format);
      const got = lmHeadSlices({ limits: { ...GPU_LIMITS, maxBufferSize } }, p, min);
      expect(got).toBe(slices);
      const m = lmHeadSpec(p.model, p.format, p.seed, got, p.groupSize);
      expect(m.n * got).toBe(p.model.vocab);
      expect(m.n % 4).toBe(0);
    },
  );

  it('a head no slice of which fits names the limit', () => {
    expect(() =>
      lmHeadSlices({ limits: { ...GPU_LIMITS, maxBufferSize: 1024 } }, plan('glm-130b', 'int4'), 1),
    ).toThrow(
      /lmHead: no column slice of glm-130b's 150528-wide head fits this device's maxBufferSize of 1024 bytes/,
    );
  });
});
