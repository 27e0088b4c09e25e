// Paired timing: two verified calls timed interleaved (measurePair), each on its own buffers, so the
// machine's drifting load falls on both alike. A sparse job against its dense baseline
// (speedupVsDense), and autotune's check that a sweep's winner really beats the default.

import { entry } from '../kernels/registry.ts';
import type { AttentionKernel, MatmulKernel } from '../kernels/types.ts';
import { subjectAdapter } from './adapters.ts';
import type { Case } from './cases.ts';
import { type JobContext, setup } from './context.ts';
import type { Runnable } from './family.ts';
import { isFatal } from './fatal.ts';
import type { Job } from './plan.ts';
import { message } from './result.ts';
import { type Measurement, measurePair, type PairedMeasurement, type PairedRatio } from './sample.ts';

/**
 * Runs timing work (outside error scopes: they would serialise the samples) and fails it when the
 * device reported an uncaptured error meanwhile.
 */
export async function checkedTiming<T>(ctx: Pick<JobContext, 'gpu'>, work: () => Promise<T>): Promise<T> {
  const errorsBefore = ctx.gpu.uncapturedErrors.length;
  const value = await work();
  if (ctx.gpu.uncapturedErrors.length > errorsBefore) {
    throw new Error(`GPU error while timing: ${ctx.gpu.uncapturedErrors.slice(errorsBefore).join('; ')}`);
  }
  return value;
}

/** Two prepared calls timed interleaved: `candidate` against `baseline`. */
function timePair(
  ctx: JobContext,
  candidate: { label: string; call: Runnable },
  baseline: { label: string; call: Runnable },
  budgetMs: number,
): Promise<PairedMeasurement> {
  return checkedTiming(ctx, () =>
    measurePair(
      candidate.call.sampler(candidate.label),
      baseline.call.sampler(baseline.label),
      candidate.label,
      { budgetMs, signal: ctx.signal },
    ),
  );
}

export type PairOutcome =
  | { measurement: Measurement; ratio: PairedRatio; baselineMs: number; note: string }
  | { unpaired: string };

/**
 * Times a verified job interleaved with its baseline job (verified earlier in the run), both
 * prepared at once. When the baseline cannot be prepared again here, says why: the caller then
 * times the job alone.
 */
export async function timeWithBaseline(
  ctx: JobContext,
  job: Job,
  call: Runnable,
  base: Job,
  budgetMs: number,
): Promise<PairOutcome> {
  let other: Runnable | undefined;
  try {
    try {
      const subject = await subjectAdapter(base).resolve(ctx, base);
      if ('skipped' in subject) throw new Error(subject.skipped);
      other = await setup(ctx, () => subject.prepare(subject.case, base.label));
    } catch (error) {
      if (isFatal(ctx.gpu, error)) throw error;
      return {
        unpaired: `timed alone, not paired with ${base.label} (it could not be prepared again: ${message(error)}); speedupVsDense then compares separate measurements`,
      };
    }
    const paired = await timePair(
      ctx,
      { label: job.label, call },
      { label: base.label, call: other },
      budgetMs,
    );
    return {
      measurement: paired.candidate,
      ratio: paired.ratio,
      baselineMs: paired.baseline.latencyMs.median,
      note: pairNote(base, paired),
    };
  } finally {
    other?.destroy();
  }
}

function pairNote(base: Job, paired: PairedMeasurement): string {
  const { ratio } = paired;
  return (
    `timed interleaved with ${base.label} (${ratio.pairs} pairs, same load): speedupVsDense is the median ` +
    `of the per-pair ratios ${base.kernel}/this, 95% CI ${ratio.ci95[0].toFixed(2)}–${ratio.ci95[1].toFixed(2)}×; ` +
    `${base.kernel} in the pairs: median ${paired.baseline.latencyMs.median.toPrecision(3)} ms (its own result is its separate measurement)`
  );
}

/** A job that runs `kernel` on case `c` alone (autotune's candidates), with the registry to find it in. */
export function kernelJob(
  c: Case,
  kernel: AttentionKernel | MatmulKernel,
  label = kernel.name,
): { job: Job; registries: JobContext['registries'] } {
  const matmul = c.kind === 'matmul';
  const job: Job = {
    id: `autotune/${label}`,
    suite: matmul ? 'matmul' : 'attention',
    op: matmul ? 'matmul' : 'attention',
    impl: 'attnscope',
    kernel: kernel.name,
    what: matmul
      ? { kind: 'matmul', case: c, bias: false, activation: 'none' }
      : { kind: 'attention', case: c },
    label,
    params: {},
  };
  const registered = matmul
    ? entry('matmul', kernel as MatmulKernel)
    : entry('dense', kernel as AttentionKernel);
  return { job, registries: [registered] };
}

/**
 * Times two kernels of one family on one case (both verified on it before), interleaved and each on
 * its own buffers: the speed-up of `candidate` over `baseline` (the median of the per-pair ratios
 * baseline / candidate) with its CI. Autotune's check that a sweep's winner really beats the default.
 */
export async function comparePair(
  ctx: JobContext,
  c: Case,
  candidate: AttentionKernel | MatmulKernel,
  baseline: AttentionKernel | MatmulKernel,
  budgetMs: number,
): Promise<PairedRatio> {
  const prepare = async (kernel: AttentionKernel | MatmulKernel): Promise<Runnable> => {
    const { job, registries } = kernelJob(c, kernel);
    const subject = await subjectAdapter(job).resolve({ ...ctx, registries }, job);
    if ('skipped' in subject) throw new Error(subject.skipped);
    return setup(ctx, () => subject.prepare(c, kernel.name));
  };
  let a: Runnable | undefined;
  let b: Runnable | undefined;
  try {
    a = await prepare(candidate);
    b = await prepare(baseline);
    const paired = await timePair(
      ctx,
      { label: candidate.name, call: a },
      { label: baseline.name, call: b },
      budgetMs,
    );
    return paired.ratio;
  } finally {
    a?.destroy();
    b?.destroy();
  }
}
