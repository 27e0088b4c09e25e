// Family adapters: how each kind of job is prepared, run and checked. The one verify-then-time
// algorithm (verify.ts) calls them through ADAPTERS (adapters.ts); pairing (pairing.ts) reuses them.
// A family whose runner already verifies, times and pairs its jobs by itself (the gemv suite against
// the read probe, the decode step op by op) is an adapter with run() instead of resolve().
//
// To add a family (say GEMV or a decode step): give its jobs a `what.kind` in plan.ts (JobKind),
// write `adapter-<family>.ts` exporting a FamilyAdapter (this module's interface) whose resolve() looks its kernel up in
// ctx.registries (lookupEntry), builds the case's problem and data, and returns a Subject:
// cost, tolerance (the entry's rule), the case to verify on, prepare() — through kernelCall() for a
// registered kernel — and check() against the f64 reference. Then add it to ADAPTERS in adapters.ts. Skips
// (missing features, a declined problem) are returned as { skipped }, errors thrown.

import { type CallSetup, type Own, type PreparedCall, prepareCall, runOnce } from '../kernels/launch.ts';
import { missingFeatures } from '../kernels/registry.ts';
import type { CostModel, Kernel, KernelEntry, KernelKind } from '../kernels/types.ts';
import type { Comparison, Tolerance } from '../reference/compare.ts';
import type { BenchResult, ParamValue } from '../results/types.ts';
import type { AnyCase as Case } from './cases.ts';
import type { JobContext } from './context.ts';
import type { Job, Registries } from './plan.ts';
import { kernelSampler, type Sampler } from './sample.ts';

/** A prepared call of a kernel or a peer's operation: run once for its output, or sampled for time. */
export interface Runnable {
  /** Runs one call and reads its output back (not timed). */
  output(): Promise<Float32Array>;
  /** What times `calls` calls of it. */
  sampler(label: string): Sampler;
  /** Added to the result (a peer's backend and mode; its notes). */
  params?: Record<string, ParamValue>;
  notes?: string;
  destroy(): void;
}

/** A job resolved by its adapter: what to verify and time, and how. */
export interface Subject {
  /** The job's case. */
  case: Case;
  /** The case to verify on: the job's, or a smaller one of the same kind (CPU reference affordable). */
  verifyOn: Case;
  cost: CostModel;
  tolerance: Tolerance;
  /** Added to the result's params (the mask actually built…). */
  params: Record<string, ParamValue>;
  /** Sparse results: the density of the mask. */
  density?: number;
  /** Prepares a call on `c` (the job's case or verifyOn). */
  prepare(c: Case, label: string): Promise<Runnable>;
  /**
   * Bandwidth-bound jobs (decode): time the call interleaved with the read probe streaming `bytes`
   * per call over `sets` buffer sets (the call's own working set), for its ceilingPair.
   */
  ceiling?: { bytes: number; sets: number };
  /** Compares a call's output on `c` with the reference; notes say how, where that needs saying. */
  check(c: Case, output: Float32Array): Promise<{ comparison: Comparison; notes?: string[] }>;
}

/** A family the one verify-then-time path runs: it resolves a job into a Subject. */
export interface SubjectAdapter {
  /** The subject of a job, or why the job is skipped on this device. */
  resolve(ctx: JobContext, job: Job): Promise<Subject | { skipped: string }>;
}

/** A family whose runner verifies, then times (and pairs) a job by itself and assembles its result. */
export interface RunnerAdapter {
  /**
   * The job's result (verified: false with the reason when it could not be verified or timed), or why
   * the job is skipped on this device (missing adapter features), as SubjectAdapter.resolve says it.
   */
  run(ctx: JobContext, job: Job, budgetMs: number): Promise<BenchResult | { skipped: string }>;
}

export type FamilyAdapter = SubjectAdapter | RunnerAdapter;

/** The registered entry of a job's kernel among some kinds; throws if it is not registered. */
export function lookupEntry<K extends KernelKind>(
  registries: Registries,
  name: string,
  kinds: readonly K[],
): KernelEntry<K> {
  const found = registries.find((e) => e.name === name && (kinds as readonly KernelKind[]).includes(e.kind));
  if (!found)
    throw new Error(
      `kernel '${name}' is not registered as ${kinds.join(' or ')}; this configuration was not run`,
    );
  return found as KernelEntry<K>;
}

/** Why a kernel cannot run here (missing adapter features), or undefined. */
export function unavailable(ctx: JobContext, kernel: Kernel<unknown, unknown>): string | undefined {
  const missing = missingFeatures(ctx.gpu, kernel);
  return missing.length ? `${kernel.name}: this adapter lacks ${missing.join(', ')}` : undefined;
}

/** A registered kernel's call as a Runnable: prepared through the one launch sequence (launch.ts). */
export async function kernelCall(
  ctx: JobContext,
  label: string,
  setup: (own: Own) => Promise<CallSetup>,
): Promise<Runnable> {
  const call: PreparedCall = await prepareCall(ctx.gpu, label, setup);
  return {
    output: () => runOnce(ctx.gpu, `${label}: verification run`, call),
    sampler: (name) => kernelSampler(ctx.timer, name, (pass) => call.run.encode(pass)),
    destroy: () => call.destroy(),
  };
}
