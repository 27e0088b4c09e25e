// The family adapter of each job kind (family.ts says what an adapter does and how to add one).

import { attentionAdapter } from './adapter-attention.ts';
import { matmulAdapter } from './adapter-matmul.ts';
import { peerAdapter } from './adapter-peer.ts';
import { probeAdapter } from './adapter-probe.ts';
import { decodeStepAdapter, gemvAdapter } from './adapter-runners.ts';
import type { FamilyAdapter, SubjectAdapter } from './family.ts';
import type { Job, JobKind } from './plan.ts';

/** The adapter of each job kind. */
export const ADAPTERS: Record<JobKind['kind'], FamilyAdapter> = {
  attention: attentionAdapter,
  matmul: matmulAdapter,
  probe: probeAdapter,
  peer: peerAdapter,
  gemv: gemvAdapter,
  'decode-step': decodeStepAdapter,
};

/** The adapter of a job. */
export function adapterFor(job: Job): FamilyAdapter {
  return ADAPTERS[job.what.kind];
}

/** The adapter of a job the verify-then-time path resolves itself (what pairing needs). */
export function subjectAdapter(job: Job): SubjectAdapter {
  const adapter = adapterFor(job);
  if (!('resolve' in adapter))
    throw new Error(`${job.id}: its family's runner verifies and times it whole; it cannot be paired here`);
  return adapter;
}
