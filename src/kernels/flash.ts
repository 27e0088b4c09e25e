// flash attention (shaders/flash-attention.wgsl): one dispatch, one query row per invocation, K/V
// tiles through workgroup memory, online softmax; S never reaches memory.
// Bytes model: Q, K, V read once and O written once (K/V as packed f16 for flash-f16); re-reads of
// K/V by later query blocks are served by caches and not counted.
// FLOP model: 4 · heads·seqQ·seqK·headDim: every pair is computed (a mask is applied element by
// element; tiles past the causal diagonal of a whole query block are skipped but still counted).
//
// Overrides (defaults below; createFlash takes others, e.g. from an autotune sweep):
//   blockQ      query rows per workgroup = invocations: 1..maxComputeInvocationsPerWorkgroup (64)
//   tileK       keys per K/V tile: 1..64 (32); lowered until 2 · tileK · HEAD_VEC4 · 16 bytes fit
//               maxComputeWorkgroupStorageSize (HEAD_VEC4 = headDim rounded up to 16 floats, in vec4)
//   specialize  fix HEAD_VEC4 and TILE_K per pipeline (loops unroll; one pipeline per 16 values of
//               headDim), or read them at run time (one pipeline for all). Default: specialise on
//               hardware adapters; on software adapters the unrolled pipelines take seconds to
//               compile and run no faster.

import type { Gpu } from '../gpu/gpu.ts';
import {
  attentionFlops,
  attentionParams,
  headGrid,
  ioBytes,
  kvBytes,
  maskLayoutBuffer,
  paddedVec4,
  placeholderBuffer,
  qoBytes,
} from './attention-common.ts';
import { checkPackedKv, packKvF16 } from './kv-f16.ts';
import { checkDispatch, checkInvocations, checkWorkgroupMemory } from './limits.ts';
import type { AttentionKernel, AttentionProblem } from './types.ts';

const SHADER = new URL('../../shaders/flash-attention.wgsl', import.meta.url);
/** Largest tileK the shader's private score array holds (its MAX_TILE_K). */
export const MAX_TILE_K = 64;
/** Largest HEAD_VEC4 (256 floats). */
const MAX_HEAD_VEC4 = 64;
/**
 * vec4 capacity of each tile on the run-time path (4 KiB: 16 keys of headDim 64). Kept small because
 * Dawn zero-fills workgroup memory with code whose compile time on SwiftShader grows with its size.
 */
export const RUNTIME_TILE_SLOTS = 256;

export interface FlashOptions {
  name: string;
  /** Read K and V as packed f16 (converted once in prepare()). */
  kvF16?: boolean;
  blockQ?: number;
  tileK?: number;
  specialize?: boolean;
  /** vec4 capacity of each tile on the run-time path (64..). */
  tileSlots?: number;
}

export const FLASH_DEFAULTS = { blockQ: 64, tileK: 32 } as const;

/** The tile shape of one call: vec4 slots per row, keys per tile, vec4 capacity of each tile. */
export interface TilePlan {
  headVec4: number;
  tileK: number;
  tileSlots: number;
  specialized: boolean;
}

/**
 * Keys per tile and tile capacity for a head dimension under the device's workgroup memory. The
 * run-time path uses one capacity (tileSlots vec4 per tile) for every head dimension.
 */
export function planTiles(
  gpu: Gpu,
  headDim: number,
  tileK: number,
  specialize: boolean,
  tileSlots = RUNTIME_TILE_SLOTS,
): TilePlan {
  const headVec4 = paddedVec4(headDim);
  const slotsFit = Math.floor(gpu.limits.maxComputeWorkgroupStorageSize / (2 * 16));
  const wanted = Math.max(1, Math.min(tileK, MAX_TILE_K));
  if (specialize) {
    const keys = Math.max(1, Math.min(wanted, Math.floor(slotsFit / headVec4)));
    return { headVec4, tileK: keys, tileSlots: keys * headVec4, specialized: true };
  }
  const slots = Math.max(MAX_HEAD_VEC4, Math.min(slotsFit, tileSlots));
  const keys = Math.max(1, Math.min(wanted, Math.floor(slots / headVec4)));
  return { headVec4, tileK: keys, tileSlots: slots, specialized: false };
}

/** The pipeline constants of a tile plan (HEAD_VEC4 = 0 selects the run-time path). */
export function tileConstants(plan: TilePlan): Record<string, number> {
  return plan.specialized
    ? { HEAD_VEC4: plan.headVec4, TILE_K: plan.tileK, TILE_SLOTS: plan.tileSlots }
    : { HEAD_VEC4: 0, TILE_K: 1, TILE_SLOTS: plan.tileSlots };
}

/** A flash kernel with the given name, K/V storage and tile sizes. */
export function createFlash(options: FlashOptions): AttentionKernel {
  const { name, kvF16 = false } = options;
  const blockQ = options.blockQ ?? FLASH_DEFAULTS.blockQ;
  const tileK = options.tileK ?? FLASH_DEFAULTS.tileK;
  return {
    name,
    summary: kvF16
      ? 'flash with K and V stored as f16 (half the K/V bytes), f32 accumulation.'
      : 'One kernel: query rows in registers, K/V tiles through workgroup memory, online softmax; S never written.',

    async prepare(gpu, p, io) {
      const plan = planTiles(
        gpu,
        p.headDim,
        tileK,
        options.specialize ?? !gpu.adapter.isSoftware,
        options.tileSlots,
      );
      const grid = [Math.ceil(p.seqQ / blockQ), ...headGrid(gpu, p.heads)];
      checkInvocations(gpu, `${name} blockQ`, blockQ);
      checkWorkgroupMemory(gpu, `${name} K/V tiles (${plan.tileK} keys)`, 2 * plan.tileSlots * 16);
      checkDispatch(gpu, name, grid);
      if (kvF16) checkPackedKv(gpu, name, p);

      const pipeline = await gpu.pipeline({
        kernel: name,
        shader: SHADER,
        entryPoint: 'main',
        constants: { BLOCK_Q: blockQ, KV_F16: kvF16 ? 1 : 0, ...tileConstants(plan) },
      });
      const params = gpu.uniform(`${name}.params`, attentionParams(p, [plan.headVec4, plan.tileK]));
      const maskLayout = maskLayoutBuffer(gpu, name, p);
      const packed = kvF16 ? await packKvF16(gpu, name, p, io) : undefined;
      const placeholder = placeholderBuffer(gpu, `${name}.unused`);
      const group = gpu.bindGroup(name, pipeline, {
        0: params,
        1: io.q,
        2: kvF16 ? placeholder : io.k,
        3: kvF16 ? placeholder : io.v,
        4: maskLayout,
        5: io.o,
        6: packed?.k16 ?? placeholder,
        7: packed?.v16 ?? placeholder,
      });
      const [x, y, z] = grid;
      return {
        encode(pass) {
          pass.setPipeline(pipeline);
          pass.setBindGroup(0, group);
          pass.dispatchWorkgroups(x, y, z);
        },
        destroy() {
          params.destroy();
          maskLayout.destroy();
          packed?.destroy();
          placeholder.destroy();
        },
      };
    },

    cost(p: AttentionProblem) {
      const bytes = kvF16 ? qoBytes(p) + kvBytes(p, p.seqK, true) : ioBytes(p);
      return { bytes, flops: attentionFlops(p.heads * p.seqQ * p.seqK, p.headDim) };
    },
  };
}

export const flash = createFlash({ name: 'flash' });
export const flashF16 = createFlash({ name: 'flash-f16', kvF16: true });
