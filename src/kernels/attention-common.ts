// Pieces every attention kernel shares: the Params uniform (the `struct Params` at the top of each
// attention shader), the mask-layout buffer and the element counts of the bytes/FLOP models.

import type { Gpu } from '../gpu/gpu.ts';
import type { AttentionProblem } from './types.ts';

/**
 * Which adapter kind's defaults a kernel takes: its own adapter's unless forced (tests run the
 * hardware paths on a software adapter this way, and autotune tries both).
 */
export type AdapterKind = 'hardware' | 'software';

export function isSoftwareKind(gpu: Gpu, forced: AdapterKind | undefined): boolean {
  return forced ? forced === 'software' : gpu.adapter.isSoftware;
}

/** KV heads of a problem (grouped-query attention), heads when it has none of its own. */
export function kvHeadsOf(p: Pick<AttentionProblem, 'heads' | 'kvHeads'>): number {
  return p.kvHeads ?? p.heads;
}

/** Query heads per KV head: the shaders' kv_group (query head h reads KV head h / kv_group). */
export function kvGroup(p: Pick<AttentionProblem, 'heads' | 'kvHeads'>): number {
  return p.heads / kvHeadsOf(p);
}

/** Bytes of the Params uniform: 12 words. */
export const ATTENTION_PARAMS_BYTES = 48;

/** Packs the Params uniform shared by the attention shaders. */
export function attentionParams(p: AttentionProblem, extra: readonly number[] = []): ArrayBuffer {
  const words = new ArrayBuffer(ATTENTION_PARAMS_BYTES + Math.ceil(extra.length / 4) * 16);
  const u32 = new Uint32Array(words);
  const f32 = new Float32Array(words);
  const i32 = new Int32Array(words);
  u32[0] = p.heads;
  u32[1] = p.seqQ;
  u32[2] = p.seqK;
  u32[3] = p.headDim;
  f32[4] = p.scale;
  u32[5] = p.causal ? 1 : 0;
  u32[6] = p.mask ? 1 : 0;
  u32[7] = p.mask?.blockSize ?? 1;
  u32[8] = p.mask?.cols ?? 1;
  i32[9] = p.seqK - p.seqQ;
  u32[10] = kvGroup(p);
  extra.forEach((word, index) => {
    u32[12 + index] = word;
  });
  return words;
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

/** Bytes of Q, K, V read once and O written once (f32; K and V of the kvHeads KV heads only). */
export function ioBytes(p: AttentionProblem): number {
  return 4 * p.headDim * (2 * p.heads * p.seqQ + 2 * kvHeadsOf(p) * p.seqK);
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
  return gpu.buffer(label, 16);
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
