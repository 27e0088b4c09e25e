// The physical-limits audit, checked with the article's own numbers (130B parameters, one A100 80GB SXM
// at 2,039 GB/s, $1.20 → $0.85 per 1M tokens at 120 → 85 ms).

import { describe, expect, it } from 'vitest';
import {
  A100_80GB_SXM,
  ARTICLE_MODEL,
  breakEvenPricePerGpuHour,
  costPerMillionTokens,
  decodeFloor,
  percentChange,
  tokensPerSecondAtBandwidth,
} from '../../src/article/audit.ts';

const article = { ...ARTICLE_MODEL, ...A100_80GB_SXM };

describe('decodeFloor on one A100 80GB', () => {
  it.each([
    ['fp16', 2, 260, false, 4, 127.5],
    ['int8', 1, 130, false, 2, 63.76],
    ['int4', 0.5, 65, true, 1, 31.88],
  ] as const)('%s: %d bytes/param', (_name, bytesPerParam, weightsGB, fits, cardsNeeded, floorMs) => {
    const floor = decodeFloor({ ...article, bytesPerParam });
    expect(floor.bytesPerToken).toBe(weightsGB * 1e9);
    expect(floor.weightsGB).toBeCloseTo(weightsGB, 9);
    expect(floor.capacityGB).toBe(80);
    expect(floor.fits).toBe(fits);
    expect(floor.cardsNeeded).toBe(cardsNeeded);
    expect(floor.floorMs).toBeCloseTo(floorMs, 1);
    expect(floor.measuredFloorMs).toBeUndefined();
  });

  it('gives the same floor at a measured copy bandwidth', () => {
    const floor = decodeFloor({ ...article, bytesPerParam: 0.5, copyGBps: 500 });
    expect(floor.measuredFloorMs).toBeCloseTo(130, 9);
    expect(floor.formula).toBe(
      '130B parameters × 0.5 bytes = 65 GB per token; 65 GB ÷ (1 card × 2,039 GB/s) = 31.9 ms; on this GPU 65 GB ÷ 500 GB/s = 130 ms',
    );
  });

  it('adds the bandwidth of several cards (ideal tensor parallelism)', () => {
    const floor = decodeFloor({ ...article, bytesPerParam: 2, cards: 4 });
    expect(floor.fits).toBe(true);
    expect(floor.capacityGB).toBe(320);
    expect(floor.floorMs).toBeCloseTo(31.88, 1);
  });

  it.each([
    ['params', { params: 0 }],
    ['params', { params: -130e9 }],
    ['bytesPerParam', { bytesPerParam: Number.NaN }],
    ['cards', { cards: 0 }],
    ['cards', { cards: 1.5 }],
    ['memoryGB', { memoryGB: Number.POSITIVE_INFINITY }],
    ['bandwidthGBps', { bandwidthGBps: -1 }],
    ['copyGBps', { copyGBps: 0 }],
  ])('refuses a bad %s', (field, override) => {
    expect(() => decodeFloor({ ...article, bytesPerParam: 2, ...override })).toThrow(RangeError);
    expect(() => decodeFloor({ ...article, bytesPerParam: 2, ...override })).toThrow(field);
  });
});

describe('throughput and cost', () => {
  it.each([
    [2039, 65e9, 1, 31.37],
    [2039, 65e9, 8, 250.95],
    [2039, 260e9, 1, 7.84],
  ])('%d GB/s over %d bytes, batch %d: %d tokens/s', (bandwidthGBps, bytesPerToken, batch, expected) => {
    expect(tokensPerSecondAtBandwidth({ bandwidthGBps, bytesPerToken, batch })).toBeCloseTo(expected, 2);
  });

  it('writes the cost formula out with the inputs', () => {
    const cost = costPerMillionTokens({ tokensPerSecond: 1000 / 120, pricePerGpuHour: 2 });
    expect(cost.dollarsPerMillionTokens).toBeCloseTo(66.67, 2);
    expect(cost.tokensPerHour).toBeCloseTo(30_000, 6);
    expect(cost.formula).toBe(
      'cost per 1M tokens = price per GPU-hour × GPUs ÷ (tokens/s × 3,600 s/h) × 1,000,000 = $2.00 × 1 ÷ (8.33 × 3,600) × 1,000,000 = $66.67',
    );
  });

  // Both rows imply the same price: the cost figures scale exactly with the latency figures.
  it.each([
    ['the A100 row', 120, 1.2, 0.036],
    ['the co-designed chip row', 85, 0.85, 0.036],
  ])(
    '%s: one sequence at %d ms per token costs $%d per 1M only at $%d per GPU-hour',
    (_row, msPerToken, dollars, price) => {
      const tokensPerSecond = 1000 / msPerToken;
      expect(breakEvenPricePerGpuHour({ tokensPerSecond, dollarsPerMillionTokens: dollars })).toBeCloseTo(
        price,
        4,
      );
      expect(
        costPerMillionTokens({ tokensPerSecond, pricePerGpuHour: price }).dollarsPerMillionTokens,
      ).toBeCloseTo(dollars, 9);
    },
  );

  it.each([
    ['tokensPerSecond', { tokensPerSecond: 0, pricePerGpuHour: 2 }],
    ['pricePerGpuHour', { tokensPerSecond: 10, pricePerGpuHour: -2 }],
    ['gpus', { tokensPerSecond: 10, pricePerGpuHour: 2, gpus: Number.NaN }],
  ])('refuses a bad %s', (field, inputs) => {
    expect(() => costPerMillionTokens(inputs)).toThrow(field);
  });
});

describe("the article's percentages", () => {
  it.each([
    ['latency 120 → 85 ms (printed 29.4%)', 120, 85, -29.17],
    ['power 400 → 350 W', 400, 350, -12.5],
    ['bandwidth utilisation 65 → 88%', 65, 88, 35.38],
    ['cost $1.20 → $0.85', 1.2, 0.85, -29.17],
    ['State Grid 200 → 140 ms', 200, 140, -30],
  ])('%s', (_name, before, after, expected) => {
    expect(percentChange(before, after)).toBeCloseTo(expected, 2);
  });
});
