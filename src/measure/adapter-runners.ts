// The families whose runners verify, then time and pair, by themselves (RunnerAdapter in family.ts):
//   gemv         gemv-bench.ts: verified on 257 × 129 (same kernel, format and rows, f64 reference),
//                then timed on the suite's matrix interleaved with the read probe (ceilingPair);
//   decode-step  measure-step.ts: one decoder layer checked against the f64 reference layer, then
//                timed as one command buffer with per-op timestamps, paired with the read probe.

import type { RunnerAdapter } from './family.ts';
import { lookupEntry, unavailable } from './family.ts';
import { gemvBenchCase, runGemvBench } from './gemv-bench.ts';
import { measureDecodeStep } from './measure-step.ts';
import type { Job } from './plan.ts';

function what<K extends Job['what']['kind']>(job: Job, kind: K): Extract<Job['what'], { kind: K }> {
  if (job.what.kind !== kind) throw new Error(`${job.id}: a ${job.what.kind} job, not ${kind}`);
  return job.what as Extract<Job['what'], { kind: K }>;
}

export const gemvAdapter: RunnerAdapter = {
  async run(ctx, job, budgetMs) {
    const { format, rows } = what(job, 'gemv');
    const entry = lookupEntry(ctx.registries, job.kernel, ['gemv']);
    // Skipped like any kernel whose features this adapter lacks (gemv-f16-native without shader-f16).
    const missing = unavailable(ctx, entry.kernel);
    if (missing) return { skipped: missing };
    const c = gemvBenchCase(ctx.gpu.adapter.isSoftware, format, rows);
    return { ...(await runGemvBench(ctx, entry, c, budgetMs)), id: job.id };
  },
};

export const decodeStepAdapter: RunnerAdapter = {
  run: (ctx, job, budgetMs) => measureDecodeStep(ctx, what(job, 'decode-step').case, budgetMs),
};
