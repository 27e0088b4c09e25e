// The verdict rules of src/article/verdicts.ts, each on hand-made intervals.

import { describe, expect, it } from 'vitest';
import {
  againstThreshold,
  ceilingShareCounts,
  forHardwareClaim,
  type Interval,
  timeSavedFromSpeedup,
  VERDICT_MEANING,
  VERDICTS,
  type Verdict,
} from '../../src/article/verdicts.ts';

const at = (estimate: number, lo: number, hi: number): Interval => ({ estimate, ci95: [lo, hi] });

describe('againstThreshold', () => {
  it.each<[string, Interval, number, 'higher' | 'lower', string]>([
    ['control: wholly above, higher is better', at(0.93, 0.91, 0.95), 0.88, 'higher', 'consistent'],
    ['wholly below, higher is better', at(0.7, 0.68, 0.72), 0.88, 'higher', 'not-reproduced'],
    ['straddling, higher is better', at(0.88, 0.85, 0.91), 0.88, 'higher', 'inconclusive'],
    ['the lower bound on the threshold counts', at(0.9, 0.88, 0.92), 0.88, 'higher', 'consistent'],
    ['wholly under, lower is better', at(60, 55, 65), 85, 'lower', 'consistent'],
    ['wholly above, lower is better', at(120, 110, 130), 85, 'lower', 'not-reproduced'],
    ['straddling, lower is better', at(85, 80, 90), 85, 'lower', 'inconclusive'],
    [
      'an estimate past the threshold with a CI that is not',
      at(0.9, 0.8, 0.95),
      0.88,
      'higher',
      'inconclusive',
    ],
    ['a NaN bound', at(0.9, Number.NaN, 0.95), 0.88, 'higher', 'inconclusive'],
    ['bounds out of order', at(0.9, 0.95, 0.91), 0.88, 'higher', 'inconclusive'],
  ])('%s → %s', (_name, interval, threshold, better, verdict) => {
    expect(againstThreshold(interval, threshold, better)).toBe(verdict);
  });
});

describe('forHardwareClaim', () => {
  it.each(VERDICTS.map((verdict) => [verdict]))('%s on a software adapter', (verdict: Verdict) => {
    const measured = verdict === 'consistent' || verdict === 'not-reproduced' || verdict === 'inconclusive';
    expect(forHardwareClaim(verdict, true)).toBe(measured ? 'software' : verdict);
    expect(forHardwareClaim(verdict, false)).toBe(verdict);
  });
});

describe('ceilingShareCounts', () => {
  it.each<[string, Interval, boolean]>([
    ['90% counts', at(0.9, 0.88, 0.92), true],
    ['100% counts', at(1, 0.98, 1.02), true],
    ['130% never counts', at(1.3, 1.25, 1.35), false],
    ['101% never counts', at(1.01, 0.99, 1.03), false],
    ['NaN never counts', at(Number.NaN, 0.9, 0.95), false],
  ])('%s', (_name, share, counts) => {
    expect(ceilingShareCounts(share)).toBe(counts);
  });
});

describe('timeSavedFromSpeedup', () => {
  it('maps a speed-up interval to the share of time saved, bound to bound', () => {
    const saved = timeSavedFromSpeedup(at(2, 1.6, 2.5));
    expect(saved.estimate).toBeCloseTo(0.5, 12);
    expect(saved.ci95[0]).toBeCloseTo(0.375, 12);
    expect(saved.ci95[1]).toBeCloseTo(0.6, 12);
  });
});

it('every verdict has a meaning', () => {
  expect(Object.keys(VERDICT_MEANING).sort()).toEqual([...VERDICTS].sort());
});
