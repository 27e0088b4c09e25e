// The bytes and FLOP model of the attention kernels: what each one must move and compute, from which
// its bandwidth and FLOP rate are reported (test/unit/cost-models.test.ts checks every registered
// kernel's model against a formula per kind).

import { kvHeadsOf } from './attention-common.ts';
import type { AttentionProblem, CostModel } from './types.ts';

/** Number of (query, key) pairs that are computed if kept blocks are computed in full. */
export function keptPairs(p: AttentionProblem): number {
  const density = p.mask ? p.mask.elementDensity : 1;
  return p.heads * p.seqQ * p.seqK * density;
}

/** Useful FLOPs: QKᵀ and PV over the pairs that a kernel computes (2 per multiply-add each). */
export function attentionFlops(pairs: number, headDim: number): number {
  return 4 * pairs * headDim;
}

/**
 * Bytes of K and V of the key rows a kernel reads, as f32 or as packed f16: the rows of the kvHeads
 * KV heads (query heads of one group share them).
 */
export function kvBytes(p: AttentionProblem, keyRows: number, f16: boolean): number {
  const perValue = f16 ? 2 : 4;
  const rowValues = f16 ? Math.ceil(p.headDim / 4) * 4 : p.headDim;
  return 2 * perValue * kvHeadsOf(p) * keyRows * rowValues;
}

/** Bytes of Q read once and O written once (f32). */
export function qoBytes(p: AttentionProblem): number {
  return 2 * 4 * p.heads * p.seqQ * p.headDim;
}

/**
 * The bytes and FLOP model of an attention kernel: Q read and O written once (f32), K and V read once
 * over `keyRows` rows (f32 or packed f16; default every key), `scratchBytesPerPair` for each pair whose
 * S or P it writes to memory and reads back, and QKᵀ and PV over `pairs` (default every pair).
 */
export function attentionCost(
  p: AttentionProblem,
  options: { kvF16?: boolean; keyRows?: number; pairs?: number; scratchBytesPerPair?: number } = {},
): CostModel {
  const { kvF16 = false, keyRows = p.seqK, scratchBytesPerPair = 0 } = options;
  const pairs = options.pairs ?? p.heads * p.seqQ * p.seqK;
  return {
    bytes: qoBytes(p) + kvBytes(p, keyRows, kvF16) + scratchBytesPerPair * pairs,
    flops: attentionFlops(pairs, p.headDim),
  };
}
