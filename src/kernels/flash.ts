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

import { type AdapterKind, type Gpu, isSoftwareKind } from '../gpu/gpu.ts';
import { u32, uniformLayout } from '../gpu/uniform.ts';
import { headGrid, maskLayoutBuffer, paddedVec4 } from './attention-common.ts';
import { attentionCost } from './attention-cost.ts';
import { ATTENTION_FIELDS, attentionParams } from './attention-params.ts';
import { checkPackedKv, kvBindings, kvFormat } from './kv-pack.ts';
import { checkBinding, checkDispatch, checkInvocations, checkWorkgroupMemory } from './limits.ts';
import { dispatchRun } from './run.ts';
import type { AttentionKernel, AttentionProblem } from './types.ts';

const SHADER = new URL('../../shaders/flash-attention.wgsl', import.meta.url);
/** `struct Params` of flash-attention.wgsl (flash and block-sparse): the shared fields, tiles, CSR walk. */
export const FLASH_PARAMS = uniformLayout('Params', [
  ...ATTENTION_FIELDS,
  ...u32('head_vec4', 'tile_k', 'sub_tiles', 'mask_rows', 'tile_rows', 'splits', 'split_keys'),
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
  /** Take this adapter kind's defaults (staged, specialize, splits) instead of the device's own. */
  adapterKind?: AdapterKind;
  /**
   * Key splits per query block (staged `main` only; merged by a second pass). Default: 1 on software
   * adapters; on hardware ones enough to give FLASH_MIN_WORKGROUPS workgroups (at most 16, and
   * splits of at least two tiles).
   */
  splits?: number;
}

/** Workgroups a hardware adapter's flash grid should reach (a 132-SM GPU, about two per SM). */
export const FLASH_MIN_WORKGROUPS = 256;
const MAX_SPLITS = 16;

/** Key splits and keys per split (a multiple of tileK) of a flash call. */
export function planSplits(
  p: AttentionProblem,
  blockQ: number,
  tileK: number,
  wanted: number | 'auto',
): { splits: number; splitKeys: number } {
  let splits = wanted;
  if (splits === 'auto') {
    const workgroups = Math.ceil(p.seqQ / blockQ) * p.heads;
    const most = Math.max(1, Math.min(MAX_SPLITS, Math.floor(p.seqK / (2 * tileK))));
    splits = Math.min(most, Math.max(1, Math.ceil(FLASH_MIN_WORKGROUPS / workgroups)));
  }
  if (!Number.isInteger(splits) || splits < 1) {
    throw new Error(`flash.splits: expected a positive integer, got ${splits}`);
  }
  const splitKeys = Math.ceil(Math.ceil(p.seqK / splits) / tileK) * tileK;
  return { splits: Math.ceil(p.seqK / splitKeys), splitKeys };
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

/** Kernel.summary by K/V storage. */
const SUMMARY = {
  f32: 'One kernel: query rows in registers, K/V tiles through workgroup memory, online softmax; S never written.',
  f16: 'flash with K and V stored as f16 (half the K/V bytes), f32 accumulation.',
};

/** A flash kernel with the given name, K/V storage and tile sizes. */
export function createFlash(options: FlashOptions): AttentionKernel {
  const { name, kvF16 = false } = options;
  const blockQ = options.blockQ ?? FLASH_DEFAULTS.blockQ;
  return {
    name,
    summary: SUMMARY[kvF16 ? 'f16' : 'f32'],

    async prepare(gpu, p, io) {
      const plan = planTiles(gpu, p.headDim, options);
      const software = isSoftwareKind(gpu, options.adapterKind);
      const { splits, splitKeys } = plan.staged
        ? planSplits(p, blockQ, plan.tileK, options.splits ?? (software ? 1 : 'auto'))
        : { splits: 1, splitKeys: 0 };
      const heads = headGrid(gpu, p.heads);
      const grid = [Math.ceil(p.seqQ / blockQ) * splits, ...heads];
      const mergeGrid = [p.seqQ, ...heads];
      const partBytes = p.heads * p.seqQ * splits * (plan.headVec4 + 1) * 16;
      const format = kvFormat(p, kvF16);
      checkInvocations(gpu, `${name} blockQ`, blockQ);
      checkWorkgroupMemory(gpu, `${name} K/V tiles (${plan.tileK} keys)`, tileBytes(plan));
      checkDispatch(gpu, name, grid);
      if (splits > 1) {
        checkDispatch(gpu, `${name}.merge`, mergeGrid);
        checkBinding(gpu, `${name} partials (heads × seqQ × ${splits} splits)`, partBytes);
      }
      checkPackedKv(gpu, name, p, format);

      const constants = { BLOCK_Q: blockQ, KV_F16: kvF16 ? 1 : 0, ...tileConstants(plan) };
      const [pipeline, merge] = await Promise.all([
        gpu.pipeline({
          kernel: name,
          shader: SHADER,
          entryPoint: plan.staged ? 'main' : 'main_direct',
          constants,
        }),
        splits > 1
          ? gpu.pipeline({ kernel: name, shader: SHADER, entryPoint: 'merge', constants })
          : undefined,
      ]);
      const params = gpu.uniform(
        `${name}.params`,
        attentionParams(FLASH_PARAMS, p, {
          head_vec4: plan.headVec4,
          tile_k: plan.tileK,
          sub_tiles: 0,
          mask_rows: 0,
          tile_rows: 0,
          splits,
          split_keys: splitKeys,
        }),
      );
      const maskLayout = maskLayoutBuffer(gpu, name, p);
      const kv = await kvBindings(gpu, name, p, io, format);
      // `main` declares the partials whether or not it splits: a placeholder when it does not.
      const part = plan.staged ? gpu.buffer(`${name}.partials`, splits > 1 ? partBytes : 16) : undefined;
      const entries: Record<number, GPUBuffer> = {
        0: params,
        1: io.q,
        4: maskLayout,
        5: io.o,
        ...kv.entries,
      };
      if (part) entries[8] = part;
      const group = gpu.bindGroup(name, pipeline, entries);
      const steps = [{ pipeline, group, grid }];
      if (merge && part) {
        const mergeGroup = gpu.bindGroup(`${name}.merge`, merge, { 0: params, 5: io.o, 8: part });
        steps.push({ pipeline: merge, group: mergeGroup, grid: mergeGrid });
      }
      return dispatchRun(steps, [params, maskLayout, kv, part]);
    },

    cost: (p) => attentionCost(p, { kvF16 }),
  };
}

export const flash = createFlash({ name: 'flash' });
export const flashF16 = createFlash({ name: 'flash-f16', kvF16: true });
