// The sampling loop of one configuration: on a hardware GPU a spin-up that raises its clocks (untimed
// calls until the time per call stops falling), an untimed first call, a calibration that sizes a sample
// (≥ 100× the timer's resolution and ≥ 5 ms) and a submit (well under a second of GPU time, for browser
// watchdogs), a warm-up that runs until consecutive medians agree, then samples until the 95% CI of
// the median is within ±2% or the configuration's time budget is spent (never fewer than 10).
// measurePair() does the same for a sparse kernel and its dense baseline at once, interleaving their
// samples so that both see the same load, and gives the speed-up from the per-pair ratios;
// measureBeside() for a kernel and several baselines (a ceiling probe on several grids).

import type { LatencyStats } from '../results/types.ts';
import { bootstrapMedianCI, median, relativeHalfWidth, summarize } from './stats.ts';
import { type EncodeCall, type SamplePlan, type Timer, throwIfAborted } from './timing.ts';

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
  /**
   * Spin-up (hardware GPUs): untimed calls for at least this many ms of GPU time (the H200's fma
   * probe stayed at its idle clock through ~100 ms of calibration, warm-up and samples)…
   */
  spinUpMinMs: 300,
  /** …in samples of about this long… */
  spinUpSampleMs: 20,
  /** …and for at most this long on the wall clock. */
  spinUpMaxMs: 2000,
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
  /** Runs on a GPU that lowers its clocks when idle (hardware): measure() spins it up first. */
  readonly spinUp?: boolean;
}

/** A sampler for a prepared kernel: encode records one call into an open compute pass. */
export function kernelSampler(timer: Timer, label: string, encode: EncodeCall): Sampler {
  return {
    get resolutionMs() {
      return timer.info.resolutionMs;
    },
    get dropped() {
      return timer.dropped;
    },
    spinUp: timer.spinUp,
    sample: (plan, signal) => timer.time(label, encode, plan, signal),
  };
}

async function takeSample(sampler: Sampler, plan: SamplePlan, signal?: AbortSignal) {
  const ms = await sampler.sample(plan, signal);
  return ms === undefined ? undefined : ms / plan.calls;
}

interface Calibrated {
  plan: SamplePlan;
  notes: string[];
}

/** The untimed first call, then a sample plan sized from three single calls. */
async function calibrate(sampler: Sampler, options: MeasureOptions): Promise<Calibrated> {
  const { signal } = options;
  const notes: string[] = [];
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
  return { plan: { calls, callsPerSubmit: Math.min(calls, callsPerSubmit), estimatedCallMs: callMs }, notes };
}

/**
 * A hardware GPU lowers its clocks when idle and raises them only under load: on an H200 the fma
 * probe, timed right after seconds of CPU-side set-up, ran 5.7× slower than under load — its
 * 345 MHz idle clock against 1980 MHz — with a tight CI, so the warm-up's agreeing medians did not
 * catch it. Before calibrating, the samplers that spin up take untimed samples of about
 * spinUpSampleMs, in turn, until the time per call stops falling (two rounds running with no
 * sampler's time a new low by more than warmupAgreement) after at least spinUpMinMs of their GPU
 * time, or until spinUpMaxMs on the wall clock. Returns a note when it stopped on that limit with
 * the time per call still falling.
 */
async function spinUp(samplers: readonly Sampler[], signal?: AbortSignal): Promise<string | undefined> {
  const hot = samplers.filter((s) => s.spinUp);
  if (hot.length === 0) return undefined;
  const elapsed = stopwatch();
  const calls = hot.map(() => 1);
  const best = hot.map(() => Number.POSITIVE_INFINITY);
  let busyMs = 0;
  let steady = 0;
  let rounds = 0;
  // Whether the last round set a new low (the first round's, against nothing, does not count).
  let falling = false;
  while (elapsed() < MEASURE_RULES.spinUpMaxMs) {
    throwIfAborted(signal);
    let fell = false;
    for (let s = 0; s < hot.length; s++) {
      const callsPerSubmit = Math.max(1, Math.floor(MEASURE_RULES.maxSubmitMs / (best[s] || 1)));
      const ms = await takeSample(hot[s], { calls: calls[s], callsPerSubmit }, signal);
      if (ms === undefined) continue;
      busyMs += ms * calls[s];
      if (!(ms >= best[s] * (1 - MEASURE_RULES.warmupAgreement))) fell = true;
      best[s] = Math.min(best[s], ms);
      calls[s] = Math.max(1, Math.ceil(MEASURE_RULES.spinUpSampleMs / Math.max(ms, 1e-6)));
    }
    rounds++;
    falling = fell && rounds > 1;
    steady = fell ? 0 : steady + 1;
    if (steady >= 2 && busyMs >= MEASURE_RULES.spinUpMinMs) return undefined;
  }
  // Calls so long that one round outlasts the limit kept the GPU busy all along: nothing to say.
  if (!falling) return undefined;
  return `timed after ${MEASURE_RULES.spinUpMaxMs} ms of untimed calls while the time per call was still falling (the GPU's clocks may not have settled)`;
}

/**
 * Warm-up: rounds of a few samples of each sampler (interleaved when there are several) until two
 * consecutive round medians of every sampler agree. Returns the rounds run.
 */
async function warmUp(
  samplers: readonly { sampler: Sampler; plan: SamplePlan }[],
  options: MeasureOptions,
  elapsed: () => number,
  notes: string[],
): Promise<number> {
  const previous: (number | undefined)[] = samplers.map(() => undefined);
  let rounds = 0;
  while (rounds < MEASURE_RULES.maxWarmupRounds) {
    throwIfAborted(options.signal);
    const round: number[][] = samplers.map(() => []);
    for (let i = 0; i < MEASURE_RULES.warmupSamplesPerRound; i++) {
      for (let s = 0; s < samplers.length; s++) {
        const ms = await takeSample(samplers[s].sampler, samplers[s].plan, options.signal);
        if (ms !== undefined) round[s].push(ms);
      }
    }
    rounds++;
    const current = round.map((r) => (r.length ? median(r) : undefined));
    const agree = current.every((c, s) => {
      const p = previous[s];
      return p !== undefined && c !== undefined && Math.abs(c - p) <= MEASURE_RULES.warmupAgreement * p;
    });
    if (agree) break;
    for (let s = 0; s < samplers.length; s++) previous[s] = current[s];
    if (elapsed() > MEASURE_RULES.warmupBudgetShare * options.budgetMs && rounds >= 2) {
      notes.push('warm-up stopped on its budget before consecutive medians agreed');
      break;
    }
  }
  return rounds;
}

function budgetNote(latencyMs: LatencyStats): string {
  const width = relativeHalfWidth(latencyMs.median, latencyMs.ci95);
  return `time budget spent at ±${(100 * width).toFixed(1)}% (target ±${100 * MEASURE_RULES.targetRelativeCI}%)`;
}

function withinTarget(samples: readonly number[]): boolean {
  const sorted = [...samples].sort((a, b) => a - b);
  const ci = bootstrapMedianCI(sorted, { resamples: 400 });
  return relativeHalfWidth(median(sorted), ci) <= MEASURE_RULES.targetRelativeCI;
}

/** Milliseconds since the call. */
function stopwatch(): () => number {
  const started = performance.now();
  return () => performance.now() - started;
}

/**
 * The sampling loop of measure() and measurePair(): `take(attempt)` takes one sample (or pair) and
 * says whether it counted. Stops at maxSamples counted; once minSamples count, when `converged()`
 * (checked every 5 and on the budget: the bootstrap costs a little) or when the budget is spent;
 * or after 3 · maxSamples attempts that mostly did not count. Returns whether the budget ran out.
 */
async function sampleUntilConverged(
  options: MeasureOptions,
  elapsed: () => number,
  counted: () => number,
  take: (attempt: number) => Promise<boolean>,
  converged: () => boolean,
): Promise<boolean> {
  let attempts = 0;
  while (counted() < MEASURE_RULES.maxSamples) {
    throwIfAborted(options.signal);
    const ok = await take(attempts++);
    if (!ok && attempts > 3 * MEASURE_RULES.maxSamples) break;
    if (counted() < MEASURE_RULES.minSamples) continue;
    const overBudget = elapsed() > options.budgetMs;
    if ((counted() % 5 === 0 || overBudget) && converged()) break;
    if (overBudget) return true;
  }
  return false;
}

/** One sampler's statistics, with notes on a spent budget and on dropped samples. */
function measurement(
  sampler: Sampler,
  samples: readonly number[],
  run: Pick<Measurement, 'plan' | 'notes' | 'warmupRounds' | 'budgetExhausted'> & { droppedBefore: number },
): Measurement {
  const latencyMs = summarize(samples);
  const notes = run.notes;
  if (run.budgetExhausted) notes.push(budgetNote(latencyMs));
  const dropped = sampler.dropped - run.droppedBefore;
  if (dropped > 0) notes.push(`${dropped} sample(s) dropped for zero or negative timestamp deltas`);
  return {
    latencyMs,
    plan: run.plan,
    warmupRounds: run.warmupRounds,
    dropped,
    budgetExhausted: run.budgetExhausted,
    notes,
  };
}

/** Calibrates, warms up and samples one prepared kernel or peer operation; returns per-call statistics in ms. */
export async function measure(
  sampler: Sampler,
  label: string,
  options: MeasureOptions,
): Promise<Measurement> {
  const { signal } = options;
  const spun = await spinUp([sampler], signal);
  const elapsed = stopwatch();
  const droppedBefore = sampler.dropped;

  const { plan, notes } = await calibrate(sampler, options);
  if (spun) notes.push(spun);
  const warmupRounds = await warmUp([{ sampler, plan }], options, elapsed, notes);

  const samples: number[] = [];
  const budgetExhausted = await sampleUntilConverged(
    options,
    elapsed,
    () => samples.length,
    async () => {
      const ms = await takeSample(sampler, plan, signal);
      if (ms !== undefined) samples.push(ms);
      return ms !== undefined;
    },
    () => withinTarget(samples),
  );
  if (samples.length === 0)
    throw new Error(`${label}: every sample was dropped (zero or negative timestamp deltas)`);
  return measurement(sampler, samples, { plan, notes, warmupRounds, budgetExhausted, droppedBefore });
}

/** The speed-up of a paired measurement: statistics of the per-pair ratios baseline / candidate. */
export interface PairedRatio {
  /** Median of the per-pair ratios (baseline time / candidate time of adjacent samples). */
  median: number;
  /** Percentile-bootstrap 95% CI of that median. */
  ci95: [number, number];
  /** Pairs the ratio comes from. */
  pairs: number;
}

export interface PairedMeasurement {
  /** The candidate (the sparse kernel): its own per-call statistics from the interleaved samples. */
  candidate: Measurement;
  /** The baseline (the dense kernel on the same problem), from the same interleaved samples. */
  baseline: Measurement;
  ratio: PairedRatio;
}

/** A candidate timed beside one or more baselines: its statistics, and each baseline's with its ratio. */
export interface BesideMeasurement {
  candidate: Measurement;
  baselines: { measurement: Measurement; ratio: PairedRatio }[];
}

/**
 * Times a candidate and its baseline as a pair, so that both see the same machine load: each is
 * calibrated on its own, both warm up together, then samples alternate — candidate, baseline,
 * baseline, candidate, … (the order flips every pair, so neither always runs just after the other)
 * — and each adjacent two form a pair. The speed-up is the median of the per-pair ratios
 * baseline / candidate, with its bootstrap CI; a pair with a dropped sample is left out. Sampling
 * stops once the CI of the ratio's median and of the candidate's median are within ±2%, or on the
 * budget (never fewer than 10 pairs).
 */
export async function measurePair(
  candidate: Sampler,
  baseline: Sampler,
  label: string,
  options: MeasureOptions,
): Promise<PairedMeasurement> {
  const m = await measureBeside(candidate, [baseline], label, options);
  const [{ measurement, ratio }] = m.baselines;
  return { candidate: m.candidate, baseline: measurement, ratio };
}

/**
 * measurePair() with several baselines (the same probe on several grids, say): rounds of one sample
 * each, in order — candidate, baselines… — then in reverse, so that no baseline always runs just
 * after the candidate; each baseline's ratio comes from its sample and the candidate's of the same
 * round, and a round with a dropped sample is left out. Sampling stops once the CI of the
 * candidate's median and of its ratio to the fastest baseline so far are within ±2%, or on the
 * budget (never fewer than 10 rounds).
 */
export async function measureBeside(
  candidate: Sampler,
  baselines: readonly Sampler[],
  label: string,
  options: MeasureOptions,
): Promise<BesideMeasurement> {
  if (baselines.length === 0) throw new Error(`${label}: no baseline to time beside`);
  const { signal } = options;
  const samplers = [candidate, ...baselines];
  const spun = await spinUp(samplers, signal);
  const elapsed = stopwatch();
  const droppedBefore = samplers.map((s) => s.dropped);
  const calibrated: Calibrated[] = [];
  for (const sampler of samplers) calibrated.push(await calibrate(sampler, options));
  const pairNotes: string[] = spun ? [spun] : [];
  const warmupRounds = await warmUp(
    samplers.map((sampler, i) => ({ sampler, plan: calibrated[i].plan })),
    options,
    elapsed,
    pairNotes,
  );

  const samples: number[][] = samplers.map(() => []);
  const ratios: number[][] = baselines.map(() => []);
  const budgetExhausted = await sampleUntilConverged(
    options,
    elapsed,
    () => ratios[0].length,
    async (attempt) => {
      const round: (number | undefined)[] = [];
      const order = samplers.map((_, i) => i);
      if (attempt % 2 === 1) order.reverse();
      for (const i of order) round[i] = await takeSample(samplers[i], calibrated[i].plan, signal);
      round.forEach((ms, i) => {
        if (ms !== undefined) samples[i].push(ms);
      });
      const [x, ...ys] = round;
      if (x === undefined || x <= 0) return false;
      const counted = ys.filter((y) => y !== undefined);
      if (counted.length < ys.length) return false;
      counted.forEach((y, b) => {
        ratios[b].push(y / x);
      });
      return true;
    },
    () => withinTarget(samples[0]) && withinTarget(ratios[fastest(samples.slice(1))]),
  );
  if (ratios[0].length === 0)
    throw new Error(`${label}: every paired sample was dropped (zero or negative timestamp deltas)`);
  const finish = (i: number) =>
    measurement(samplers[i], samples[i], {
      plan: calibrated[i].plan,
      notes: [...calibrated[i].notes, ...pairNotes],
      warmupRounds,
      budgetExhausted,
      droppedBefore: droppedBefore[i],
    });
  return {
    candidate: finish(0),
    baselines: baselines.map((_, b) => {
      const sorted = [...ratios[b]].sort((p, q) => p - q);
      return {
        measurement: finish(b + 1),
        ratio: { median: median(sorted), ci95: bootstrapMedianCI(sorted), pairs: sorted.length },
      };
    }),
  };
}

/** Index of the lowest of some medians. */
function lowest(medians: readonly number[]): number {
  return medians.indexOf(Math.min(...medians));
}

/** Index of the sample list with the lowest median (the fastest of several baselines so far). */
function fastest(samples: readonly (readonly number[])[]): number {
  return lowest(samples.map((s) => (s.length ? median(s) : Infinity)));
}

/** Index of the baseline with the lowest median latency in a measureBeside() result. */
export function fastestBaseline(m: BesideMeasurement): number {
  return lowest(m.baselines.map((b) => b.measurement.latencyMs.median));
}
