// The top-k block selection kernel (shaders/topk-mask.wgsl), registered as kind 'mask'. It mean-pools
// Q and K per block and head, scores every (query block, key block) pair by the mean over heads of
// the pooled dot products, and keeps per query block its diagonal block, key block 0 and the `keep`
// best others (ties to the lower column; with causal only blocks up to the diagonal). Three
// dispatches in one pass: pool (one invocation per pooled element), score (SCORE_TILE² block pairs
// per workgroup), select (one workgroup per query block). The API (blockMask.topK), its validation
// and the CPU twins live in src/masks/topk.ts.
// Bytes model: Q and K read once, the layout written once. FLOP model: pooling (one add per element
// read) plus 2 · heads · headDim per block pair scored.

import { packUniform, u32, uniformLayout } from '../gpu/uniform.ts';
import { checkBinding, checkDispatch } from './limits.ts';
import { dispatchRun } from './run.ts';
import type { AttentionShape, CostModel, Kernel } from './types.ts';

export interface TopKProblem extends AttentionShape {
  blockSize: number;
  /** Key blocks kept per query block by score, besides the diagonal and the sink; ≥ 0. */
  keep: number;
  causal?: boolean;
}

/** Buffers of one selection: q, k as in attention; layout receives rows × cols u32 (0/1). */
export interface TopKIO {
  q: GPUBuffer;
  k: GPUBuffer;
  layout: GPUBuffer;
  /** Optional rows × cols f32 scratch for the scores (pass one to read them back); made if absent. */
  scores?: GPUBuffer;
}

const NAME = 'topk-mask';
const SHADER = new URL('../../shaders/topk-mask.wgsl', import.meta.url);
/** Invocations per workgroup of pool and select; a power of two (select reduces by halving). */
const WORKGROUP_SIZE = 64;
const SCORE_TILE = 8;

/** Query blocks and key blocks of a problem. */
export function blockGrid(p: TopKProblem): { rows: number; cols: number } {
  return { rows: Math.ceil(p.seqQ / p.blockSize), cols: Math.ceil(p.seqK / p.blockSize) };
}

export type TopKKernel = Kernel<TopKProblem, TopKIO>;

/** The shader's `struct Params`. */
export const TOPK_PARAMS = uniformLayout(
  'Params',
  u32('heads', 'seq_q', 'seq_k', 'head_dim', 'block_size', 'rows', 'cols', 'keep', 'causal'),
);

function params(p: TopKProblem): ArrayBuffer {
  const { rows, cols } = blockGrid(p);
  return packUniform(TOPK_PARAMS, {
    heads: p.heads,
    seq_q: p.seqQ,
    seq_k: p.seqK,
    head_dim: p.headDim,
    block_size: p.blockSize,
    rows,
    cols,
    keep: p.keep,
    causal: Boolean(p.causal),
  });
}

/** The GPU selection as a kernel: three dispatches (pool, score, select) recorded into one pass. */
export const topKMask: TopKKernel = {
  name: NAME,
  summary: 'Data-chosen block mask: mean-pool Q and K per block, score block pairs, keep the top k.',

  async prepare(gpu, p, io) {
    const { rows, cols } = blockGrid(p);
    const pooledBytes = 4 * p.heads * (rows + cols) * p.headDim;
    checkBinding(gpu, `${NAME} pooled Q and K (heads × (rows + cols) × headDim f32)`, pooledBytes);
    checkBinding(gpu, `${NAME} scores (query blocks × key blocks f32)`, 4 * rows * cols);
    const grids = {
      pool: [Math.ceil(p.headDim / WORKGROUP_SIZE), rows + cols, p.heads],
      score: [Math.ceil(cols / SCORE_TILE), Math.ceil(rows / SCORE_TILE), 1],
      select_blocks: [rows, 1, 1],
    } as const;
    for (const [pass, grid] of Object.entries(grids)) checkDispatch(gpu, `${NAME}.${pass}`, grid);
    const constants = { WORKGROUP_SIZE, SCORE_TILE };
    const [pool, score, select] = await Promise.all(
      (['pool', 'score', 'select_blocks'] as const).map((entryPoint) =>
        gpu.pipeline({ kernel: NAME, shader: SHADER, entryPoint, constants }),
      ),
    );
    const uniform = gpu.uniform(`${NAME}.params`, params(p));
    const pooled = gpu.buffer(`${NAME}.pooled`, pooledBytes);
    const ownScores = io.scores ? undefined : gpu.buffer(`${NAME}.scores`, 4 * rows * cols);
    const scores = io.scores ?? ownScores!;
    return dispatchRun(
      [
        {
          pipeline: pool,
          group: gpu.bindGroup(`${NAME}.pool`, pool, { 0: uniform, 1: io.q, 2: io.k, 3: pooled }),
          grid: grids.pool,
        },
        {
          pipeline: score,
          group: gpu.bindGroup(`${NAME}.score`, score, { 0: uniform, 3: pooled, 4: scores }),
          grid: grids.score,
        },
        {
          pipeline: select,
          group: gpu.bindGroup(`${NAME}.select`, select, { 0: uniform, 4: scores, 5: io.layout }),
          grid: grids.select_blocks,
        },
      ],
      [uniform, pooled, ownScores],
    );
  },

  cost(p): CostModel {
    const { rows, cols } = blockGrid(p);
    const read = p.heads * (p.seqQ + p.seqK) * p.headDim;
    return { bytes: 4 * read + 4 * rows * cols, flops: read + 2 * rows * cols * p.heads * p.headDim };
  },
};
