// Attention jobs (dense, sparse and decode kernels): seeded q, k, v, the case's mask (built once per
// case and shared: flash and block-sparse run on the same one), checked against the f64 reference.

import { attentionBuffers } from '../kernels/launch.ts';
import { ATTENTION_KINDS } from '../kernels/registry.ts';
import type { AttentionKernel, AttentionProblem } from '../kernels/types.ts';
import { compareToReference } from '../reference/compare.ts';
import type { ParamValue } from '../results/types.ts';
import {
  type AttentionCase,
  type AttentionData,
  attentionData,
  buildMask,
  caseKey,
  describeCase,
  toleranceFor,
  verificationCase,
} from './cases.ts';
import type { JobContext } from './context.ts';
import { type FamilyAdapter, kernelCall, lookupEntry, type Runnable, unavailable } from './family.ts';
import { rotatingCall, workingSetFor } from './rotation.ts';
import { randomFloats } from './working-set.ts';

/** The problem of a case: its mask built (or taken from the run's cache), the default scale. */
export async function attentionProblem(
  ctx: JobContext,
  c: AttentionCase,
  data: AttentionData,
): Promise<AttentionProblem> {
  let mask: AttentionProblem['mask'];
  if (c.mask) {
    const key = caseKey(c);
    let pending = ctx.masks.get(key);
    if (!pending) {
      pending = buildMask(ctx.gpu, c, data);
      ctx.masks.set(key, pending);
      pending.catch(() => ctx.masks.delete(key));
    }
    mask = await pending;
  }
  return {
    heads: c.heads,
    seqQ: c.seqQ,
    seqK: c.seqK,
    headDim: c.headDim,
    causal: c.causal,
    scale: 1 / Math.sqrt(c.headDim),
    mask,
  };
}

/**
 * An attention kernel prepared on a case's data: q, k, v uploaded, o allocated. With `rotate`, over a
 * working set no cache can serve (decode streams its KV cache): set 0 holds the case's data (what
 * verification checks), the other sets the same q with random K and V.
 */
export async function attentionCall(
  ctx: JobContext,
  kernel: AttentionKernel,
  c: AttentionCase,
  label: string,
  rotate = false,
): Promise<Runnable> {
  const data = attentionData(c);
  const problem = await attentionProblem(ctx, c, data);
  if (!rotate) return kernelCall(ctx, label, attentionBuffers(ctx.gpu, kernel, problem, data));
  const plan = workingSetFor(ctx.gpu, kernel.cost(problem).bytes);
  return rotatingCall(ctx, label, plan, (set) =>
    attentionBuffers(
      ctx.gpu,
      kernel,
      problem,
      set === 0
        ? data
        : {
            q: data.q,
            k: randomFloats(data.k.length, 0x4b00 + 2 * set),
            v: randomFloats(data.v.length, 0x5600 + 2 * set + 1),
          },
    ),
  );
}

export const attentionAdapter: FamilyAdapter = {
  async resolve(ctx, job) {
    if (job.what.kind !== 'attention') throw new Error(`${job.id}: not an attention job`);
    const c = job.what.case;
    const entry = lookupEntry(ctx.registries, job.kernel, ATTENTION_KINDS);
    const { kernel } = entry;
    const missing = unavailable(ctx, kernel);
    if (missing) return { skipped: missing };
    const data = attentionData(c);
    const problem = await attentionProblem(ctx, c, data);
    const declined = kernel.decline?.(problem, ctx.gpu);
    if (declined) return { skipped: `${kernel.name} declines ${describeCase(c)}: ${declined}` };
    const params: Record<string, ParamValue> = {};
    if (problem.mask) {
      params.mask = problem.mask.pattern.slice(0, 200);
      params.maskDensity = problem.mask.density;
    }
    const cost = kernel.cost(problem);
    // Decode streams its KV cache: timed over a rotating working set, beside the read probe.
    const streams = job.op === 'decode';
    const sets = streams ? workingSetFor(ctx.gpu, cost.bytes).sets : 1;
    return {
      case: c,
      verifyOn: verificationCase(c),
      cost,
      ...(streams ? { ceiling: { bytes: cost.bytes, sets } } : {}),
      tolerance: toleranceFor(entry.tolerance, c),
      params,
      // Only jobs compared with a dense baseline report a density (speedupVsDense's ideal 1/density).
      density: job.baseline ? problem.mask?.density : undefined,
      prepare: (checked, label) =>
        attentionCall(ctx, kernel, checked as AttentionCase, label, streams && checked === c),
      async check(checked, output) {
        const small = checked as AttentionCase;
        const smallData = small === c ? data : attentionData(small);
        const smallProblem = small === c ? problem : await attentionProblem(ctx, small, smallData);
        const reference = ctx.references.attention(caseKey(small), smallData, smallProblem);
        return { comparison: compareToReference(output, reference, toleranceFor(entry.tolerance, small)) };
      },
    };
  },
};
