// The one estimate behind the latency and cost claims, the cost box and the decoder section: the
// decode step picked for the inputs, scaled by its bytes when measured at another context or batch,
// projected with its interval, and the cost from the same numbers.

import { describe, expect, it } from 'vitest';
import { estimateDecoder } from '../../src/article/estimate.ts';
import { DEFAULT_INPUTS } from '../../src/article/inputs.ts';
import { printed } from '../../src/model/projection.ts';
import { kvBytesPerToken } from '../../src/model/shapes.ts';
import type { BenchResult } from '../../src/results/types.ts';
import { decodeStep, readProbe, resultsOn } from './article-fixtures.ts';

const num = (text: string) => Number(text.replaceAll(',', ''));

describe('estimateDecoder', () => {
  it('projects the step measured at the inputs, carrying its CI', () => {
    const estimate = estimateDecoder(
      resultsOn([decodeStep({ medianMs: 0.5, ci95: [0.45, 0.6] })]),
      DEFAULT_INPUTS,
    );
    expect(estimate.step?.scale).toBe(1);
    expect(estimate.projection?.layerMs).toBe(0.5);
    expect(estimate.projection?.measuredTp).toBe(8);
    const ms = estimate.projection?.msPerToken ?? Number.NaN;
    expect(estimate.msPerTokenCi?.[0]).toBe(Number((ms * 0.9).toPrecision(4)));
    expect(estimate.msPerTokenCi?.[1]).toBe(Number((ms * 1.2).toPrecision(4)));
    expect(estimate.measuredFormats).toEqual(['int4']);
  });

  it('scales a step measured at another context by its bytes, with the arithmetic printed', () => {
    const estimate = estimateDecoder(
      resultsOn([decodeStep({ medianMs: 0.5, context: 512 })]),
      DEFAULT_INPUTS,
    );
    const formula = estimate.step?.scaleFormula ?? '';
    const match = formula.match(/scaled by its bytes: ([\d,.]+) MB ÷ ([\d,.]+) MB = ([\d,.]+)×/);
    expect(match, formula).not.toBeNull();
    const [, wanted, measured, scale] = match ?? [];
    expect(scale).toBe(printed(num(wanted) / num(measured)));
    expect(estimate.step?.scale).toBeGreaterThan(1);
    expect(estimate.projection?.layerMs).toBe(Number((0.5 * num(scale)).toPrecision(4)));
  });

  it.each([
    { kvCache: 'f16', bytes: 2 },
    { kvCache: 'f32', bytes: 4 },
    { kvCache: undefined, bytes: 4 },
  ])(
    'the memory fit follows the step’s KV cache precision ($kvCache → $bytes B a value)',
    ({ kvCache, bytes }) => {
      const base = decodeStep({ medianMs: 0.5 });
      const step = { ...base, params: { ...base.params, ...(kvCache ? { kvCache } : {}) } } as BenchResult;
      const estimate = estimateDecoder(resultsOn([step, readProbe(1500)]), DEFAULT_INPUTS);
      const model = estimate.model;
      const expected = (kvBytesPerToken(model, bytes) * DEFAULT_INPUTS.context * DEFAULT_INPUTS.batch) / 1e9;
      const precision = bytes === 2 ? 'f16 K/V' : 'f32 K/V';
      expect(estimate.step?.kvBytesPerValue).toBe(bytes);
      expect(estimate.projection?.kvCacheGB).toBe(Number(expected.toPrecision(4)));
      expect(estimate.projection?.formulas.join('\n')).toContain(precision);
      // The floor on the measured GPU, shown beside the projection, holds the same cache.
      expect(estimate.measuredFloor?.kvGB).toBe(estimate.projection?.kvCacheGB);
      expect(estimate.measuredFloor?.formulas[0]).toContain(precision);
    },
  );

  it('picks the nearest context among steps of the inputs’ format, never a sparse one or another format', () => {
    const near = decodeStep({ medianMs: 0.7, context: 1024 });
    const far = decodeStep({ medianMs: 0.2, context: 64 });
    const f16 = decodeStep({ medianMs: 0.9, format: 'f16' });
    const sparse = {
      ...decodeStep({ medianMs: 0.1 }),
      params: { ...decodeStep({ medianMs: 0.1 }).params, kv: 'sparse' },
    } as BenchResult;
    const estimate = estimateDecoder(resultsOn([far, f16, sparse, near]), DEFAULT_INPUTS);
    expect(estimate.step?.result.latencyMs.median).toBe(0.7);
    expect(estimate.measuredFormats.sort()).toEqual(['f16', 'int4']);
  });

  it('without a step: the floor at the measured read bandwidth, and a cost that says it is a bound', () => {
    const estimate = estimateDecoder(resultsOn([readProbe(500)]), DEFAULT_INPUTS);
    expect(estimate.projection).toBeUndefined();
    expect(estimate.measuredGBps).toBe(500);
    expect(estimate.cost?.basis).toMatch(/lower bound on the cost/);
    expect(estimate.cost?.throughput).toMatch(/^tokens\/s ≤ 1 × 1,000 ÷ [\d,.]+ ms = [\d,.]+$/);
  });

  it('without a step or a read probe: no cost at all', () => {
    expect(estimateDecoder(resultsOn([]), DEFAULT_INPUTS).cost).toBeUndefined();
  });

  it('names the field of a bad input', () => {
    expect(() => estimateDecoder(resultsOn([]), { ...DEFAULT_INPUTS, cards: 0 })).toThrow(/^cards: /);
  });
});
