// What the attention GPU test files share: the control shape, the f32 tolerance, and building a
// problem with its seeded inputs from a named case.

import type { AttentionProblem } from '../../src/kernels/types.ts';
import type { AttentionInput } from '../../src/kernels/validate.ts';
import type { BlockMask, MaskShape } from '../../src/masks/index.ts';
import type { Tolerance } from '../../src/reference/compare.ts';
import { randomArray } from './gpu-harness.ts';

/** The control case every other case varies along one axis. */
export const CONTROL = { heads: 2, seqQ: 64, seqK: 64, headDim: 32 };

/** The case that breaks a softmax without its running maximum: logits up to ±50. */
export const LARGE_LOGITS = {
  name: 'large logits (QKᵀ up to ±50)',
  ...CONTROL,
  seqQ: 31,
  seqK: 45,
  headDim: 16,
  range: 7,
  scale: 1,
};

/** f32 kernels against the f64 reference. */
export const F32_TOL: Tolerance = { atol: 2e-5, rtol: 2e-4 };

/** The shape of a case; causal off, inputs in [-1, 1) and scale 1/√headDim unless given. */
export interface AttentionCase {
  heads: number;
  seqQ: number;
  seqK: number;
  headDim: number;
  /** KV heads (grouped-query attention); k and v hold this many heads. */
  kvHeads?: number;
  causal?: boolean;
  /** Inputs drawn from [-range, range) (default 1). */
  range?: number;
  scale?: number;
  mask?: (shape: Omit<MaskShape, 'blockSize'>) => BlockMask;
}

/** A case's problem and inputs (q, k, v seeded 1, 2, 3; v always in [-1, 1)). */
export interface Built {
  problem: AttentionProblem;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  /** The same, as the library API takes it. */
  input: AttentionInput;
}

export function build(c: AttentionCase): Built {
  const { heads, seqQ, seqK, headDim } = c;
  const kvHeads = c.kvHeads ?? heads;
  const range = c.range ?? 1;
  const problem: AttentionProblem = {
    heads,
    seqQ,
    seqK,
    headDim,
    ...(c.kvHeads === undefined ? {} : { kvHeads }),
    causal: c.causal ?? false,
    scale: c.scale ?? 1 / Math.sqrt(headDim),
    mask: c.mask?.({ seqQ, seqK }),
  };
  const q = randomArray(heads * seqQ * headDim, 1, -range, range);
  const k = randomArray(kvHeads * seqK * headDim, 2, -range, range);
  const v = randomArray(kvHeads * seqK * headDim, 3);
  return { problem, q, k, v, input: { ...problem, q, k, v } };
}
