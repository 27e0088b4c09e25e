// Pieces every attention kernel shares: the fields that open every attention shader's `struct Params`
// (each module's layout appends its own), the mask-layout buffer and the element counts of the bytes/FLOP models.

import type { Gpu } from '../gpu/gpu.ts';
import { packUniform, type UniformLayout, type UniformValues } from '../gpu/uniform.ts';
import type { AttentionProblem, CostModel } from './types.ts';

/** KV heads of a problem (grouped-query attention), heads when it has none of its own. */
export function kvHeadsOf(p: Pick<AttentionProblem, 'heads' | 'kvHeads'>): number {
  return p.kvHeads ?? p.heads;
}

/** Query heads per KV head: the shaders' kv_group (query head h reads KV head h / kv_group). */
export function kvGroup(p: Pick<AttentionProblem, 'heads' | 'kvHeads'>): number {
  return p.heads / kvHeadsOf(p);
}

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

/** The mask's 0/1 layout as u32 words (one word when there is no mask: bindings cannot be empty). */
export function maskLayoutBuffer(gpu: Gpu, kernel: string, p: AttentionProblem): GPUBuffer {
  const words = p.mask ? Uint32Array.from(p.mask.layout) : new Uint32Array(1);
  return gpu.upload(`${kernel}.maskLayout`, words);
}

/** Number of (query, key) pairs that are computed if kept blocks are computed in full. */
export function keptPairs(p: AttentionProblem): number {
  const density = p.mask ? p.mask.elementDensity : 1;
  return p.heads * p.seqQ * p.seqK * density;
}

/** Useful FLOPs: QKᵀ and PV over the pairs that a kernel computes (2 per multiply-add each). */
export function attentionFlops(pairs: number, headDim: number): number {
  return 4 * pairs * headDim;
}

/** exp(x) = exp2(x · log2(e)): the fused kernels fold log2(e) into the scale. */
export const LOG2E = Math.LOG2E;

/**
 * Workgroup counts along y and z that hold `heads`: shaders compute h = wid.y + wid.z · num_workgroups.y
 * and return early past the last head, so any number of heads fits maxComputeWorkgroupsPerDimension.
 */
export function headGrid(gpu: Gpu, heads: number): [number, number] {
  const y = Math.min(heads, gpu.limits.maxComputeWorkgroupsPerDimension);
  return [y, Math.ceil(heads / y)];
}

/** vec4 slots of a row padded to 16 floats: the shaders' HEAD_VEC4 (inner loops take 4 vec4 at a time). */
export function paddedVec4(headDim: number): number {
  return Math.ceil(headDim / 16) * 4;
}

/** A 16-byte buffer for a binding that a pipeline declares but this call does not read. */
export function placeholderBuffer(gpu: Gpu, label: string): GPUBuffer {
  return gpu.buffer(label, PLACEHOLDER_BYTES);
}

/** The size of placeholderBuffer's buffers: one vec4. */
export const PLACEHOLDER_BYTES = 16;

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
