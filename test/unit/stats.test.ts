// The statistics of timing samples on known small samples: quantiles, CV, outliers, and the
// bootstrap CI of the median (deterministic, contains the median, shrinks with more samples).

import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  fastestBaseline,
  MEASURE_RULES,
  measure,
  measureBeside,
  measurePair,
  type Sampler,
} from '../../src/measure/sample.ts';
import {
  bootstrapMedianCI,
  coefficientOfVariation,
  countOutliers,
  mean,
  median,
  NOISY_CV,
  quantile,
  relativeHalfWidth,
  stddev,
  summarize,
} from '../../src/measure/stats.ts';
import type { SamplePlan } from '../../src/measure/timing.ts';
import { mulberry32 } from '../../src/util/random.ts';

describe('quantiles on known samples', () => {
  it.each([
    { name: 'odd count', values: [3, 1, 2], q: 0.5, expected: 2 },
    { name: 'even count interpolates', values: [4, 1, 3, 2], q: 0.5, expected: 2.5 },
    { name: 'single sample', values: [7], q: 0.9, expected: 7 },
    { name: 'p10 of 1..11', values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], q: 0.1, expected: 2 },
    { name: 'p90 of 1..11', values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], q: 0.9, expected: 10 },
    { name: 'p10 of 1..10 (R type 7)', values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], q: 0.1, expected: 1.9 },
    { name: 'min', values: [5, 9, 2], q: 0, expected: 2 },
    { name: 'max', values: [5, 9, 2], q: 1, expected: 9 },
  ])('$name', ({ values, q, expected }) => {
    expect(quantile(values, q)).toBeCloseTo(expected, 12);
  });

  it('median does not reorder its input', () => {
    const values = [3, 1, 2];
    expect(median(values)).toBe(2);
    expect(values).toEqual([3, 1, 2]);
  });

  it.each([
    { name: 'empty', values: [] as number[] },
    { name: 'NaN', values: [1, Number.NaN] },
    { name: 'Infinity', values: [1, Number.POSITIVE_INFINITY] },
  ])('refuses $name samples', ({ values }) => {
    expect(() => median(values)).toThrow(/sample/);
  });
});

describe('spread', () => {
  it('mean, sample stddev and CV of 2,4,4,4,5,5,7,9', () => {
    const values = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(mean(values)).toBe(5);
    expect(stddev(values)).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(coefficientOfVariation(values)).toBeCloseTo(Math.sqrt(32 / 7) / 5, 12);
  });

  it('a single sample has no spread', () => {
    expect(stddev([3])).toBe(0);
    expect(coefficientOfVariation([3])).toBe(0);
  });
});

describe('outliers are counted with Tukey fences, not dropped', () => {
  it.each([
    { name: 'control: none', values: [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], expected: 0 },
    { name: 'one high', values: [10, 11, 12, 13, 14, 15, 16, 17, 18, 100], expected: 1 },
    { name: 'one low and one high', values: [-50, 11, 12, 13, 14, 15, 16, 17, 18, 100], expected: 2 },
    { name: 'all equal', values: [5, 5, 5, 5, 5], expected: 0 },
  ])('$name', ({ values, expected }) => {
    expect(countOutliers(values)).toBe(expected);
    expect(summarize(values).samples).toBe(values.length);
  });
});

describe('bootstrap CI of the median', () => {
  const noisy = Array.from({ length: 40 }, (_, i) => 10 + ((i * 7919) % 13) / 10);

  it('is deterministic for a seed and independent of sample order', () => {
    const a = bootstrapMedianCI(noisy, { seed: 42 });
    const b = bootstrapMedianCI([...noisy].reverse(), { seed: 42 });
    expect(b).toEqual(a);
    expect(summarize(noisy)).toEqual(summarize([...noisy].reverse()));
  });

  it('contains the median and lies within the sample range', () => {
    const [lo, hi] = bootstrapMedianCI(noisy);
    const m = median(noisy);
    expect(lo).toBeLessThanOrEqual(m);
    expect(hi).toBeGreaterThanOrEqual(m);
    expect(lo).toBeGreaterThanOrEqual(Math.min(...noisy));
    expect(hi).toBeLessThanOrEqual(Math.max(...noisy));
  });

  it('is a single point for identical samples', () => {
    expect(bootstrapMedianCI([4, 4, 4, 4])).toEqual([4, 4]);
  });

  it('covers the true median in about 95% of repeated experiments', () => {
    // Samples from a known distribution (uniform on [0, 1), median 0.5).
    const random = mulberry32(7);
    let covered = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const sample = Array.from({ length: 31 }, () => random());
      const [lo, hi] = bootstrapMedianCI(sample, { seed: t, resamples: 400 });
      if (lo <= 0.5 && 0.5 <= hi) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.88);
    expect(covered / trials).toBeLessThanOrEqual(1);
  });

  it('narrows as samples grow', () => {
    const random = mulberry32(3);
    const small = Array.from({ length: 10 }, () => 1 + 0.1 * random());
    const large = Array.from({ length: 400 }, () => 1 + 0.1 * random());
    const width = (values: number[]) => relativeHalfWidth(median(values), bootstrapMedianCI(values));
    expect(width(large)).toBeLessThan(width(small));
  });
});

describe('summarize', () => {
  it('fills every field of LatencyStats', () => {
    const stats = summarize([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(stats).toMatchObject({ median: 6, p10: 2, p90: 10, samples: 11, outliers: 0 });
    expect(stats.ci95[0]).toBeLessThanOrEqual(6);
    expect(stats.ci95[1]).toBeGreaterThanOrEqual(6);
    expect(stats.cv).toBeCloseTo(stddev([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) / 6, 12);
  });

  it.each([
    { name: 'steady samples are not noisy', values: [100, 101, 99, 100, 100.5, 99.5], noisy: false },
    { name: 'a CV over 5% is noisy', values: [100, 120, 80, 100, 130, 70], noisy: true },
  ])('$name', ({ values, noisy }) => {
    const stats = summarize(values);
    expect(stats.noisy).toBe(noisy);
    expect((stats.cv ?? 0) > NOISY_CV).toBe(noisy);
  });

  it('relative half-width of the CI', () => {
    expect(relativeHalfWidth(10, [9.9, 10.3])).toBeCloseTo(0.03, 12);
    expect(relativeHalfWidth(0, [0, 0])).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('the sampling loop (a fake time source, no GPU)', () => {
  /** A sampler whose calls take callMs each, with ±jitter from a seeded PRNG. */
  function fake(callMs: number, jitter: number, resolutionMs: number) {
    const random = mulberry32(11);
    const plans: SamplePlan[] = [];
    const sampler: Sampler = {
      resolutionMs,
      dropped: 0,
      async sample(plan) {
        plans.push(plan);
        return plan.calls * callMs * (1 + jitter * (2 * random() - 1));
      },
    };
    return { sampler, plans };
  }

  it('takes at least 10 samples and stops once the CI of the median is within ±2%', async () => {
    const { sampler } = fake(1, 0.01, 1e-6);
    const m = await measure(sampler, 'steady', { budgetMs: 60_000 });
    expect(m.latencyMs.samples).toBeGreaterThanOrEqual(MEASURE_RULES.minSamples);
    expect(m.latencyMs.samples).toBeLessThan(MEASURE_RULES.maxSamples);
    expect(relativeHalfWidth(m.latencyMs.median, m.latencyMs.ci95)).toBeLessThanOrEqual(0.02 + 1e-9);
    expect(m.latencyMs.median).toBeCloseTo(1, 1);
    expect(m.budgetExhausted).toBe(false);
  });

  it('sizes a sample to at least 100 timer resolutions', async () => {
    const { sampler, plans } = fake(0.001, 0, 0.01); // 1 µs calls, 10 µs timer
    const m = await measure(sampler, 'short', { budgetMs: 60_000 });
    expect(m.plan.calls).toBeGreaterThanOrEqual(1000);
    expect(plans.at(-1)?.calls).toBe(m.plan.calls);
    expect(m.latencyMs.median).toBeCloseTo(0.001, 6);
  });

  it('caps the planned GPU time of one submit well under a second', async () => {
    const { sampler } = fake(30, 0, 0.5); // 30 ms calls, a coarse 0.5 ms timer: 2 calls per sample
    const m = await measure(sampler, 'long', { budgetMs: 60_000 });
    expect(m.plan.callsPerSubmit * 30).toBeLessThanOrEqual(MEASURE_RULES.maxSubmitMs);
    const { sampler: huge } = fake(500, 0, 0.001);
    const one = await measure(huge, 'huge', { budgetMs: 1 });
    expect(one.plan.callsPerSubmit).toBe(1);
    expect(one.notes.join(' ')).toContain('over the 200 ms planned per submit');
  });

  it('stops on the budget with noisy samples, says so, and still keeps 10 samples', async () => {
    const { sampler } = fake(1, 0.5, 1e-6);
    const m = await measure(sampler, 'noisy', { budgetMs: 0 });
    expect(m.latencyMs.samples).toBe(MEASURE_RULES.minSamples);
    expect(m.budgetExhausted).toBe(true);
    expect(m.notes.join(' ')).toMatch(/time budget spent at ±/);
    expect(m.latencyMs.noisy).toBe(true);
  });

  it('a pair: interleaved samples, each its own stats, the speed-up from per-pair ratios under shared load', async () => {
    // Shared load that drifts a lot over time; the baseline takes 3× the candidate at any moment.
    let clock = 0;
    const load = () => 1 + 0.8 * Math.sin(clock / 7);
    const order: string[] = [];
    const loaded = (name: string, callMs: number): Sampler => ({
      resolutionMs: 1e-6,
      dropped: 0,
      async sample(plan) {
        clock++;
        order.push(name);
        return plan.calls * callMs * load();
      },
    });
    const m = await measurePair(loaded('a', 1), loaded('b', 3), 'pair', { budgetMs: 60_000 });
    expect(m.ratio.median).toBeCloseTo(3, 1);
    expect(m.ratio.ci95[0]).toBeLessThanOrEqual(m.ratio.median);
    expect(m.ratio.ci95[1]).toBeGreaterThanOrEqual(m.ratio.median);
    expect(m.ratio.pairs).toBe(m.candidate.latencyMs.samples);
    expect(m.baseline.latencyMs.samples).toBe(m.ratio.pairs);
    expect(m.ratio.pairs).toBeGreaterThanOrEqual(MEASURE_RULES.minSamples);
    // Each one's own latency is noisy under the drifting load; the paired ratio is not.
    expect(m.candidate.latencyMs.noisy).toBe(true);
    // After calibration and warm-up, samples alternate a b, b a, a b, …
    const tail = order.slice(-4 * 3).join('');
    expect(tail).toMatch(/^(abba)+$|^(baab)+$/);
  });

  it('beside several baselines: rounds that flip order, a ratio per baseline, the fastest under this load picked', async () => {
    // Shared drifting load; baseline "c" alone also suffers a load of its own (a grid that a stalled
    // thread slows far more): quiet, it would be the fastest.
    let clock = 0;
    const load = () => 1 + 0.5 * Math.sin(clock / 5);
    const order: string[] = [];
    const sampler = (name: string, callMs: number, own = 1): Sampler => ({
      resolutionMs: 1e-6,
      dropped: 0,
      async sample(plan) {
        clock++;
        order.push(name);
        return plan.calls * callMs * load() * own;
      },
    });
    const m = await measureBeside(
      sampler('k', 2),
      [sampler('a', 1.5), sampler('b', 1.2), sampler('c', 1, 1.6)],
      'beside',
      { budgetMs: 60_000 },
    );
    expect(m.baselines.map((b) => b.ratio.median)).toEqual([
      expect.closeTo(0.75, 2),
      expect.closeTo(0.6, 2),
      expect.closeTo(0.8, 2),
    ]);
    for (const b of m.baselines) {
      expect(b.ratio.pairs).toBe(m.candidate.latencyMs.samples);
      expect(b.measurement.latencyMs.samples).toBe(b.ratio.pairs);
    }
    expect(fastestBaseline(m)).toBe(1);
    // After calibration and warm-up: k a b c, c b a k, k a b c, …
    expect(order.slice(-8 * 4).join('')).toMatch(/^(kabccbak)+$|^(cbakkabc)+$/);
    await expect(measureBeside(sampler('k', 1), [], 'none', { budgetMs: 10 })).rejects.toThrow(
      /none: no baseline/,
    );
  });

  it('a pair with noisy samples stops on the budget with at least 10 pairs, and says so', async () => {
    const { sampler: a } = fake(1, 0.5, 1e-6);
    const { sampler: b } = fake(2, 0.5, 1e-6);
    const m = await measurePair(a, b, 'noisy pair', { budgetMs: 0 });
    expect(m.ratio.pairs).toBe(MEASURE_RULES.minSamples);
    expect(m.candidate.budgetExhausted).toBe(true);
    expect(m.candidate.notes.join(' ')).toMatch(/time budget spent at ±/);
  });

  /**
   * A hardware GPU's clock under load: the time per call starts `slowdown`× the settled time and
   * falls to it once `rampMs` of calls have run (the spin-up must keep calling until then).
   */
  function ramping(callMs: number, slowdown: number, rampMs: number, spinUp = true) {
    let busyMs = 0;
    const perCall: number[] = [];
    const sampler: Sampler = {
      resolutionMs: 1e-6,
      dropped: 0,
      spinUp,
      async sample(plan) {
        const ms = busyMs < rampMs ? callMs * slowdown : callMs;
        busyMs += plan.calls * ms;
        perCall.push(ms);
        return plan.calls * ms;
      },
    };
    return { sampler, perCall };
  }

  it('spins a hardware GPU up before timing: samples taken while its clock is low are not in the statistics', async () => {
    // 5.7×: an H200's fma probe at its 345 MHz idle clock against 1980 MHz under load, its clock
    // raised only after a stretch of load that calibration, warm-up and sampling alone do not reach.
    const rampMs = 240;
    expect(MEASURE_RULES.spinUpMinMs).toBeGreaterThan(rampMs);
    const { sampler, perCall } = ramping(0.3, 5.7, rampMs);
    const m = await measure(sampler, 'fma', { budgetMs: 60_000 });
    expect(m.latencyMs.median).toBeCloseTo(0.3, 6);
    expect(m.latencyMs.p90).toBeCloseTo(0.3, 6);
    expect(m.notes.join(' ')).not.toMatch(/clocks/);
    // Without the spin-up the same clock is caught low.
    const { sampler: cold } = ramping(0.3, 5.7, rampMs, false);
    const unspun = await measure(cold, 'fma', { budgetMs: 60_000 });
    expect(unspun.latencyMs.median).toBeCloseTo(0.3 * 5.7, 6);
    // The spin-up ran the slow calls, then at least two rounds at the settled time.
    const firstFast = perCall.indexOf(0.3);
    expect(firstFast).toBeGreaterThan(0);
    expect(perCall.slice(firstFast).every((ms) => ms === 0.3)).toBe(true);
  });

  it('spins up every sampler of a pair, and only samplers on a GPU that needs it', async () => {
    // Each sampler's calls count towards the GPU's load: together they pass the ramp.
    const rampMs = 285;
    expect(MEASURE_RULES.spinUpMinMs).toBeGreaterThan(rampMs);
    let shared = 0;
    const onShared = (callMs: number): Sampler => ({
      resolutionMs: 1e-6,
      dropped: 0,
      spinUp: true,
      async sample(plan) {
        const ms = shared < rampMs ? 5.7 * callMs : callMs;
        shared += plan.calls * ms;
        return plan.calls * ms;
      },
    });
    const m = await measurePair(onShared(1), onShared(2), 'pair', { budgetMs: 60_000 });
    expect(m.candidate.latencyMs.p90).toBeCloseTo(1, 6);
    expect(m.baseline.latencyMs.p90).toBeCloseTo(2, 6);
    expect(m.ratio.median).toBeCloseTo(2, 6);
    // A software adapter's samplers: no spin-up, the first call is calibration's.
    const { sampler, plans } = fake(1, 0, 1e-6);
    await measure(sampler, 'soft', { budgetMs: 60_000 });
    expect(plans[0]).toEqual({ calls: 1, callsPerSubmit: 1 });
    expect(plans.slice(0, 4).every((p) => p.calls === 1)).toBe(true);
  });

  describe('on a fake wall clock', () => {
    // The spin-up's limit is wall-clock time: each sample moves a fake clock on instead of waiting.
    afterEach(() => {
      vi.useRealTimers();
    });

    it('stops spinning up on its wall-clock limit, and says the clocks may not have settled', async () => {
      vi.useFakeTimers({ toFake: ['performance'] });
      // A time per call that keeps falling by 10% a sample never settles.
      let ms = 1;
      const sampler: Sampler = {
        resolutionMs: 1e-6,
        dropped: 0,
        spinUp: true,
        async sample(plan) {
          ms *= 0.9;
          vi.advanceTimersByTime(5);
          return plan.calls * ms;
        },
      };
      const m = await measure(sampler, 'falling', { budgetMs: 0 });
      expect(m.notes.join(' ')).toContain(
        `timed after ${MEASURE_RULES.spinUpMaxMs} ms of untimed calls while the time per call was still falling`,
      );
    });

    it('says nothing of the clocks when calls are so long that the spin-up ends on its limit after one round', async () => {
      vi.useFakeTimers({ toFake: ['performance'] });
      // The spin-up's first sample outlasts its wall-clock limit (later ones take no time).
      let first = true;
      const sampler: Sampler = {
        resolutionMs: 1e-6,
        dropped: 0,
        spinUp: true,
        async sample(plan) {
          if (first) vi.advanceTimersByTime(MEASURE_RULES.spinUpMaxMs + 50);
          first = false;
          return plan.calls * 900;
        },
      };
      const m = await measure(sampler, 'long', { budgetMs: 0 });
      expect(m.notes.join(' ')).not.toMatch(/clocks/);
    });
  });

  it('an aborted signal stops it', async () => {
    const { sampler } = fake(1, 0, 1e-6);
    const controller = new AbortController();
    controller.abort();
    await expect(measure(sampler, 'x', { budgetMs: 1000, signal: controller.signal })).rejects.toThrow(
      /cancelled/,
    );
  });
});
