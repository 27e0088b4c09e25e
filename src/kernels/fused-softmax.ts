// fused-softmax attention (shaders/fused-softmax-attention.wgsl): QKᵀ, scale, mask and the row
// softmax in one kernel writing P, then P·V — the article's "matmul and softmax in one step".
// Bytes model: Q, K, V read and O written once, plus P written once and read once
// (2 · 4 · heads·seqQ·seqK bytes; no S round trip).
// FLOP model: 4 · heads·seqQ·seqK·headDim (QKᵀ and PV over every pair; the second sweep's
// recomputation of QKᵀ is not useful work and not counted).
//
// Overrides (defaults below; createFusedSoftmax takes others):
//   workgroupSize  invocations per workgroup, 1..256 (64)
//   tileK          keys per sweep tile, a multiple of 4 in 4..64 (64); rows of at most tileK keys
//                  are scored once, longer rows twice
// fused-softmax-subgroups (needs `subgroups`): the softmax pass with one subgroup per query row
// (the same module's `scores_softmax_subgroups`): lanes split the row's keys, one subgroupMax and
// one subgroupAdd per row, P written by neighbouring lanes; rows are always scored twice. A
// workgroup owns max(1, workgroupSize / 4) rows that its subgroups draw one at a time, so any
// workgroup size and any subgroup size work (nothing is assumed about how invocations form
// subgroups). On a device without `subgroups`, fused-softmax compiles the module with that pass
// removed (subgroups.ts).

import type { Gpu } from '../gpu/gpu.ts';
import { uniformLayout } from '../gpu/uniform.ts';
import {
  type AdapterKind,
  ATTENTION_FIELDS,
  attentionCost,
  attentionParams,
  headGrid,
  isSoftwareKind,
  maskLayoutBuffer,
} from './attention-common.ts';
import { checkPackedKv, kvFormat, kvRows } from './kv-pack.ts';
import { checkBinding, checkDispatch, checkInvocations } from './limits.ts';
import { dispatchRun } from './run.ts';
import { subgroupsEdit } from './subgroups.ts';
import type { AttentionKernel, AttentionProblem } from './types.ts';

const SHADER = new URL('../../shaders/fused-softmax-attention.wgsl', import.meta.url);
/** `struct Params` of the shader: the shared attention fields, then the row and tile lengths. */
export const FUSED_SOFTMAX_PARAMS = uniformLayout('Params', [
  ...ATTENTION_FIELDS,
  ['hv', 'u32'],
  ['p_stride', 'u32'],
  ['tile_k', 'u32'],
]);
/** Rows per workgroup of the subgroup pass: one per subgroup of the smallest size WebGPU allows. */
const MIN_SUBGROUP = 4;

/** Query rows a workgroup of the subgroup pass owns (its subgroups draw them one at a time). */
export function subgroupRows(workgroupSize: number): number {
  return Math.max(1, Math.floor(workgroupSize / MIN_SUBGROUP));
}
const MAX_TILE_K = 64;

export interface FusedSoftmaxOptions {
  name: string;
  workgroupSize?: number;
  tileK?: number;
  /** One subgroup per query row in the softmax pass (needs the `subgroups` feature). */
  subgroups?: boolean;
  /**
   * Fix the row's vec4 count and the tile's keys per pipeline (loops unroll, the q row and the
   * scores stay in registers). Default: on hardware adapters.
   */
  specialize?: boolean;
  /** Take this adapter kind's defaults (specialize) instead of the device's own. */
  adapterKind?: AdapterKind;
}

export const FUSED_SOFTMAX_DEFAULTS = { workgroupSize: 64, tileK: 64 } as const;

/** Floats per row of the P scratch: seqK rounded up to 4 (rows are written and read as vec4). */
export function pStride(p: AttentionProblem): number {
  return Math.ceil(p.seqK / 4) * 4;
}

/** Grids of the two passes. */
export function fusedSoftmaxGrids(gpu: Gpu, p: AttentionProblem, workgroupSize: number, subgroups: boolean) {
  const [y, z] = headGrid(gpu, p.heads);
  const hv = Math.ceil(p.headDim / 4);
  const rowsPerWorkgroup = subgroups ? subgroupRows(workgroupSize) : workgroupSize;
  return {
    scores: [Math.ceil(p.seqQ / rowsPerWorkgroup), y, z],
    pv: [Math.ceil((Math.ceil(p.seqQ / 4) * hv) / workgroupSize), y, z],
  };
}

/** A fused-softmax kernel with the given name and sizes. */
export function createFusedSoftmax(options: FusedSoftmaxOptions): AttentionKernel {
  const { name, subgroups = false } = options;
  const workgroupSize = options.workgroupSize ?? FUSED_SOFTMAX_DEFAULTS.workgroupSize;
  const tileK = options.tileK ?? FUSED_SOFTMAX_DEFAULTS.tileK;
  return {
    name,
    summary: subgroups
      ? 'fused-softmax with one subgroup per row: lanes split the keys, subgroupMax/subgroupAdd per row.'
      : 'QKᵀ, scale, mask and row softmax in one kernel writing P once (two sweeps per row), then PV.',
    features: subgroups ? ['subgroups' as GPUFeatureName] : undefined,

    async prepare(gpu, p, io) {
      if (!Number.isInteger(tileK) || tileK < 4 || tileK > MAX_TILE_K || tileK % 4 !== 0) {
        throw new Error(`${name}.tileK: expected a multiple of 4 in 4..${MAX_TILE_K}, got ${tileK}`);
      }
      if (!Number.isInteger(workgroupSize) || workgroupSize < 1) {
        throw new Error(`${name}.workgroupSize: expected a positive integer, got ${workgroupSize}`);
      }
      const grids = fusedSoftmaxGrids(gpu, p, workgroupSize, subgroups);
      const probBytes = 4 * p.heads * p.seqQ * pStride(p);
      const format = kvFormat(p, false);
      checkInvocations(gpu, `${name} workgroupSize`, workgroupSize);
      for (const [pass, grid] of Object.entries(grids)) checkDispatch(gpu, `${name}.${pass}`, grid);
      checkBinding(gpu, `${name} probabilities P (heads × seqQ × seqK f32)`, probBytes);
      checkPackedKv(gpu, name, p, format);

      const constants = { WORKGROUP_SIZE: workgroupSize };
      const specialize = options.specialize ?? !isSoftwareKind(gpu, options.adapterKind);
      const hv = Math.ceil(p.headDim / 4);
      const edit = subgroupsEdit(gpu);
      const [scores, pv] = await Promise.all([
        gpu.pipeline({
          kernel: name,
          shader: SHADER,
          edit,
          entryPoint: subgroups ? 'scores_softmax_subgroups' : 'scores_softmax',
          constants: subgroups
            ? {
                ...constants,
                ROWS_PER_WORKGROUP: subgroupRows(workgroupSize),
                HEAD_VEC4: specialize ? hv : 0,
              }
            : { ...constants, HEAD_VEC4: specialize ? hv : 0, TILE_K: specialize ? tileK : 0 },
        }),
        gpu.pipeline({ kernel: name, shader: SHADER, edit, entryPoint: 'pv', constants }),
      ]);
      const params = gpu.uniform(
        `${name}.params`,
        attentionParams(FUSED_SOFTMAX_PARAMS, p, {
          hv: Math.ceil(p.headDim / 4),
          p_stride: pStride(p),
          tile_k: tileK,
        }),
      );
      const maskLayout = maskLayoutBuffer(gpu, name, p);
      const probs = gpu.buffer(`${name}.probabilities`, probBytes);
      const kv = await kvRows(gpu, name, p, io, format);
      return dispatchRun(
        [
          {
            pipeline: scores,
            group: gpu.bindGroup(`${name}.scores`, scores, {
              0: params,
              1: io.q,
              2: kv.k,
              4: maskLayout,
              6: probs,
            }),
            grid: grids.scores,
          },
          {
            pipeline: pv,
            group: gpu.bindGroup(`${name}.pv`, pv, { 0: params, 3: kv.v, 5: io.o, 6: probs }),
            grid: grids.pv,
          },
        ],
        [params, maskLayout, probs, kv],
      );
    },

    // P written once and read once.
    cost: (p) => attentionCost(p, { scratchBytesPerPair: 2 * 4 }),
  };
}

export const fusedSoftmax = createFusedSoftmax({ name: 'fused-softmax' });
export const fusedSoftmaxSubgroups = createFusedSoftmax({ name: 'fused-softmax-subgroups', subgroups: true });
