// CPU reference for attention, accumulating in f64: the function every attention kernel must match.
// q is (heads, seqQ, headDim); k and v are (kvHeads, seqK, headDim) (kvHeads = heads unless given:
// grouped-query attention, query head h reads KV head floor(h / (heads / kvHeads))); o is
// (heads, seqQ, headDim).

import type { AttentionProblem } from '../kernels/types.ts';
import {
  ATTENTION_INPUT_FIELDS,
  type AttentionInput,
  checkKnownFields,
  validateAttention,
} from '../kernels/validate.ts';
import { describeValue } from '../util/text.ts';

/** Whether query i may attend to key j: causal is bottom-right aligned (j <= i + seqK - seqQ). */
export function isAllowed(p: AttentionProblem, i: number, j: number): boolean {
  if (p.causal && j > i + (p.seqK - p.seqQ)) return false;
  return p.mask ? p.mask.allows(i, j) : true;
}

/**
 * softmax(scale · QKᵀ, masked) · V in f64; a row with no allowed key gives zeros. Takes the input
 * object of attention() (validated the same way, scale defaulting to 1/√headDim), or q, k, v and the
 * shape separately (validated the same way too).
 */
export function attentionReference(input: AttentionInput): Float64Array;
export function attentionReference(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  p: AttentionProblem,
): Float64Array;
export function attentionReference(
  first: AttentionInput | Float32Array,
  k?: Float32Array,
  v?: Float32Array,
  shape?: AttentionProblem,
): Float64Array {
  if (typeof first !== 'object' || first === null) {
    throw new Error(
      `attentionReference: expected attention()'s input { q, k, v, heads, … } or (q, k, v, shape), got ${describeValue(first)}`,
    );
  }
  if (first instanceof Float32Array) {
    if (!k || !v || !shape) throw new Error('attentionReference: expected q, k, v and the shape');
    const input = { ...shape, q: first, k, v };
    const problem = validateAttention(input);
    checkKnownFields('attentionReference shape', input, ATTENTION_INPUT_FIELDS);
    return reference(first, k, v, problem);
  }
  const problem = validateAttention(first);
  checkKnownFields('attentionReference input', first, ATTENTION_INPUT_FIELDS);
  return reference(first.q, first.k, first.v, problem);
}

function reference(q: Float32Array, k: Float32Array, v: Float32Array, p: AttentionProblem): Float64Array {
  const { heads, seqQ, seqK, headDim: d } = p;
  const out = new Float64Array(heads * seqQ * d);
  const scores = new Float64Array(seqK);
  const group = heads / (p.kvHeads ?? heads);
  for (let h = 0; h < heads; h++) {
    const qh = h * seqQ * d;
    const kh = Math.floor(h / group) * seqK * d;
    for (let i = 0; i < seqQ; i++) {
      let max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < seqK; j++) {
        if (!isAllowed(p, i, j)) {
          scores[j] = Number.NEGATIVE_INFINITY;
          continue;
        }
        let dot = 0;
        for (let c = 0; c < d; c++) dot += q[qh + i * d + c] * k[kh + j * d + c];
        scores[j] = dot * p.scale;
        if (scores[j] > max) max = scores[j];
      }
      if (max === Number.NEGATIVE_INFINITY) continue;
      let sum = 0;
      for (let j = 0; j < seqK; j++) {
        scores[j] = scores[j] === Number.NEGATIVE_INFINITY ? 0 : Math.exp(scores[j] - max);
        sum += scores[j];
      }
      const o = qh + i * d;
      for (let j = 0; j < seqK; j++) {
        const w = scores[j] / sum;
        if (w === 0) continue;
        for (let c = 0; c < d; c++) out[o + c] += w * v[kh + j * d + c];
      }
    }
  }
  return out;
}
