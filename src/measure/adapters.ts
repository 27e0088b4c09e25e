// The family adapter of each job kind (family.ts says what an adapter does and how to add one).

import { attentionAdapter } from './adapter-attention.ts';
import { matmulAdapter } from './adapter-matmul.ts';
import { peerAdapter } from './adapter-peer.ts';
import { probeAdapter } from './adapter-probe.ts';
import type { FamilyAdapter } from './family.ts';
import type { Job, JobKind } from './plan.ts';

/** The adapter of each job kind (the gemv suite runs its own paired path: gemv-bench.ts). */
export const ADAPTERS: Record<Exclude<JobKind['kind'], 'gemv'>, FamilyAdapter> = {
  attention: attentionAdapter,
  matmul: matmulAdapter,
  probe: probeAdapter,
  peer: peerAdapter,
};

/** The adapter of a job (the gemv suite has none: its runner pairs it with the read probe). */
export function adapterFor(job: Job): FamilyAdapter {
  if (job.what.kind === 'gemv') throw new Error(`${job.id}: the gemv suite runs through gemv-bench.ts`);
  return ADAPTERS[job.what.kind];
}
