// runBenchmarks(): the harness the page and the command line share. It plans the configurations of a
// preset or a custom config, measures the ceilings, then runs every configuration (verify, then
// time), and returns the results JSON of the design's contract. One failing configuration becomes a
// failed result and the run goes on; cancellation ends it as 'cancelled' and device loss as 'failed',
// keeping (and labelling) what was measured before.

import packageJson from '../../package.json' with { type: 'json' };
import type { Gpu } from '../gpu/gpu.ts';
import { registry as defaultRegistry, entryWithRole } from '../kernels/registry.ts';
import type { KernelEntry } from '../kernels/types.ts';
import { type BenchResult, RESULTS_SCHEMA, type ResultsFile } from '../results/types.ts';
import { autotune, defaultTuneStore, type Tunable, type Tuned, type TuneStore } from './autotune.ts';
import { type Case, ReferenceCache } from './cases.ts';
import { ceilingsFrom, copyProbeSizes, fmaProbeBytes } from './ceilings.ts';
import type { JobContext } from './context.ts';
import { describeEnvironment } from './environment.ts';
import { isFatal } from './fatal.ts';
import { modelCases } from './model-suite.ts';
import { applyCeilings, speedup } from './models.ts';
import type { Peer, PeerLoader, PeerModule, PeerName } from './peer.ts';
import { type Job, planJobs, type Registries } from './plan.ts';
import {
  type PresetName,
  presetConfig,
  type RunConfig,
  SUITES,
  type Suite,
  validateRunConfig,
} from './presets.ts';
import { failedResult, withinTextCaps } from './result.ts';
import { createTimer, RunCancelledError, type TimerOptions, untilAborted } from './timing.ts';
import { runJob } from './verify.ts';

export { memoryTuneStore, type Tunable, type TuneRecord, type TuneStore } from './autotune.ts';
export type { PeerLoader, PeerModule } from './peer.ts';
export type { Registries } from './plan.ts';
/** The presets and the custom config's checks, for the run's callers (page, CLI, scripts). */
export * from './presets.ts';
export { RunCancelledError } from './timing.ts';

export interface Progress {
  /** Configurations finished (verified, failed or skipped). */
  done: number;
  total: number;
  /** What runs now: "flash h=4 s=512 d=64: measuring". */
  step: string;
  etaMs?: number;
  /** Set when a configuration finished (verified or failed). */
  result?: BenchResult;
}

export interface RunOptions {
  preset?: PresetName;
  config?: RunConfig;
  /** Keep only these suites of the preset or config. */
  only?: Suite[];
  /** Cancel: stops within about a second; the returned file has status 'cancelled'. */
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /**
   * Where peers come from: `() => import('…/peers/index.ts')`, a dynamic import so the
   * page loads fast (peers sit above measure: the caller names them). Without it the peers suite
   * reports that no peers were loaded.
   */
  peers?: PeerLoader;
  /** Replaces the kernel registry (tests inject a faulty kernel, or leave the probes out, this way). */
  registry?: Registries;
  /** Timer choice (tests can force the wall clock). */
  timer?: TimerOptions;
  /**
   * Autotune of tunable kernels: 'sweep' (default when the config asks for it) runs a small sweep when
   * no winner is cached for this adapter; 'cached' only uses a cached winner; 'off' uses the defaults.
   */
  autotune?: 'off' | 'cached' | 'sweep';
  /** Where autotune winners are kept (default: localStorage, or .attnscope-cache/ in Node). */
  tuneStore?: TuneStore;
  /** The tunable kernels (default: those the registry's entries name). */
  tunables?: readonly Tunable[];
}

/**
 * A run whose measuring time (set-up excluded: pipeline compiles take seconds each on SwiftShader)
 * passes this multiple of its budget drops the configurations left (status 'failed').
 */
const HARD_BUDGET_FACTOR = 2;
/** No configuration gets less than this to sample (ms)… */
const MIN_JOB_BUDGET_MS = 400;
/** …nor less than this share of an even split of the budget, when earlier ones overran theirs. */
const MIN_JOB_SHARE = 0.5;
/** Share of the run's budget one autotune sweep may use. */
const AUTOTUNE_BUDGET_SHARE = 0.08;

/** The config a run uses: validated custom config or preset, narrowed to `only`. */
export function resolveConfig(gpu: Gpu, options: RunOptions): RunConfig & { scaledForSoftware?: boolean } {
  let config: RunConfig & { scaledForSoftware?: boolean };
  if (options.config) {
    const checked = validateRunConfig(options.config, gpu.limits);
    if (!checked.ok) throw new Error(checked.errors.map((e) => e.message).join('; '));
    config = checked.value;
  } else {
    config = presetConfig(options.preset ?? 'quick', gpu.adapter);
  }
  if (options.only) {
    const unknown = options.only.filter((s) => !SUITES.includes(s));
    if (unknown.length)
      throw new Error(`only: unknown suite ${unknown.join(', ')}; expected ${SUITES.join(', ')}`);
    config = { ...config, suites: config.suites.filter((s) => options.only?.includes(s)) };
  }
  return config;
}

/**
 * Runs every configuration: verify against the CPU reference, then time. A failure in one
 * configuration becomes a result with verified:false and `error`, and the run goes on. Device loss
 * ends the run with status 'failed' and keeps the results measured before it.
 */
export async function runBenchmarks(gpu: Gpu, options: RunOptions = {}): Promise<ResultsFile> {
  const config = resolveConfig(gpu, options);
  gpu.assertAlive();
  const started = performance.now();
  const { signal, onProgress } = options;
  const registries: Registries = options.registry ?? defaultRegistry;

  let peerModule: PeerModule | undefined;
  let peerLoadError: string | undefined;
  if (config.peers && config.suites.includes('peers')) {
    try {
      if (!options.peers) throw new Error('no peer loader was given (RunOptions.peers)');
      peerModule = await options.peers();
    } catch (error) {
      peerLoadError = `the peer libraries could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const peers = new Map<PeerName, Promise<Peer>>();

  const timer = await createTimer(gpu, options.timer);
  const env = describeEnvironment(gpu, timer.info);
  const jobs = planJobs(config, {
    registries,
    peers: peerModule?.peerNames,
    copySizes: copyProbeSizes(gpu.limits, gpu.adapter.isSoftware),
    fmaBytes: fmaProbeBytes(gpu.adapter.isSoftware),
    decodeSteps: modelCases(gpu, options.preset ?? 'quick'),
  });

  const ctx: JobContext = {
    gpu,
    timer,
    registries,
    references: new ReferenceCache(),
    masks: new Map(),
    signal,
    setupMs: 0,
    verifiedBaseline(job) {
      const base = job.baseline ? jobs.find((j) => j.id === job.baseline) : undefined;
      const result = base && results.find((r) => r.id === base.id);
      return result?.verified && result.latencyMs ? base : undefined;
    },
    peer(name) {
      let pending = peers.get(name);
      if (!pending) {
        if (!peerModule) return Promise.reject(new Error(peerLoadError ?? 'peers are not loaded'));
        pending = peerModule.createPeer(name, gpu, timer.info);
        peers.set(name, pending);
      }
      return pending;
    },
  };

  const results: BenchResult[] = [];
  const probeResults: BenchResult[] = [];
  const keepProbes = config.suites.includes('probes');
  let status: ResultsFile['status'] = 'complete';
  let stopReason: string | undefined;
  const jobTimes: number[] = [];

  const tuned = new Map<string, Tuned>();
  ctx.tuning = (kernel) => tuned.get(kernel);
  const autotuneMode = options.autotune ?? (config.autotune ? 'sweep' : 'cached');
  /** Tunes every tunable kernel the plan uses, then swaps the winners into the registries. */
  const tuneKernels = async () => {
    if (autotuneMode === 'off') return;
    const store = options.tuneStore ?? defaultTuneStore();
    const tunables = options.tunables ?? registries.flatMap((e) => (e.tunable ? [e.tunable] : []));
    for (const tunable of tunables) {
      if (!ctx.registries.some((e) => e.name === tunable.kernel)) continue;
      const tuningCase = largestCase(jobs, tunable.kernel, tunable.shape ?? 'prefill');
      if (!tuningCase) continue;
      const result = await autotune(ctx, tunable, tuningCase, {
        store,
        sweep: autotuneMode === 'sweep',
        budgetMs: AUTOTUNE_BUDGET_SHARE * config.budgetMs,
        onStep: (step) =>
          report(
            jobs.findIndex((j) => !j.ceiling),
            step,
          ),
      });
      if (!result) continue;
      tuned.set(tunable.kernel, result);
      const winner = { ...result.candidate.kernel, name: tunable.kernel };
      ctx.registries = ctx.registries.map((e) =>
        e.name === tunable.kernel ? ({ ...e, kernel: winner } as KernelEntry) : e,
      );
    }
  };
  let tuningDone = false;

  const report = (done: number, step: string, result?: BenchResult) => {
    if (!onProgress) return;
    const mean = jobTimes.length ? jobTimes.reduce((a, b) => a + b, 0) / jobTimes.length : undefined;
    const etaMs = mean === undefined ? undefined : mean * (jobs.length - done);
    try {
      onProgress({ done, total: jobs.length, step, etaMs, result });
    } catch {
      // A listener's bug must not end the measurement.
    }
  };

  /** The jobs that split the run's budget among themselves. */
  const sharing = jobs.filter((j) => j.budgetMs === undefined);
  try {
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i];
      if (signal?.aborted) {
        status = 'cancelled';
        break;
      }
      if (gpu.isLost) {
        status = 'failed';
        stopReason = gpu.lostInfo?.message ?? 'device lost';
        break;
      }
      // Set-up (allocation, pipeline compiles) is not budgeted: it is outside the measurement. Jobs
      // with a budget of their own (the decode steps) are outside the run's budget and its limit.
      const elapsed = performance.now() - started - ctx.setupMs;
      if (job.budgetMs === undefined && elapsed > HARD_BUDGET_FACTOR * config.budgetMs) {
        status = 'failed';
        stopReason = `the run's time budget (${(config.budgetMs / 1000).toFixed(0)} s) was spent`;
        for (const rest of jobs.slice(i).filter((j) => !j.ceiling)) {
          results.push(withinTextCaps(failedResult(rest, `not run: ${stopReason}`)));
        }
        break;
      }
      const remainingJobs = Math.max(1, sharing.filter((j) => jobs.indexOf(j) >= i).length);
      const floor = Math.max(MIN_JOB_BUDGET_MS, (MIN_JOB_SHARE * config.budgetMs) / sharing.length);
      const share = Math.max(floor, (config.budgetMs - elapsed) / remainingJobs);
      const budget = job.budgetMs ?? (job.ceiling ? share / 2 : share);
      const jobStart = performance.now();
      try {
        if (!job.ceiling && !tuningDone) {
          tuningDone = true;
          await untilAborted(tuneKernels(), signal);
        }
        report(i, `${job.label}: verifying and timing`);
        // Cancel returns at once even while a pipeline compiles (SwiftShader can take seconds).
        const outcome = await untilAborted(runJob(ctx, job, budget), signal);
        jobTimes.push(performance.now() - jobStart);
        if ('skipped' in outcome) {
          report(i + 1, `${job.label}: skipped (${outcome.skipped})`);
          continue;
        }
        if (job.ceiling) {
          probeResults.push(withinTextCaps(outcome.result));
          if (!keepProbes) {
            report(
              i + 1,
              `${job.label}: ${outcome.result.verified ? 'done' : `failed (${outcome.result.error})`}`,
            );
            continue;
          }
        }
        const result = withinTextCaps(outcome.result);
        results.push(result);
        report(i + 1, `${job.label}: ${result.verified ? 'done' : 'failed'}`, result);
      } catch (error) {
        if (error instanceof RunCancelledError || (signal?.aborted && !gpu.isLost)) {
          status = 'cancelled';
          break;
        }
        if (isFatal(gpu, error)) {
          status = 'failed';
          stopReason = gpu.lostInfo?.message ?? (error instanceof Error ? error.message : String(error));
          const failed = withinTextCaps(failedResult(job, `not finished: ${stopReason}`));
          results.push(failed);
          report(i + 1, `${job.label}: ${stopReason}`, failed);
          break;
        }
        throw error;
      }
    }
  } finally {
    timer.destroy();
    await Promise.allSettled([...peers.values()].map((p) => p.then((peer) => peer.dispose())));
  }

  const ceilings = ceilingsFrom(probeResults);
  applyCeilings(results, ceilings);
  linkSparseResults(results, jobs);
  if (ceilings.fmaGflops === 0) {
    const copyProbe = entryWithRole('probe', 'bandwidth-ceiling').name;
    for (const r of results) {
      if (r.op === 'probe' && r.kernel === copyProbe && r.verified) {
        r.notes = appendNote(
          r.notes,
          'no fma probe in this build: fmaGflops is 0 and computeUtil is left out',
        );
      }
    }
  }
  if (status !== 'complete') {
    const why = status === 'cancelled' ? 'the run was cancelled' : `the run stopped early: ${stopReason}`;
    for (const r of results)
      r.notes = appendNote(r.notes, `partial run (${why}); measured before it stopped`);
  }
  if (config.scaledForSoftware) {
    for (const r of results) {
      r.params.scaledForSoftware = true;
    }
  }

  return {
    schema: RESULTS_SCHEMA,
    createdAt: new Date().toISOString(),
    tool: { name: 'attnscope', version: packageJson.version },
    status,
    preset: options.config ? 'custom' : (options.preset ?? 'quick'),
    environment: env,
    ceilings,
    results,
  };
}

/**
 * The Gpu for the next run: `current` while its device lives, else a fresh one (the lost one is
 * closed). At most `retries` extra attempts to open a device.
 */
export async function usableGpu(
  current: Gpu | undefined,
  open: () => Promise<Gpu>,
  retries = 2,
): Promise<Gpu> {
  if (current && !current.isLost) return current;
  current?.close();
  let lastError: unknown;
  for (let attempt = 0; attempt <= retries; attempt++) {
    try {
      return await open();
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

/**
 * The largest problem a kernel runs in the plan (dense, no epilogue; attention of the given shape:
 * seqQ = seqK, or a shorter query): where autotune sweeps.
 */
function largestCase(jobs: readonly Job[], kernel: string, shape: 'prefill' | 'decode'): Case | undefined {
  let best: Case | undefined;
  let bestSize = 0;
  for (const job of jobs) {
    if (job.impl !== 'attnscope' || job.kernel !== kernel) continue;
    const what = job.what;
    let c: Case | undefined;
    if (what.kind === 'matmul' && !what.bias && what.activation === 'none') c = what.case;
    else if (
      what.kind === 'attention' &&
      !what.case.mask &&
      (shape === 'prefill' ? what.case.seqQ === what.case.seqK : what.case.seqQ < what.case.seqK)
    )
      c = what.case;
    if (!c) continue;
    const size = c.kind === 'matmul' ? c.m * c.k * c.n : c.heads * c.seqQ * c.seqK * c.headDim;
    if (size > bestSize) {
      best = c;
      bestSize = size;
    }
  }
  return best;
}

function appendNote(notes: string | undefined, note: string): string {
  return (notes ? `${notes}; ${note}` : note).slice(0, 3900);
}

/**
 * speedupVsDense of each sparse result against its baseline (flash on the same problem, or dense
 * decode on the same shape; same run). A sparse job timed as a pair with its baseline (measurePair:
 * interleaved samples, the same load) already carries the median of its per-pair ratios, and keeps
 * it; otherwise (the pair could not be formed) it is the ratio of the two separate medians, and the
 * note says so. Only when the dense result is verified.
 */
export function linkSparseResults(results: BenchResult[], jobs: readonly Job[]): void {
  const byId = new Map(results.map((r) => [r.id, r]));
  for (const job of jobs) {
    if (!job.baseline) continue;
    const sparse = byId.get(job.id);
    if (!sparse) continue;
    const dense = byId.get(job.baseline);
    const separate = speedup(sparse, dense);
    if (separate === undefined) {
      delete sparse.speedupVsDense;
      delete sparse.pairedBaselineMs;
      continue;
    }
    const paired = sparse.speedupVsDense !== undefined;
    const value = sparse.speedupVsDense ?? separate;
    sparse.speedupVsDense = value;
    const ideal = sparse.density ? 1 / sparse.density : undefined;
    const against = !dense
      ? 'the dense baseline'
      : dense.params.mask !== undefined
        ? `${dense.kernel} on the same problem (same mask, every block computed)`
        : `${dense.kernel} without the mask on the same shape`;
    sparse.notes = appendNote(
      sparse.notes,
      `speed-up ${value.toFixed(2)}× vs ${against}${paired ? ` (the two results' separate medians give ${separate.toFixed(2)}×)` : ' (separate measurements, not paired)'}${ideal ? `; ideal 1/density = ${ideal.toFixed(2)}×` : ''}`,
    );
  }
}
