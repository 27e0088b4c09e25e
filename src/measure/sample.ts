// The sampling loop of one configuration: an untimed first call, a calibration that sizes a sample
// (≥ 100× the timer's resolution and ≥ 5 ms) and a submit (well under a second of GPU time, for browser
// watchdogs), a warm-up that runs until consecutive medians agree, then samples until the 95% CI of
// the median is within ±2% or the configuration's time budget is spent (never fewer than 10).

import type { LatencyStats } from '../results/types.ts';
import { bootstrapMedianCI, median, relativeHalfWidth, summarize } from './stats.ts';
import { type SamplePlan, type Timer, throwIfAborted } from './timing.ts';

export const MEASURE_RULES = {
  /** A sample lasts at least this many timer resolutions… */
  resolutionsPerSample: 100,
  /** …and at least this long (ms): single short calls jitter (launch, scheduling), batches less. */
  minSampleMs: 5,
  /** Planned GPU time of one submit (ms): well under the ~2 s browser watchdogs. */
  maxSubmitMs: 200,
  minSamples: 10,
  maxSamples: 200,
  /** Stop once the CI of the median is within ± this fraction of it. */
  targetRelativeCI: 0.02,
  /** Consecutive warm-up medians agree when within this fraction. */
  warmupAgreement: 0.05,
  warmupSamplesPerRound: 3,
  maxWarmupRounds: 6,
  /** Share of the configuration's budget the warm-up may use. */
  warmupBudgetShare: 0.3,
} as const;

export interface MeasureOptions {
  /** Wall-clock budget of this configuration (ms). */
  budgetMs: number;
  signal?: AbortSignal;
  /** Least calls per sample (peers or tests may want more). */
  minCallsPerSample?: number;
}

export interface Measurement {
  latencyMs: LatencyStats;
  plan: SamplePlan;
  warmupRounds: number;
  /** Samples dropped for zero or negative timestamp deltas. */
  dropped: number;
  /** Whether sampling stopped on the budget before the CI target. */
  budgetExhausted: boolean;
  /** Things a reader of the figure should know (a call over the submit cap, a budget cut). */
  notes: string[];
}

/** Something that can time a number of calls: a kernel on the timer, or a peer library's operation. */
export interface Sampler {
  /** Smallest time step of the time source (ms). */
  readonly resolutionMs: number;
  /** Total milliseconds of plan.calls calls, or undefined when the sample was dropped. */
  sample(plan: SamplePlan, signal?: AbortSignal): Promise<number | undefined>;
  /** Samples dropped so far. */
  readonly dropped: number;
}

/** A sampler for a prepared kernel: encode records one call into an open compute pass. */
export function kernelSampler(
  timer: Timer,
  label: string,
  encode: (pass: GPUComputePassEncoder) => void,
): Sampler {
  return {
    get resolutionMs() {
      return timer.info.resolutionMs;
    },
    get dropped() {
      return timer.dropped;
    },
    sample: (plan, signal) => timer.time(label, encode, plan, signal),
  };
}

async function takeSample(sampler: Sampler, plan: SamplePlan, signal?: AbortSignal) {
  const ms = await sampler.sample(plan, signal);
  return ms === undefined ? undefined : ms / plan.calls;
}

/** Calibrates, warms up and samples one prepared kernel or peer operation; returns per-call statistics in ms. */
export async function measure(
  sampler: Sampler,
  label: string,
  options: MeasureOptions,
): Promise<Measurement> {
  const { signal } = options;
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const notes: string[] = [];
  const droppedBefore = sampler.dropped;

  // The first call pays for lazy pipeline and memory set-up: never timed.
  await sampler.sample({ calls: 1, callsPerSubmit: 1 }, signal);
  const single: number[] = [];
  for (let i = 0; i < 3; i++) {
    const ms = await takeSample(sampler, { calls: 1, callsPerSubmit: 1 }, signal);
    if (ms !== undefined) single.push(ms);
  }
  const resolution = sampler.resolutionMs;
  const callMs = Math.max(single.length ? median(single) : resolution, 1e-6);
  const calls = Math.max(
    options.minCallsPerSample ?? 1,
    Math.ceil(Math.max(MEASURE_RULES.resolutionsPerSample * resolution, MEASURE_RULES.minSampleMs) / callMs),
  );
  const callsPerSubmit = Math.max(1, Math.floor(MEASURE_RULES.maxSubmitMs / callMs));
  if (callMs > MEASURE_RULES.maxSubmitMs) {
    notes.push(
      `one call takes ${callMs.toFixed(0)} ms, over the ${MEASURE_RULES.maxSubmitMs} ms planned per submit; a call cannot be split`,
    );
  }
  const plan: SamplePlan = {
    calls,
    callsPerSubmit: Math.min(calls, callsPerSubmit),
    estimatedCallMs: callMs,
  };

  // Warm-up: rounds of a few samples until two consecutive round medians agree.
  let previous: number | undefined;
  let warmupRounds = 0;
  while (warmupRounds < MEASURE_RULES.maxWarmupRounds) {
    throwIfAborted(signal);
    const round: number[] = [];
    for (let i = 0; i < MEASURE_RULES.warmupSamplesPerRound; i++) {
      const ms = await takeSample(sampler, plan, signal);
      if (ms !== undefined) round.push(ms);
    }
    warmupRounds++;
    const current = round.length ? median(round) : undefined;
    if (previous !== undefined && current !== undefined) {
      if (Math.abs(current - previous) <= MEASURE_RULES.warmupAgreement * previous) break;
    }
    previous = current;
    if (elapsed() > MEASURE_RULES.warmupBudgetShare * options.budgetMs && warmupRounds >= 2) {
      notes.push('warm-up stopped on its budget before consecutive medians agreed');
      break;
    }
  }

  const samples: number[] = [];
  let budgetExhausted = false;
  let attempts = 0;
  while (samples.length < MEASURE_RULES.maxSamples) {
    throwIfAborted(signal);
    const ms = await takeSample(sampler, plan, signal);
    attempts++;
    if (ms !== undefined) samples.push(ms);
    else if (attempts > 3 * MEASURE_RULES.maxSamples) break;
    if (samples.length < MEASURE_RULES.minSamples) continue;
    const overBudget = elapsed() > options.budgetMs;
    // The bootstrap costs a little: check every few samples, and always when stopping.
    if (samples.length % 5 === 0 || overBudget) {
      const sorted = [...samples].sort((a, b) => a - b);
      const ci = bootstrapMedianCI(sorted, { resamples: 400 });
      if (relativeHalfWidth(median(sorted), ci) <= MEASURE_RULES.targetRelativeCI) break;
    }
    if (overBudget) {
      budgetExhausted = true;
      break;
    }
  }
  if (samples.length === 0)
    throw new Error(`${label}: every sample was dropped (zero or negative timestamp deltas)`);
  const latencyMs = summarize(samples);
  if (budgetExhausted) {
    const width = relativeHalfWidth(latencyMs.median, latencyMs.ci95);
    notes.push(
      `time budget spent at ±${(100 * width).toFixed(1)}% (target ±${100 * MEASURE_RULES.targetRelativeCI}%)`,
    );
  }
  const dropped = sampler.dropped - droppedBefore;
  if (dropped > 0) notes.push(`${dropped} sample(s) dropped for zero or negative timestamp deltas`);
  return { latencyMs, plan, warmupRounds, dropped, budgetExhausted, notes };
}
