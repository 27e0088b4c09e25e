// flash attention (shaders/flash-attention.wgsl): one dispatch, one query row per invocation,
// online softmax; S never reaches memory. K/V tiles go through workgroup memory (entry `main`) or,
// on CPU adapters, straight from storage (entry `main_direct`).
// Bytes model: Q, K, V read once and O written once (K/V as packed f16 for flash-f16); re-reads of
// K/V by later query blocks are served by caches and not counted.
// FLOP model: 4 · heads·seqQ·seqK·headDim: every pair is computed (a mask is applied element by
// element, masked tiles cost as much as kept ones; tiles past the causal diagonal of a whole query
// block are skipped but still counted).
//
// Overrides (defaults below; createFlash takes others, e.g. from an autotune sweep):
//   blockQ      query rows per workgroup = invocations: 1..maxComputeInvocationsPerWorkgroup (64)
//   tileK       keys per tile: 1..64 (32 staged, 64 direct); when staged, lowered until
//               2 · tileK · HEAD_VEC4 · 16 bytes fit maxComputeWorkgroupStorageSize (HEAD_VEC4 =
//               headDim rounded up to 16 floats, in vec4) or, on the run-time path, the tileSlots
//               capacity (256 vec4)
//   staged      K/V tiles through workgroup memory (hardware default) or read directly (software
//               default: SwiftShader runs a kernel that touches workgroup memory ~1.5× slower, and
//               its shared loads cost ~3× a cached storage load)
//   specialize  fix HEAD_VEC4 and TILE_K per pipeline (loops unroll; one pipeline per 16 values of
//               headDim), or read them at run time (one pipeline for all). Default: specialise on
//               hardware adapters; on software ones unrolled pipelines compile for seconds and run
//               no faster.

import type { Gpu } from '../gpu/gpu.ts';
import { uniformLayout } from '../gpu/uniform.ts';
import {
  type AdapterKind,
  ATTENTION_FIELDS,
  attentionFlops,
  attentionParams,
  headGrid,
  ioBytes,
  isSoftwareKind,
  kvBytes,
  maskLayoutBuffer,
  paddedVec4,
  qoBytes,
} from './attention-common.ts';
import { checkPackedKv, kvBindings, kvFormat } from './kv-pack.ts';
import { checkDispatch, checkInvocations, checkWorkgroupMemory } from './limits.ts';
import { dispatchRun } from './run.ts';
import type { AttentionKernel, AttentionProblem } from './types.ts';

const SHADER = new URL('../../shaders/flash-attention.wgsl', import.meta.url);
/** `struct Params` of flash-attention.wgsl (flash and block-sparse): the shared fields, tiles, CSR walk. */
export const FLASH_PARAMS = uniformLayout('Params', [
  ...ATTENTION_FIELDS,
  ['head_vec4', 'u32'],
  ['tile_k', 'u32'],
  ['sub_tiles', 'u32'],
  ['mask_rows', 'u32'],
  ['tile_rows', 'u32'],
  ['_pad4', 'u32'],
  ['_pad5', 'u32'],
  ['_pad6', 'u32'],
]);
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
  /** Fix HEAD_VEC4 and TILE_K per pipeline (default: on hardware adapters). */
  specialize?: boolean;
  /** Stage K/V tiles through workgroup memory (entry `main`; default: on hardware adapters). */
  staged?: boolean;
  /** vec4 capacity of each tile on the run-time path (64..). */
  tileSlots?: number;
  /** Take this adapter kind's defaults (staged, specialize) instead of the device's own. */
  adapterKind?: AdapterKind;
}

/** tileK: keys per staged tile; directTileK: keys per tile read straight from storage. */
export const FLASH_DEFAULTS = { blockQ: 64, tileK: 32, directTileK: 64 } as const;

/** The tile shape of one call: vec4 slots per row, keys per tile, vec4 capacity of each tile. */
export interface TilePlan {
  headVec4: number;
  tileK: number;
  tileSlots: number;
  specialized: boolean;
  staged: boolean;
}

/**
 * Keys per tile and tile capacity for a head dimension. Staged tiles must fit the device's
 * workgroup memory; the run-time path uses one capacity (tileSlots) for every head dimension.
 */
export function planTiles(
  gpu: Gpu,
  headDim: number,
  options: Pick<FlashOptions, 'tileK' | 'specialize' | 'staged' | 'tileSlots' | 'adapterKind'>,
): TilePlan {
  const headVec4 = paddedVec4(headDim);
  const software = isSoftwareKind(gpu, options.adapterKind);
  const specialized = options.specialize ?? !software;
  const staged = options.staged ?? !software;
  const tileK = options.tileK ?? (staged ? FLASH_DEFAULTS.tileK : FLASH_DEFAULTS.directTileK);
  const wanted = Math.max(1, Math.min(tileK, MAX_TILE_K));
  if (!staged) return { headVec4, tileK: wanted, tileSlots: MAX_HEAD_VEC4, specialized, staged };
  const slotsFit = Math.floor(gpu.limits.maxComputeWorkgroupStorageSize / (2 * 16));
  if (specialized) {
    const keys = Math.max(1, Math.min(wanted, Math.floor(slotsFit / headVec4)));
    return { headVec4, tileK: keys, tileSlots: keys * headVec4, specialized, staged };
  }
  const slots = Math.max(MAX_HEAD_VEC4, Math.min(slotsFit, options.tileSlots ?? RUNTIME_TILE_SLOTS));
  const keys = Math.max(1, Math.min(wanted, Math.floor(slots / headVec4)));
  return { headVec4, tileK: keys, tileSlots: slots, specialized, staged };
}

/** The pipeline constants of a tile plan (HEAD_VEC4 = 0 selects the run-time path). */
export function tileConstants(plan: TilePlan): Record<string, number> {
  return plan.specialized
    ? { HEAD_VEC4: plan.headVec4, TILE_K: plan.tileK, TILE_SLOTS: plan.tileSlots }
    : { HEAD_VEC4: 0, TILE_K: 1, TILE_SLOTS: plan.tileSlots };
}

/** Workgroup memory of a plan (none for the direct entry point). */
export function tileBytes(plan: TilePlan): number {
  return plan.staged ? 2 * plan.tileSlots * 16 : 0;
}

/** A flash kernel with the given name, K/V storage and tile sizes. */
export function createFlash(options: FlashOptions): AttentionKernel {
  const { name, kvF16 = false } = options;
  const blockQ = options.blockQ ?? FLASH_DEFAULTS.blockQ;
  return {
    name,
    summary: kvF16
      ? 'flash with K and V stored as f16 (half the K/V bytes), f32 accumulation.'
      : 'One kernel: query rows in registers, K/V tiles through workgroup memory, online softmax; S never written.',

    async prepare(gpu, p, io) {
      const plan = planTiles(gpu, p.headDim, options);
      const grid = [Math.ceil(p.seqQ / blockQ), ...headGrid(gpu, p.heads)];
      const format = kvFormat(p, kvF16);
      checkInvocations(gpu, `${name} blockQ`, blockQ);
      checkWorkgroupMemory(gpu, `${name} K/V tiles (${plan.tileK} keys)`, tileBytes(plan));
      checkDispatch(gpu, name, grid);
      checkPackedKv(gpu, name, p, format);

      const pipeline = await gpu.pipeline({
        kernel: name,
        shader: SHADER,
        entryPoint: plan.staged ? 'main' : 'main_direct',
        constants: { BLOCK_Q: blockQ, KV_F16: kvF16 ? 1 : 0, ...tileConstants(plan) },
      });
      const params = gpu.uniform(
        `${name}.params`,
        attentionParams(FLASH_PARAMS, p, {
          head_vec4: plan.headVec4,
          tile_k: plan.tileK,
          sub_tiles: 0,
          mask_rows: 0,
          tile_rows: 0,
        }),
      );
      const maskLayout = maskLayoutBuffer(gpu, name, p);
      const kv = await kvBindings(gpu, name, p, io, format);
      const group = gpu.bindGroup(name, pipeline, {
        0: params,
        1: io.q,
        4: maskLayout,
        5: io.o,
        ...kv.entries,
      });
      return dispatchRun([{ pipeline, group, grid }], [params, maskLayout, kv]);
    },

    cost(p: AttentionProblem) {
      const bytes = kvF16 ? qoBytes(p) + kvBytes(p, p.seqK, true) : ioBytes(p);
      return { bytes, flops: attentionFlops(p.heads * p.seqQ * p.seqK, p.headDim) };
    },
  };
}

export const flash = createFlash({ name: 'flash' });
export const flashF16 = createFlash({ name: 'flash-f16', kvF16: true });
