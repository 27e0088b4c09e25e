// What every job of a run shares: the device, the timer, the registry (autotune swaps winners in),
// the cached references and masks, the peers, the budget bookkeeping and the run's callbacks.

import type { Gpu } from '../gpu/gpu.ts';
import type { BlockMask } from '../kernels/block-mask.ts';
import type { ParamValue } from '../results/types.ts';
import type { ReferenceCache } from './cases.ts';
import type { Peer, PeerName } from './peer.ts';
import type { Job, Registries } from './plan.ts';
import type { Timer } from './timing.ts';

export interface JobContext {
  gpu: Gpu;
  timer: Timer;
  registries: Registries;
  references: ReferenceCache;
  /** Masks by case key (flash and block-sparse share a problem). */
  masks: Map<string, Promise<BlockMask>>;
  /** Peers, created on first use. */
  peer(name: PeerName): Promise<Peer>;
  signal?: AbortSignal;
  /** Milliseconds spent setting kernels and peers up (allocation, pipeline compiles), outside the budget. */
  setupMs: number;
  /** Extra notes and params for a kernel (the autotuned configuration), if any. */
  tuning?(kernel: string): { params: Record<string, ParamValue>; notes: string } | undefined;
  /**
   * The dense baseline job of a sparse job (job.baseline), when it was verified earlier in this run:
   * the sparse job then times itself interleaved with it (measurePair) for speedupVsDense.
   */
  verifiedBaseline?(job: Job): Job | undefined;
}

/** Runs set-up work (allocation, compiles) and books its time in ctx.setupMs. */
export async function setup<T>(ctx: JobContext, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    ctx.setupMs += performance.now() - start;
  }
}
