// Pieces every attention kernel shares: KV heads, the grid of heads, row padding and the buffers a
// binding needs (the mask layout, a placeholder). The uniform's shared fields are in attention-params.ts,
// the bytes and FLOP model in attention-cost.ts.

import type { Gpu } from '../gpu/gpu.ts';
import type { AttentionProblem } from './types.ts';

/** KV heads of a problem (grouped-query attention), heads when it has none of its own. */
export function kvHeadsOf(p: Pick<AttentionProblem, 'heads' | 'kvHeads'>): number {
  return p.kvHeads ?? p.heads;
}

/** Query heads per KV head: the shaders' kv_group (query head h reads KV head h / kv_group). */
export function kvGroup(p: Pick<AttentionProblem, 'heads' | 'kvHeads'>): number {
  return p.heads / kvHeadsOf(p);
}

/** The mask's 0/1 layout as u32 words (one word when there is no mask: bindings cannot be empty). */
export function maskLayoutBuffer(gpu: Gpu, kernel: string, p: AttentionProblem): GPUBuffer {
  const words = p.mask ? Uint32Array.from(p.mask.layout) : new Uint32Array(1);
  return gpu.upload(`${kernel}.maskLayout`, words);
}

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
