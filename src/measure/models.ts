// Roofline figures of a measured result: bytes and FLOPs come from each kernel's documented cost
// model (kernel.cost()); here they become GB/s, GFLOP/s, arithmetic intensity and the fractions of
// the ceilings measured by the probes in the same run. Pure.

import type { BenchResult, Ceilings } from '../results/types.ts';
import { aboveCeiling } from './working-set.ts';

export interface Derived {
  gbps: number;
  gflops: number;
  /** flops / bytes (0 when the model moves no bytes). */
  intensity: number;
  /** gbps / ceilings.copyGBps; absent when the ceiling is unknown (0). */
  bwUtil?: number;
  /** gflops / ceilings.fmaGflops; absent when the ceiling is unknown (0). */
  computeUtil?: number;
}

/** GB/s and GFLOP/s of a call that moves `bytes` and does `flops` in `medianMs`, and their utilisations. */
export function derive(bytes: number, flops: number, medianMs: number, ceilings: Ceilings): Derived {
  if (!(medianMs > 0)) throw new Error(`derive: median time must be positive, got ${medianMs}`);
  const seconds = medianMs / 1e3;
  const gbps = bytes / seconds / 1e9;
  const gflops = flops / seconds / 1e9;
  const derived: Derived = { gbps, gflops, intensity: bytes > 0 ? flops / bytes : 0 };
  if (ceilings.copyGBps > 0) derived.bwUtil = gbps / ceilings.copyGBps;
  if (ceilings.fmaGflops > 0) derived.computeUtil = gflops / ceilings.fmaGflops;
  return derived;
}

/**
 * Fills gbps, gflops, intensity, bwUtil, computeUtil of every timed result (ceilings known at the end),
 * and aboveCeiling where a result is above 100 % of its paired ceiling.
 */
export function applyCeilings(results: BenchResult[], ceilings: Ceilings): void {
  for (const r of results) {
    if (!r.verified || !r.latencyMs) continue;
    const d = derive(r.bytes, r.flops, r.latencyMs.median, ceilings);
    r.gbps = d.gbps;
    r.gflops = d.gflops;
    r.intensity = d.intensity;
    if (d.bwUtil !== undefined) r.bwUtil = d.bwUtil;
    else delete r.bwUtil;
    if (d.computeUtil !== undefined) r.computeUtil = d.computeUtil;
    else delete r.computeUtil;
    flagAboveCeiling(r);
  }
}

/** Sets (or clears) aboveCeiling from the result's paired ceiling share. */
export function flagAboveCeiling(r: BenchResult): void {
  const flag = r.ceilingPair ? aboveCeiling(r.ceilingPair.ratio, r.ceilingPair.ci95) : undefined;
  if (flag) r.aboveCeiling = flag;
  else delete r.aboveCeiling;
}

/** Speed-up of a sparse result over its dense baseline: baseline median / sparse median. */
export function speedup(sparse: BenchResult, dense: BenchResult | undefined): number | undefined {
  if (!dense?.verified || !dense.latencyMs || !sparse.verified || !sparse.latencyMs) return undefined;
  return dense.latencyMs.median / sparse.latencyMs.median;
}
