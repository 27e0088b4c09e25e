// materialized attention (shaders/materialized-attention.wgsl): the kernels that write the
// probabilities P to memory, then O = P·V in a second dispatch that both share, so that what
// separates them is the fusion and nothing else.
//   unfused (the baseline): S = scale·QKᵀ (masked) written, a row softmax turning S into P in place,
//     then P·V. Bytes model: Q, K, V read and O written once, plus S written, read and written as
//     P, and P read: 4 · 4 · heads·seqQ·seqK bytes on top of the IO.
//   fused-softmax: QKᵀ, scale, mask and the row softmax in one kernel writing P, then P·V — the
//     article's "matmul and softmax in one step". Bytes model: the IO plus P written once and read
//     once (2 · 4 · heads·seqQ·seqK bytes; no S round trip).
// FLOP model (both): 4 · heads·seqQ·seqK·headDim (QKᵀ and PV over every pair; fused-softmax's
// second sweep recomputing QKᵀ is not useful work and not counted).
//
// Options (defaults below):
//   workgroupSize  fused-softmax: invocations per workgroup, 1..256 (64); unfused: 64
//   tileK          keys per tile of a row's sweeps, a multiple of 4 in 4..64 (64); fused-softmax
//                  scores rows of at most tileK keys once, longer rows twice
//   specialize     fix the row's vec4 count and the tile's keys per pipeline (loops unroll, the q
//                  row and the scores stay in registers). Default: on hardware adapters
//   tiled          unfused: scores through cooperative, coalesced K tiles in workgroup memory
//                  (scores_tiled, hardware default) or one invocation per query row reading K
//                  rows from storage (scores_rows, software default)
// fused-softmax-subgroups (needs `subgroups`): the softmax pass with one subgroup per query row
// (`scores_softmax_subgroups`): lanes split the row's keys, one subgroupMax and one subgroupAdd
// per row, P written by neighbouring lanes; rows are always scored twice. A workgroup owns
// max(1, workgroupSize / 4) rows that its subgroups draw one at a time, so any workgroup size and
// any subgroup size work (nothing is assumed about how invocations form subgroups). On a device
// without `subgroups`, every pipeline compiles the module with that pass removed (subgroups.ts).

import { type AdapterKind, type Gpu, isSoftwareKind } from '../gpu/gpu.ts';
import { u32, uniformLayout } from '../gpu/uniform.ts';
import { headGrid, maskLayoutBuffer } from './attention-common.ts';
import { attentionCost } from './attention-cost.ts';
import { ATTENTION_FIELDS, attentionParams } from './attention-params.ts';
import { checkPackedKv, kvFormat, kvRows } from './kv-pack.ts';
import { checkBinding, checkDispatch, checkInvocations } from './limits.ts';
import { dispatchRun } from './run.ts';
import { subgroupsEdit } from './subgroups.ts';
import type { AttentionIO, AttentionKernel, AttentionProblem, KernelRun } from './types.ts';

const SHADER = new URL('../../shaders/materialized-attention.wgsl', import.meta.url);
/** `struct Params` of the shader: the shared attention fields, then the row and tile lengths. */
export const MATERIALIZED_PARAMS = uniformLayout('Params', [
  ...ATTENTION_FIELDS,
  ...u32('hv', 'p_stride', 'tile_k'),
]);
/** Rows per workgroup of the subgroup pass: one per subgroup of the smallest size WebGPU allows. */
const MIN_SUBGROUP = 4;
const MAX_TILE_K = 64;
/** unfused's workgroups in every pass: a power of two (its softmax reduces by halving). */
const UNFUSED_WORKGROUP = 64;
/** Query rows per workgroup of scores_tiled (the shader's TILE_ROWS). */
const TILE_ROWS = 4;

/** Query rows a workgroup of the subgroup pass owns (its subgroups draw them one at a time). */
export function subgroupRows(workgroupSize: number): number {
  return Math.max(1, Math.floor(workgroupSize / MIN_SUBGROUP));
}

interface RowOptions {
  /** Keys per tile of a row's sweeps: a multiple of 4 in 4..64. */
  tileK?: number;
  /**
   * Fix the row's vec4 count and the tile's keys per pipeline (loops unroll, the q row and the
   * scores stay in registers). Default: on hardware adapters.
   */
  specialize?: boolean;
  /** Take this adapter kind's defaults instead of the device's own. */
  adapterKind?: AdapterKind;
}

export interface FusedSoftmaxOptions extends RowOptions {
  name: string;
  workgroupSize?: number;
  /** One subgroup per query row in the softmax pass (needs the `subgroups` feature). */
  subgroups?: boolean;
}

export interface UnfusedOptions extends RowOptions {
  name?: string;
  /**
   * Scores through cooperative, coalesced K tiles in workgroup memory (scores_tiled), or one
   * invocation per query row reading K rows from storage (scores_rows). Default: tiled on hardware
   * adapters.
   */
  tiled?: boolean;
}

export const FUSED_SOFTMAX_DEFAULTS = { workgroupSize: 64, tileK: 64 } as const;

/** Floats per row of the P scratch: seqK rounded up to 4 (rows are written and read as vec4). */
export function pStride(p: AttentionProblem): number {
  return Math.ceil(p.seqK / 4) * 4;
}

/** One dispatch of the module: entry point, override constants, grid, the bindings it reads. */
interface Pass {
  entryPoint: string;
  constants: Record<string, number>;
  grid: number[];
  /** Bindings beside params (0): 1 q, 2 K rows, 3 V rows, 4 mask layout, 5 o, 6 P. */
  bindings: number[];
}

/** Override constants of a row pass (scores_rows, scores_softmax, …): sizes fixed or read at run time. */
function rowConstants(p: AttentionProblem, workgroupSize: number, tileK: number, specialize: boolean) {
  const hv = Math.ceil(p.headDim / 4);
  return { WORKGROUP_SIZE: workgroupSize, HEAD_VEC4: specialize ? hv : 0, TILE_K: specialize ? tileK : 0 };
}

/** The shared P·V pass: groups of hv invocations, one per 4 query rows. */
function pvPass(gpu: Gpu, p: AttentionProblem, workgroupSize: number): Pass {
  const hv = Math.ceil(p.headDim / 4);
  const [y, z] = headGrid(gpu, p.heads);
  return {
    entryPoint: 'pv',
    constants: { WORKGROUP_SIZE: workgroupSize },
    grid: [Math.ceil((Math.ceil(p.seqQ / 4) * hv) / workgroupSize), y, z],
    bindings: [3, 5, 6],
  };
}

/**
 * The run both kernels end their prepare() with: checks, one pipeline per pass (the module compiled
 * without its subgroup pass where the device lacks the feature), the uniform, the mask layout, the
 * P scratch and K/V as rows of vec4, and the passes in order.
 */
async function materializedRun(
  gpu: Gpu,
  name: string,
  p: AttentionProblem,
  io: AttentionIO,
  tileK: number,
  passes: Pass[],
): Promise<KernelRun> {
  const probBytes = 4 * p.heads * p.seqQ * pStride(p);
  const format = kvFormat(p, false);
  for (const pass of passes) checkDispatch(gpu, `${name}.${pass.entryPoint}`, pass.grid);
  checkBinding(gpu, `${name} probabilities P (heads × seqQ × seqK f32)`, probBytes);
  checkPackedKv(gpu, name, p, format);

  const edit = subgroupsEdit(gpu);
  const pipelines = await Promise.all(
    passes.map(({ entryPoint, constants }) =>
      gpu.pipeline({ kernel: name, shader: SHADER, edit, entryPoint, constants }),
    ),
  );
  const params = gpu.uniform(
    `${name}.params`,
    attentionParams(MATERIALIZED_PARAMS, p, {
      hv: Math.ceil(p.headDim / 4),
      p_stride: pStride(p),
      tile_k: tileK,
    }),
  );
  const maskLayout = maskLayoutBuffer(gpu, name, p);
  const probs = gpu.buffer(`${name}.probabilities`, probBytes);
  const kv = await kvRows(gpu, name, p, io, format);
  const resources: Record<number, GPUBuffer> = {
    1: io.q,
    2: kv.k,
    3: kv.v,
    4: maskLayout,
    5: io.o,
    6: probs,
  };
  // 'auto' layouts hold only the bindings an entry point uses, hence one list per pass.
  return dispatchRun(
    passes.map((pass, n) => ({
      pipeline: pipelines[n],
      group: gpu.bindGroup(`${name}.${pass.entryPoint}`, pipelines[n], {
        0: params,
        ...Object.fromEntries(pass.bindings.map((b) => [b, resources[b]])),
      }),
      grid: pass.grid,
    })),
    [params, maskLayout, probs, kv],
  );
}

function checkTileK(name: string, tileK: number): void {
  if (!Number.isInteger(tileK) || tileK < 4 || tileK > MAX_TILE_K || tileK % 4 !== 0) {
    throw new Error(`${name}.tileK: expected a multiple of 4 in 4..${MAX_TILE_K}, got ${tileK}`);
  }
}

/** Kernel.summary of fused-softmax and of its subgroup variant. */
const FUSED_SUMMARY =
  'QKᵀ, scale, mask and row softmax in one kernel writing P once (two sweeps per row), then PV.';
const SUBGROUPS_SUMMARY =
  'fused-softmax with one subgroup per row: lanes split the keys, subgroupMax/subgroupAdd per row.';

/** A fused-softmax kernel with the given name and sizes. */
export function createFusedSoftmax(options: FusedSoftmaxOptions): AttentionKernel {
  const { name, subgroups = false } = options;
  const workgroupSize = options.workgroupSize ?? FUSED_SOFTMAX_DEFAULTS.workgroupSize;
  const tileK = options.tileK ?? FUSED_SOFTMAX_DEFAULTS.tileK;
  return {
    name,
    summary: subgroups ? SUBGROUPS_SUMMARY : FUSED_SUMMARY,
    features: subgroups ? ['subgroups' as GPUFeatureName] : undefined,

    async prepare(gpu, p, io) {
      checkTileK(name, tileK);
      if (!Number.isInteger(workgroupSize) || workgroupSize < 1) {
        throw new Error(`${name}.workgroupSize: expected a positive integer, got ${workgroupSize}`);
      }
      checkInvocations(gpu, `${name} workgroupSize`, workgroupSize);
      const specialize = options.specialize ?? !isSoftwareKind(gpu, options.adapterKind);
      const constants = rowConstants(p, workgroupSize, tileK, specialize);
      const [y, z] = headGrid(gpu, p.heads);
      const rows = subgroups ? subgroupRows(workgroupSize) : workgroupSize;
      const scores: Pass = subgroups
        ? {
            entryPoint: 'scores_softmax_subgroups',
            constants: {
              WORKGROUP_SIZE: workgroupSize,
              HEAD_VEC4: constants.HEAD_VEC4,
              ROWS_PER_WORKGROUP: rows,
            },
            grid: [Math.ceil(p.seqQ / rows), y, z],
            bindings: [1, 2, 4, 6],
          }
        : {
            entryPoint: 'scores_softmax',
            constants,
            grid: [Math.ceil(p.seqQ / rows), y, z],
            bindings: [1, 2, 4, 6],
          };
      return materializedRun(gpu, name, p, io, tileK, [scores, pvPass(gpu, p, workgroupSize)]);
    },

    // P written once and read once.
    cost: (p) => attentionCost(p, { scratchBytesPerPair: 2 * 4 }),
  };
}

/** An unfused kernel taking the given scores path. */
export function createUnfused(options: UnfusedOptions = {}): AttentionKernel {
  const name = options.name ?? 'unfused';
  const tileK = options.tileK ?? FUSED_SOFTMAX_DEFAULTS.tileK;
  return {
    name,
    summary: 'Three passes through global memory: S = scale·QKᵀ (masked), row softmax, O = PV.',

    async prepare(gpu, p, io) {
      checkTileK(name, tileK);
      const software = isSoftwareKind(gpu, options.adapterKind);
      const tiled = options.tiled ?? !software;
      const specialize = options.specialize ?? !software;
      const [y, z] = headGrid(gpu, p.heads);
      const scores: Pass = tiled
        ? {
            entryPoint: 'scores_tiled',
            constants: { WORKGROUP_SIZE: UNFUSED_WORKGROUP },
            grid: [Math.ceil(pStride(p) / UNFUSED_WORKGROUP), Math.ceil(p.seqQ / TILE_ROWS), p.heads],
            bindings: [1, 2, 4, 6],
          }
        : {
            entryPoint: 'scores_rows',
            constants: rowConstants(p, UNFUSED_WORKGROUP, tileK, specialize),
            grid: [Math.ceil(p.seqQ / UNFUSED_WORKGROUP), y, z],
            bindings: [1, 2, 4, 6],
          };
      const softmax: Pass = {
        entryPoint: 'softmax',
        constants: { WORKGROUP_SIZE: UNFUSED_WORKGROUP },
        grid: [p.seqQ, p.heads],
        bindings: [6],
      };
      return materializedRun(gpu, name, p, io, tileK, [scores, softmax, pvPass(gpu, p, UNFUSED_WORKGROUP)]);
    },

    // S written and read, P written and read.
    cost: (p) => attentionCost(p, { scratchBytesPerPair: 4 * 4 }),
  };
}

export const unfused = createUnfused();
export const fusedSoftmax = createFusedSoftmax({ name: 'fused-softmax' });
export const fusedSoftmaxSubgroups = createFusedSoftmax({ name: 'fused-softmax-subgroups', subgroups: true });
