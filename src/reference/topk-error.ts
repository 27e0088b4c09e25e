// How far attention restricted to a block mask (top-k, say) is from full attention on the same data,
// both computed by the f64 CPU reference.

import type { BlockMask } from '../kernels/block-mask.ts';
import {
  ATTENTION_INPUT_FIELDS,
  type AttentionInput,
  checkKnownFields,
  validateAttention,
} from '../kernels/validate.ts';
import { describeValue } from '../util/text.ts';
import { attentionReference } from './attention.ts';

export interface ApproximationError {
  /** max |o_topk − o_full| over all outputs. */
  maxAbsErr: number;
  /** ‖o_topk − o_full‖₂ / ‖o_full‖₂. */
  relativeL2: number;
}

/**
 * How far attention restricted to `mask` is from full attention on the same data (both computed by
 * the f64 CPU reference): top-k attention approximates, and this says by how much. The input and the
 * mask are validated as attention() validates them (kvHeads included).
 */
export function topKApproximationError(
  input: Omit<AttentionInput, 'mask'>,
  mask: BlockMask,
): ApproximationError {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new Error(
      `topKApproximationError: input: expected attention()'s input { q, k, v, heads, seqQ, seqK, headDim, … }, got ${describeValue(input)}`,
    );
  }
  // Without a mask both sides would be full attention: a perfect score that measured nothing. (A mask
  // is then checked as attention() checks it: one passed through postMessage is a plain object.)
  if (typeof mask !== 'object' || mask === null) {
    throw new Error(
      `topKApproximationError: mask: expected a BlockMask (blockMask.topK or a builder), got ${describeValue(mask)}`,
    );
  }
  const problem = validateAttention({ ...input, mask });
  // attention()'s input as it is, a mask included, is accepted (`mask` here takes its place).
  checkKnownFields('topKApproximationError input', input, ATTENTION_INPUT_FIELDS);
  const full = attentionReference(input.q, input.k, input.v, { ...problem, mask: undefined });
  const sparse = attentionReference(input.q, input.k, input.v, problem);
  let maxAbsErr = 0;
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < full.length; i++) {
    const e = Math.abs(sparse[i] - full[i]);
    if (e > maxAbsErr) maxAbsErr = e;
    diff += e * e;
    norm += full[i] * full[i];
  }
  return { maxAbsErr, relativeL2: norm > 0 ? Math.sqrt(diff / norm) : Math.sqrt(diff) };
}
