// Picking the evidence a claim may use out of a results file: verified attnscope results only, chosen
// by what a result is (its op, parameters and registry roles) rather than by kernel names. A file from
// before the decode-step and GEMV fields (ops, projection, ceilingPair) existed simply offers no such
// evidence.

import { kernelNames } from '../kernels/registry.ts';
import type { BenchResult, LatencyStats, ParamValue, ResultsFile } from '../results/types.ts';
import type { Interval } from './verdicts.ts';

export type TimedResult = BenchResult & { latencyMs: LatencyStats };

/** Every result a claim may read; the decode-step and GEMV fields (ops, projection, ceilingPair) included. */
export type Evidence = TimedResult;

/** Ops whose time is bound by memory traffic: each call streams its operands once. */
export const MEMORY_BOUND_OPS: readonly string[] = ['gemv', 'decode', 'decode-step'];

// Kernels the registry marks memory-bound (decode and its variants; GEMV where registered so).
const MEMORY_BOUND_KERNELS = new Set(kernelNames({ role: 'memory-bound', variants: true }));

/**
 * A memory-bound result: a GEMV or a whole decode step, or decode attention run by a kernel with the
 * registry's 'memory-bound' role (a dense kernel timed on a decode problem is not counted).
 */
export function isMemoryBound(result: BenchResult): boolean {
  const op = result.op as string;
  return (
    op === 'gemv' || op === 'decode-step' || (op === 'decode' && MEMORY_BOUND_KERNELS.has(result.kernel))
  );
}

/**
 * The smallest working set that no current GPU's last-level cache holds: 4 × 128 MiB (the largest
 * last-level caches of current GPUs are 96–128 MiB of L2 / Infinity Cache).
 */
export const UNCACHED_WORKING_SET_BYTES = 512 * 1024 * 1024;

/** Verified attnscope results with a usable latency: the only ones a check may treat as speeds. */
export function timedResults(results: ResultsFile, ops?: readonly string[]): Evidence[] {
  return results.results.filter(
    (result): result is Evidence =>
      result.verified &&
      result.impl === 'attnscope' &&
      (ops === undefined || ops.includes(result.op)) &&
      result.latencyMs !== undefined &&
      Number.isFinite(result.latencyMs.median) &&
      result.latencyMs.median > 0,
  );
}

/** The latency's median and CI as an interval. */
export function latencyInterval(result: TimedResult): Interval {
  return { estimate: result.latencyMs.median, ci95: result.latencyMs.ci95 };
}

// Parameters that describe how a result was measured, not the problem: a sparse decode rotates through
// a working set sized by its own bytes, so it differs from its dense twin's.
const MEASUREMENT_PARAMS: ReadonlySet<string> = new Set(['workingSetBytes']);

/**
 * Every problem parameter of `subset` has the same value in `of` (a dense run's problem, inside a
 * sparse run's); measurement parameters (the working set) may differ.
 */
export function paramsWithin(subset: Record<string, ParamValue>, of: Record<string, ParamValue>): boolean {
  return Object.keys(subset).every(
    (key) => MEASUREMENT_PARAMS.has(key) || (Object.hasOwn(of, key) && subset[key] === of[key]),
  );
}

export function workingSetBytes(result: Evidence): number | undefined {
  const fromParams = result.params.workingSetBytes;
  if (typeof fromParams === 'number') return fromParams;
  return result.ceilingPair?.workingSetBytes;
}

/** A memory-bound result's share of the read probe timed beside it, with its CI (absent: not paired). */
export function readProbeShare(result: Evidence): Interval | undefined {
  const pair = result.ceilingPair;
  if (pair === undefined || !Number.isFinite(pair.ratio)) return undefined;
  return { estimate: pair.ratio, ci95: pair.ci95 };
}

export interface SparseDecodePair {
  sparse: Evidence;
  dense: Evidence;
  density: number;
  /** 1 − sparse bytes ÷ dense bytes (measured bytes of the byte model). */
  bytesSaved: number;
  /** The paired speed-up (dense time ÷ sparse time) and its CI, when the two were timed interleaved. */
  speedup?: Interval;
}

/** Sparse decode results (op decode, fewer than all KV blocks) with their dense baseline of the same kernel. */
export function sparseDecodePairs(results: ResultsFile): SparseDecodePair[] {
  const decodes = timedResults(results, ['decode']);
  const dense = decodes.filter((result) => result.density === undefined || result.density >= 1);
  return decodes.flatMap((sparse) => {
    if (sparse.density === undefined || !(sparse.density < 1)) return [];
    const baseline = dense.find(
      (candidate) => candidate.kernel === sparse.kernel && paramsWithin(candidate.params, sparse.params),
    );
    if (baseline === undefined || !(baseline.bytes > 0)) return [];
    const ci = sparse.speedupCi95;
    const speedup =
      sparse.speedupVsDense !== undefined && ci !== undefined
        ? { estimate: sparse.speedupVsDense, ci95: ci }
        : undefined;
    return [
      {
        sparse,
        dense: baseline,
        density: sparse.density,
        bytesSaved: 1 - sparse.bytes / baseline.bytes,
        speedup,
      },
    ];
  });
}

/** Verified decode-step results of `model` (op 'decode-step'), fastest-changing field last. */
export function decodeSteps(results: ResultsFile, model?: string): Evidence[] {
  return timedResults(results, ['decode-step']).filter(
    (result) => model === undefined || result.params.model === model,
  );
}

/** Attention results of two kinds on the same problem: separate kernels against one fused kernel. */
export interface FusionPair {
  unfused: TimedResult;
  fused: TimedResult;
}

// The dense kernels the fusion mechanism compares, by registry role: the separate-pass baseline and
// the kernels that fuse QKᵀ with the softmax.
const FUSION = {
  baseline: kernelNames({ kinds: ['dense'], role: 'baseline' }),
  fused: kernelNames({ kinds: ['dense'], role: 'fused', variants: true }),
};

export function fusionPairs(results: ResultsFile): FusionPair[] {
  const attention = timedResults(results, ['attention']);
  return attention
    .filter((result) => FUSION.baseline.includes(result.kernel))
    .flatMap((unfused) =>
      attention
        .filter(
          (fused) =>
            FUSION.fused.includes(fused.kernel) &&
            paramsWithin(fused.params, unfused.params) &&
            paramsWithin(unfused.params, fused.params),
        )
        .map((fused) => ({ unfused, fused })),
    );
}

/** Verified matmul results with a share of the FMA probe. */
export function matmulShares(results: ResultsFile): Evidence[] {
  return timedResults(results, ['matmul']).filter(
    (result) => result.computeUtil !== undefined && Number.isFinite(result.computeUtil),
  );
}
