// Model shapes and the projection arithmetic, checked exactly against hand-computed figures.

import { describe, expect, it } from 'vitest';
import { printed, projectDecode, significant } from '../../src/model/projection.ts';
import {
  kvBytesPerToken,
  layerMatrices,
  layerParams,
  layerWeightBytes,
  lmHeadBytes,
  matrixBytes,
  modelParams,
  modelShape,
  models,
  modelWeightBytes,
} from '../../src/model/shapes.ts';

describe('model shapes', () => {
  it.each([
    // id, parameters per layer, whole model (layers + embeddings, tied or not)
    ['glm-130b', 1_811_939_328, 128_685_441_024],
    ['llama-3-8b', 218_103_808, 8_029_995_008],
  ])('%s: parameters', (id, perLayer, total) => {
    const shape = modelShape(id);
    expect(layerParams(shape)).toBe(perLayer);
    expect(modelParams(shape)).toBe(total);
  });

  it('GLM-130B layer matrices (MHA: q, k, v of 96 heads × 128)', () => {
    expect(layerMatrices(models['glm-130b'])).toEqual([
      { name: 'qkv', k: 12288, n: 36864 },
      { name: 'out', k: 12288, n: 12288 },
      { name: 'up', k: 12288, n: 65536 },
      { name: 'down', k: 32768, n: 12288 },
    ]);
  });

  it('Llama-3-8B layer matrices (GQA: 32 query heads, 8 KV heads)', () => {
    expect(layerMatrices(models['llama-3-8b'])[0]).toEqual({ name: 'qkv', k: 4096, n: 6144 });
  });

  it('KV cache per token of GLM-130B at fp16 is 3.44 MB (2 × 70 × 12288 × 2 B)', () => {
    expect(kvBytesPerToken(models['glm-130b'])).toBe(3_440_640);
    expect(kvBytesPerToken(models['llama-3-8b'])).toBe(2 * 32 * 8 * 128 * 2);
  });

  it.each([
    ['f32', 4 * 100 * 30],
    ['f16', 2 * 100 * 30],
    ['int8', 100 * 30 + 2 * 30],
    // 100 k in groups of 32: 4 groups (the last one short) per column
    ['int4', 1500 + 2 * 30 * 4],
  ] as const)('matrixBytes %s counts weights and scales', (format, bytes) => {
    expect(matrixBytes(100, 30, format)).toBe(bytes);
  });

  it('int4 at group 32 costs 4.5 bits per weight', () => {
    expect((matrixBytes(4096, 4096, 'int4', 32) * 8) / (4096 * 4096)).toBe(4.5);
    expect((matrixBytes(4096, 4096, 'int4', 128) * 8) / (4096 * 4096)).toBe(4.125);
  });

  it('GLM-130B fp16 weights: layers + one tied f16 embedding table', () => {
    expect(modelWeightBytes(models['glm-130b'], 'f16')).toBe(2 * 128_685_441_024);
    expect(layerWeightBytes(models['glm-130b'], 'f16')).toBe(2 * 1_811_939_328);
  });

  it('an unknown model names the field and the ids offered', () => {
    expect(() => modelShape('gpt-5')).toThrow(
      /model: unknown model 'gpt-5'; expected one of glm-130b, llama-3-8b, test/,
    );
  });
});

describe('projectDecode', () => {
  const base = {
    model: models['glm-130b'],
    format: 'int4' as const,
    context: 2048,
    batch: 1,
    cards: 1,
    layerMs: 1.23456,
    measuredTp: 8,
    memoryGBPerCard: 80,
  };

  it('scales a measured slice to the whole model', () => {
    const p = projectDecode({ ...base, lmHeadMs: 2 });
    expect(p.projected).toBe(true);
    expect(p.layerMs).toBe(1.235);
    expect(p.fullLayerMs).toBe(9.88);
    expect(p.perCardLayerMs).toBe(9.88);
    expect(p.msPerToken).toBe(significant(70 * 9.88 + 2));
    expect(p.tokensPerSecond).toBe(significant(1000 / p.msPerToken));
    expect(p.lmHeadEstimated).toBe(false);
  });

  it('a measured column slice of the LM head is scaled by its slices, the arithmetic printed', () => {
    const p = projectDecode({ ...base, lmHeadMs: 0.123456, lmHeadSlices: 32 });
    expect(p.lmHeadEstimated).toBe(false);
    expect(p.lmHeadMs).toBe(significant(0.1235 * 32));
    const line = p.formulas[2];
    expect(line).toBe(
      `LM head = 0.1235 ms × 32 = ${printed(p.lmHeadMs)} ms (measured on a 1/32 column slice, scaled by its columns)`,
    );
    expect(p.caveats.join(' ')).not.toMatch(/LM head estimated/);
    // Control: without a measurement the head is estimated at the layer's bandwidth, and said so.
    const estimated = projectDecode(base);
    expect(estimated.lmHeadEstimated).toBe(true);
    expect(estimated.formulas[2]).toMatch(/estimated at the layer's bandwidth/);
  });

  it('estimates an unmeasured LM head at the bandwidth the layer had over all it read: weights and KV cache', () => {
    const model = models['glm-130b'];
    for (const batch of [1, 64]) {
      const p = projectDecode({ ...base, batch });
      const layerRead = layerWeightBytes(model, 'int4', 32) + (kvBytesPerToken(model, 2) * 2048 * batch) / 70;
      expect(p.lmHeadMs).toBe(significant((9.88 * lmHeadBytes(model, 'int4', 32)) / layerRead));
      expect(p.formulas[2]).toContain(`÷ ${printed(layerRead / 1e6)} MB (the layer's weights and KV cache)`);
    }
  });

  it('divides by the cards and says the all-reduce is ignored', () => {
    const p = projectDecode({ ...base, cards: 4, lmHeadMs: 2 });
    expect(p.perCardLayerMs).toBe(2.47);
    expect(p.msPerToken).toBe(significant(70 * 2.47 + 0.5));
    expect(p.caveats.join(' ')).toMatch(/all-reduce/);
  });

  it('counts the KV cache in memory: GLM-130B int4 with 21 sequences of 2048 tokens does not fit 80 GB', () => {
    const one = projectDecode({ ...base, batch: 1 });
    expect(one.kvCacheGB).toBe(significant((3_440_640 * 2048) / 1e9));
    const many = projectDecode({ ...base, batch: 21 });
    expect(many.fits).toBe(false);
    expect(many.cardsNeeded).toBeGreaterThan(1);
    expect(many.cardsNeeded).toBe(Math.ceil(significant(many.weightsGB + many.kvCacheGB) / 80));
  });

  it('every printed formula gives its printed result from its printed inputs', () => {
    const p = projectDecode({ ...base, cards: 3 });
    const line = p.formulas[3];
    const numbers = [...line.matchAll(/[\d,]+(?:\.\d+)?/g)].map((m) => Number(m[0].replaceAll(',', '')));
    // ms per token = L layers × a ms + b ms ÷ c = d ms + e ms = f ms
    const [layers, a, b, c, d, e, f] = numbers;
    expect(printed(layers * a)).toBe(printed(d));
    expect(printed(b / c)).toBe(printed(e));
    expect(printed(d + e)).toBe(printed(f));
    expect(f).toBe(p.msPerToken);
  });

  it.each([
    ['context', { context: 4096 }, /context: must be a whole number from 1 to 2048/],
    ['batch', { batch: 0 }, /batch: must be a whole number from 1 to 4096/],
    ['cards', { cards: 1.5 }, /cards: must be a whole number from 1 to 64/],
    ['layerMs', { layerMs: Number.NaN }, /layerMs: must be a finite number above 0/],
    [
      'lmHeadSlices',
      { lmHeadMs: 1, lmHeadSlices: 0 },
      /lmHeadSlices: must be a whole number from 1 to 150528/,
    ],
  ])('bad %s names the field and the limit', (_field, patch, message) => {
    expect(() => projectDecode({ ...base, ...patch })).toThrow(message);
  });
});
