// The fields that open every attention shader's `struct Params` (each kernel's layout appends its
// own u32 fields after them) and their values for a problem.

import { packUniform, type UniformLayout, type UniformValues } from '../gpu/uniform.ts';
import { kvGroup } from './attention-common.ts';
import type { AttentionProblem } from './types.ts';

/** The fields every attention shader's `struct Params` opens with, in order. */
export const ATTENTION_FIELDS = [
  ['heads', 'u32'],
  ['seq_q', 'u32'],
  ['seq_k', 'u32'],
  ['head_dim', 'u32'],
  ['scale', 'f32'],
  ['causal', 'u32'],
  ['has_mask', 'u32'],
  ['block_size', 'u32'],
  ['mask_cols', 'u32'],
  ['causal_offset', 'i32'],
  ['kv_group', 'u32'],
] as const;

type AttentionField = Exclude<(typeof ATTENTION_FIELDS)[number][0], `_${string}`>;

/** The values of the shared fields for a problem. */
export function attentionValues(p: AttentionProblem): Record<AttentionField, number | boolean> {
  return {
    heads: p.heads,
    seq_q: p.seqQ,
    seq_k: p.seqK,
    head_dim: p.headDim,
    scale: p.scale,
    causal: p.causal,
    has_mask: p.mask !== undefined,
    block_size: p.mask?.blockSize ?? 1,
    mask_cols: p.mask?.cols ?? 1,
    causal_offset: p.seqK - p.seqQ,
    kv_group: kvGroup(p),
  };
}

/** Packs an attention shader's Params: the shared fields of `p`, then the kernel's own `extra` ones. */
export function attentionParams<N extends string>(
  layout: UniformLayout<N>,
  p: AttentionProblem,
  extra: Omit<UniformValues<N>, AttentionField> & Partial<Record<AttentionField, number | boolean>>,
): ArrayBuffer {
  return packUniform(layout, { ...attentionValues(p), ...extra } as UniformValues<N>);
}
