// Peer jobs (TensorFlow.js WebGPU, gpu.js): the same cases and the same f64 references as the
// kernels; the peer's own operation produces the output and times its calls with its own sync. Peers
// implement the algorithms of the baseline kernels (naive matmul, unfused attention): their cost models.

import { selectEntries } from '../kernels/registry.ts';
import { defaultTolerance } from '../kernels/tolerance.ts';
import type { CostModel } from '../kernels/types.ts';
import { compareToReference } from '../reference/compare.ts';
import {
  type AttentionCase,
  attentionData,
  type Case,
  caseKey,
  matmulData,
  toleranceFor,
  verificationCase,
} from './cases.ts';
import { type JobContext, setup } from './context.ts';
import type { FamilyAdapter, Runnable } from './family.ts';
import type { PeerName } from './peer.ts';
import { message } from './result.ts';

const scaleOf = (c: AttentionCase) => 1 / Math.sqrt(c.headDim);

/** The cost of the baseline kernel of the case's kind (registry role 'baseline'). */
function baselineCost(c: Case): CostModel {
  if (c.kind === 'matmul') {
    const [naive] = selectEntries({ kinds: ['matmul'], role: 'baseline' });
    if (naive?.kind === 'matmul') return naive.kernel.cost({ m: c.m, k: c.k, n: c.n });
  } else if (c.kind === 'attention') {
    const [unfused] = selectEntries({ kinds: ['dense'], role: 'baseline' });
    if (unfused?.kind === 'dense') {
      const { heads, seqQ, seqK, headDim } = c;
      return unfused.kernel.cost({ heads, seqQ, seqK, headDim, causal: false, scale: scaleOf(c) });
    }
  }
  return { bytes: 0, flops: 0 };
}

/** The peer's operation on a case, as a Runnable. */
async function peerCall(ctx: JobContext, name: PeerName, c: Case): Promise<Runnable> {
  let peer: Awaited<ReturnType<JobContext['peer']>>;
  try {
    peer = await setup(ctx, () => ctx.peer(name));
  } catch (error) {
    throw new Error(`${name} could not start: ${message(error)}`);
  }
  let op: Awaited<ReturnType<NonNullable<typeof peer.matmul>>>;
  if (c.kind === 'matmul') {
    if (!peer.matmul) throw new Error(`${name} has no matmul here`);
    op = await peer.matmul(c, matmulData(c));
  } else if (c.kind === 'attention') {
    if (!peer.attention) throw new Error(`${name} has no attention here`);
    op = await peer.attention(c, attentionData(c), scaleOf(c));
  } else throw new Error(`${name} has no such operation`);
  return {
    output: () => op.output(),
    sampler: () => ({
      resolutionMs: op.resolutionMs,
      dropped: 0,
      spinUp: !ctx.gpu.adapter.isSoftware,
      sample: (plan, signal) => op.time(plan.calls, signal),
    }),
    params: op.params,
    notes: op.notes,
    destroy: () => op.dispose(),
  };
}

function attentionReference(ctx: JobContext, c: AttentionCase): Float64Array {
  const { heads, seqQ, seqK, headDim } = c;
  const problem = { heads, seqQ, seqK, headDim, causal: false, scale: scaleOf(c) };
  return ctx.references.attention(caseKey(c), attentionData(c), problem);
}

export const peerAdapter: FamilyAdapter = {
  async resolve(ctx, job) {
    if (job.what.kind !== 'peer') throw new Error(`${job.id}: not a peer job`);
    const { peer, case: c } = job.what;
    const rule = defaultTolerance(c.kind === 'matmul' ? 'matmul' : 'dense', 'f32');
    return {
      case: c,
      verifyOn: verificationCase(c),
      cost: baselineCost(c),
      tolerance: toleranceFor(rule, c),
      params: {},
      prepare: (checked) => peerCall(ctx, peer, checked as Case),
      async check(checked, output) {
        const reference =
          checked.kind === 'matmul'
            ? ctx.references.matmul(caseKey(checked), matmulData(checked), {
                m: checked.m,
                k: checked.k,
                n: checked.n,
              })
            : attentionReference(ctx, checked as AttentionCase);
        return { comparison: compareToReference(output, reference, toleranceFor(rule, checked)) };
      },
    };
  },
};
