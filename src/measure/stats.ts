// Statistics of timing samples. Pure and deterministic (the bootstrap uses a seeded PRNG), so the
// same samples always give the same figures. Outliers are counted, never dropped.

import type { LatencyStats } from '../results/types.ts';
import { mulberry32 } from '../util/random.ts';

/** A coefficient of variation above this marks a result noisy. */
export const NOISY_CV = 0.05;
/** Bootstrap resamples for the confidence interval of the median. */
export const BOOTSTRAP_RESAMPLES = 1000;

function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

function requireSamples(values: readonly number[], what: string): void {
  if (values.length === 0) throw new Error(`${what}: needs at least one sample`);
  for (const v of values) if (!Number.isFinite(v)) throw new Error(`${what}: sample ${v} is not finite`);
}

/** The q-quantile (0 ≤ q ≤ 1) of already sorted values, by linear interpolation (R type 7). */
export function quantileSorted(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error('quantile: needs at least one sample');
  const position = (values.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(position);
  const hi = Math.ceil(position);
  return values[lo] + (values[hi] - values[lo]) * (position - lo);
}

/** The q-quantile of values (any order). */
export function quantile(values: readonly number[], q: number): number {
  requireSamples(values, 'quantile');
  return quantileSorted(sorted(values), q);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export function mean(values: readonly number[]): number {
  requireSamples(values, 'mean');
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample standard deviation (n − 1); 0 for a single sample. */
export function stddev(values: readonly number[]): number {
  requireSamples(values, 'stddev');
  if (values.length < 2) return 0;
  const m = mean(values);
  let sq = 0;
  for (const v of values) sq += (v - m) ** 2;
  return Math.sqrt(sq / (values.length - 1));
}

/** Coefficient of variation: stddev / mean (0 when the mean is 0). */
export function coefficientOfVariation(values: readonly number[]): number {
  const m = mean(values);
  return m === 0 ? 0 : stddev(values) / Math.abs(m);
}

/** Number of samples outside [Q1 − 1.5·IQR, Q3 + 1.5·IQR] (Tukey's fences). */
export function countOutliers(values: readonly number[]): number {
  requireSamples(values, 'outliers');
  const s = sorted(values);
  const q1 = quantileSorted(s, 0.25);
  const q3 = quantileSorted(s, 0.75);
  const fence = 1.5 * (q3 - q1);
  return s.filter((v) => v < q1 - fence || v > q3 + fence).length;
}

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
  /** Confidence level, 0.95 by default. */
  level?: number;
}

/**
 * Percentile-bootstrap confidence interval of the median: resample with replacement, take each
 * resample's median, and return the (1−level)/2 and (1+level)/2 quantiles of those medians.
 * Deterministic for a given seed.
 */
export function bootstrapMedianCI(
  values: readonly number[],
  options: BootstrapOptions = {},
): [number, number] {
  requireSamples(values, 'bootstrap');
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES;
  const level = options.level ?? 0.95;
  const random = mulberry32(options.seed ?? 0x5eed);
  const n = values.length;
  const resample = new Array<number>(n);
  const medians = new Array<number>(resamples);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) resample[i] = values[Math.floor(random() * n)];
    resample.sort((a, b) => a - b);
    medians[r] = quantileSorted(resample, 0.5);
  }
  medians.sort((a, b) => a - b);
  return [quantileSorted(medians, (1 - level) / 2), quantileSorted(medians, (1 + level) / 2)];
}

/** Half-width of the CI relative to the median: max(median − lo, hi − median) / median. */
export function relativeHalfWidth(median: number, ci: readonly [number, number]): number {
  if (median <= 0) return Number.POSITIVE_INFINITY;
  return Math.max(median - ci[0], ci[1] - median) / median;
}

/** Everything the results record about a set of per-call times (milliseconds). */
export function summarize(samples: readonly number[], options: BootstrapOptions = {}): LatencyStats {
  requireSamples(samples, 'summarize');
  const s = sorted(samples);
  const cv = coefficientOfVariation(s);
  return {
    median: quantileSorted(s, 0.5),
    p10: quantileSorted(s, 0.1),
    p90: quantileSorted(s, 0.9),
    ci95: bootstrapMedianCI(s, options),
    samples: s.length,
    cv,
    noisy: cv > NOISY_CV,
    outliers: countOutliers(s),
  };
}
