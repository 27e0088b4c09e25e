// How a job's result is assembled: a failure (never a speed), a mismatch with the reference (its
// errors, no speed), or a verified and timed result (latency, cost, errors, notes, tuning).

import type { CostModel } from '../kernels/types.ts';
import type { Comparison, Tolerance } from '../reference/compare.ts';
import { cutResultTexts, RESULTS_CAPS } from '../results/schema.ts';
import type { BenchResult, ParamValue } from '../results/types.ts';
import { type AnyCase as Case, describeCase } from './cases.ts';
import type { Job } from './plan.ts';
import type { Measurement } from './sample.ts';

/** What verification found: the comparison, and the notes and params that say how it was done. */
export interface Verified {
  check: Comparison;
  tolerance: Tolerance;
  notes: string[];
  params: Record<string, ParamValue>;
}

/** Notes longer than this are cut (the schema caps strings). */
const MAX_NOTES = 3900;

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The schema wants finite errors: an infinite or NaN error is recorded as the largest double. */
export function finiteError(x: number): number {
  return Number.isFinite(x) ? x : Number.MAX_VALUE;
}

export function joinNotes(notes: readonly (string | undefined)[]): string | undefined {
  const text = notes.filter(Boolean).join('; ');
  return text ? text.slice(0, MAX_NOTES) : undefined;
}

/**
 * The result with its error, notes and aboveCeiling cut to what the schema takes (a compiler's
 * message can run to pages): a result the schema refused would keep the whole run from being
 * kept by the page, shared or imported again.
 */
export function withinTextCaps(result: BenchResult): BenchResult {
  return cutResultTexts(result, RESULTS_CAPS.longText);
}

/** A result not (or not yet) verified: what ran, on what, at what cost; no errors, never a speed. */
export function unverifiedResult(
  identity: Pick<BenchResult, 'id' | 'op' | 'kernel' | 'impl' | 'params'>,
  cost: CostModel,
): BenchResult {
  return { ...identity, bytes: cost.bytes, flops: cost.flops, maxAbsErr: 0, maxRelErr: 0, verified: false };
}

/** A result that reports a failure (never a speed). */
export function failedResult(
  job: Job,
  error: string,
  cost: CostModel = { bytes: 0, flops: 0 },
  notes?: string,
  params: Record<string, ParamValue> = {},
): BenchResult {
  const { id, op, kernel, impl } = job;
  const result: BenchResult = {
    ...unverifiedResult({ id, op, kernel, impl, params: { ...job.params, ...params } }, cost),
    error,
  };
  if (notes) result.notes = notes;
  return result;
}

/** When the case verified on is not the job's own: a param and a note that say so. */
export function verifiedOn(original: Case, checked: Case): Pick<Verified, 'notes' | 'params'> {
  if (checked === original) return { notes: [], params: {} };
  return {
    params: { verifiedOn: describeCase(checked) },
    notes: [
      `verified on ${describeCase(checked)} (same kernel and configuration): the CPU reference of ${describeCase(original)} would take too long`,
    ],
  };
}

/** A result whose output differs from the f64 reference: the errors and where, never a speed. */
export function mismatchResult(
  job: Job,
  cost: CostModel,
  verified: Verified,
  params: Record<string, ParamValue>,
  notes: readonly (string | undefined)[] = [],
): BenchResult {
  const { check, tolerance } = verified;
  const where = verified.params.verifiedOn ? ` on ${verified.params.verifiedOn}` : '';
  const error =
    `output differs from the f64 reference${where}: max abs err ${check.maxAbsErr.toExponential(2)}, ` +
    `max rel err ${check.maxRelErr.toExponential(2)} (tolerance ${tolerance.atol} + ${tolerance.rtol}·|ref|)\n${check.failure ?? ''}`;
  return {
    ...failedResult(job, error, cost, joinNotes([...verified.notes, ...notes]), {
      ...params,
      ...verified.params,
    }),
    maxAbsErr: finiteError(check.maxAbsErr),
    maxRelErr: finiteError(check.maxRelErr),
  };
}

/** A verified, timed result; `tuned` is the autotuned configuration of the kernel, if any. */
export function timedResult(
  job: Job,
  cost: CostModel,
  verified: Verified,
  measurement: Measurement,
  options: {
    params?: Record<string, ParamValue>;
    density?: number;
    notesBefore?: readonly (string | undefined)[];
    tuned?: { params: Record<string, ParamValue>; notes: string };
  } = {},
): BenchResult {
  const { tuned } = options;
  const result: BenchResult = {
    id: job.id,
    op: job.op,
    kernel: job.kernel,
    impl: job.impl,
    params: { ...job.params, ...options.params, ...verified.params, ...(tuned?.params ?? {}) },
    latencyMs: measurement.latencyMs,
    bytes: cost.bytes,
    flops: cost.flops,
    maxAbsErr: finiteError(verified.check.maxAbsErr),
    maxRelErr: finiteError(verified.check.maxRelErr),
    verified: true,
  };
  if (options.density !== undefined) result.density = options.density;
  const notes = joinNotes([
    ...(options.notesBefore ?? []),
    ...verified.notes,
    ...measurement.notes,
    tuned?.notes,
  ]);
  if (notes) result.notes = notes;
  return result;
}
