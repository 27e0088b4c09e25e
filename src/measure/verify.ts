// The one verify-then-time path every job takes, whatever its family: resolve the job through its
// family adapter (a skip when the device lacks a feature or the kernel declines the case), prepare a
// call on the verification case (the job's own, or a smaller one of the same kind when the CPU
// reference would take too long), check its output against the f64 reference, and only then time
// the call on the job's case — interleaved with its dense baseline when it has a verified one.
// Any failure becomes a result with verified: false and `error`; cancellation and device loss are
// thrown for the run to handle.

import type { BenchResult } from '../results/types.ts';
import { adapterFor } from './adapters.ts';
import { type JobContext, setup } from './context.ts';
import type { Runnable, Subject } from './family.ts';
import { isFatal } from './fatal.ts';
import { checkedTiming, timeWithBaseline } from './pairing.ts';
import type { Job } from './plan.ts';
import { timeWithCeiling } from './read-ceiling.ts';
import {
  failedResult,
  joinNotes,
  message,
  mismatchResult,
  timedResult,
  type Verified,
  verifiedOn,
} from './result.ts';
import { measure } from './sample.ts';

export type JobOutcome = { result: BenchResult } | { skipped: string };

/** Runs one job within its time budget (ms). */
export async function runJob(ctx: JobContext, job: Job, budgetMs: number): Promise<JobOutcome> {
  let subject: Subject | { skipped: string };
  try {
    const adapter = adapterFor(job);
    // A family whose runner verifies and times by itself (gemv, the decode step) returns its result.
    if ('run' in adapter) {
      const outcome = await adapter.run(ctx, job, budgetMs);
      return 'skipped' in outcome ? outcome : { result: outcome };
    }
    subject = await adapter.resolve(ctx, job);
  } catch (error) {
    if (isFatal(ctx.gpu, error)) throw error;
    return { result: failedResult(job, message(error)) };
  }
  if ('skipped' in subject) return subject;
  return { result: await verifyThenTime(ctx, job, subject, budgetMs) };
}

async function verifyThenTime(
  ctx: JobContext,
  job: Job,
  subject: Subject,
  budgetMs: number,
): Promise<BenchResult> {
  const { cost, params } = subject;
  let call: Runnable | undefined;
  let notes: string | undefined;
  try {
    const checked = subject.verifyOn;
    const own = checked === subject.case;
    const target = await setup(ctx, () =>
      subject.prepare(checked, own ? job.label : `${job.label} (verification)`),
    );
    notes = target.notes;
    let verified: Verified;
    try {
      const { comparison, notes: checkNotes = [] } = await subject.check(checked, await target.output());
      const where = verifiedOn(subject.case, checked);
      verified = {
        check: comparison,
        tolerance: subject.tolerance,
        notes: [...where.notes, ...checkNotes],
        params: { ...where.params, ...target.params },
      };
    } finally {
      if (own) call = target;
      else target.destroy();
    }
    if (!verified.check.ok) return mismatchResult(job, cost, verified, params, [notes]);

    call ??= await setup(ctx, () => subject.prepare(subject.case, job.label));
    const timed = call;
    notes = timed.notes;
    const tuned = job.impl === 'attnscope' ? ctx.tuning?.(job.kernel) : undefined;
    const assemble = (measurement: Parameters<typeof timedResult>[3], notesBefore: (string | undefined)[]) =>
      timedResult(job, cost, verified, measurement, {
        params: { ...params, ...timed.params },
        density: subject.density,
        notesBefore: [timed.notes, ...notesBefore],
        tuned,
      });

    const base = job.baseline ? ctx.verifiedBaseline?.(job) : undefined;
    // A bandwidth-bound job is also timed beside its ceiling (the read probe, same working set): with
    // a baseline as well, the two pairs share the budget.
    const { ceiling } = subject;
    const ceilingBudget = ceiling && base ? budgetMs / 2 : budgetMs;
    const besideCeiling = async () =>
      ceiling ? timeWithCeiling(ctx, job.label, timed, cost.bytes, ceiling.sets, ceilingBudget) : undefined;
    if (base) {
      const paired = await timeWithBaseline(ctx, job, timed, base, budgetMs - (ceiling ? ceilingBudget : 0));
      const beside = await besideCeiling();
      if ('ratio' in paired) {
        const result = assemble(paired.measurement, [paired.note, beside?.note]);
        result.speedupVsDense = paired.ratio.median;
        result.pairedBaselineMs = paired.baselineMs;
        result.speedupCi95 = [paired.ratio.ci95[0], paired.ratio.ci95[1]];
        if (beside) result.ceilingPair = beside.ceilingPair;
        return result;
      }
      const alone = beside?.measurement ?? (await measureAlone(ctx, job, timed, budgetMs));
      const result = assemble(alone, [paired.unpaired, beside?.note]);
      if (beside) result.ceilingPair = beside.ceilingPair;
      return result;
    }
    const beside = await besideCeiling();
    if (beside) {
      const result = assemble(beside.measurement, [beside.note]);
      result.ceilingPair = beside.ceilingPair;
      return result;
    }
    return assemble(await measureAlone(ctx, job, timed, budgetMs), []);
  } catch (error) {
    if (isFatal(ctx.gpu, error)) throw error;
    return failedResult(job, message(error), cost, joinNotes([notes]), params);
  } finally {
    call?.destroy();
  }
}

function measureAlone(ctx: JobContext, job: Job, call: Runnable, budgetMs: number) {
  return checkedTiming(ctx, () =>
    measure(call.sampler(job.label), job.label, { budgetMs, signal: ctx.signal }),
  );
}
