// block-sparse attention (shaders/flash-attention.wgsl, entry points sparse_main and
// sparse_main_direct): flash's loop over only the kept key
// blocks of each query block, read from the mask's CSR on the GPU. Without a mask it visits every
// block (blocks of blockQ keys).
// Bytes model: Q read and O written once; K and V read for the kept blocks only, i.e. scaled by the
// fraction of (query, key) pairs in kept blocks (as for flash, re-reads of a key block by several
// query blocks are served by caches and not counted). K/V as packed f16 for block-sparse-f16.
// FLOP model: 4 · headDim per pair in a kept block (ragged edge blocks counted exactly).
//
// Overrides: as flash (blockQ, tileK, staged, specialize; see flash.ts). Staged: a workgroup holds
// min(blockQ, mask block size) query rows, so it never straddles two rows of the mask (any block
// size works); invocations per workgroup: those rows rounded up to a power of two, at least 16 and
// at most blockQ (blocks of 16, 32, 64 rows get exactly that many; a block of 5 leaves 11 idle);
// tiles end at block boundaries. Direct: blockQ consecutive rows per workgroup (default 16: rows
// keep different numbers of blocks and small workgroups balance that), each invocation walking its
// own mask row, tiles of tileK keys gathered across consecutive kept blocks (small blocks would
// otherwise make small tiles, and a CPU adapter pays per tile).

import type { Gpu } from '../gpu/gpu.ts';
import { headGrid } from './attention-common.ts';
import { attentionCost, keptPairs } from './attention-cost.ts';
import { attentionParams } from './attention-params.ts';
import {
  FLASH_DEFAULTS,
  FLASH_PARAMS,
  type FlashOptions,
  planTiles,
  tileBytes,
  tileConstants,
} from './flash.ts';
import { checkPackedKv, kvBindings, kvFormat } from './kv-pack.ts';
import { checkBinding, checkDispatch, checkInvocations, checkWorkgroupMemory } from './limits.ts';
import { dispatchRun } from './run.ts';
import type { AttentionKernel, AttentionProblem } from './types.ts';

const SHADER = new URL('../../shaders/flash-attention.wgsl', import.meta.url);
/**
 * Query rows per workgroup on the direct path: rows keep different numbers of blocks, and small
 * workgroups spread that unevenness over a CPU adapter's threads (SwiftShader at density 0.5: 0.95
 * of the ideal speed-up with 16 or 32 rows, 0.82 with 64).
 */
const DIRECT_ROWS = 16;

/**
 * Block size, mask rows and columns the kernel walks (the mask's, or blocks of blockQ keys without
 * one), query rows per workgroup (min(blockQ, block size)) and invocations per workgroup: that rounded
 * up to a power of two of at least 16 (at most blockQ), so block sizes share a few pipelines.
 */
function blockGrid(p: AttentionProblem, blockQ: number) {
  const blockSize = p.mask?.blockSize ?? blockQ;
  const tileRows = Math.min(blockQ, blockSize);
  return {
    blockSize,
    rows: Math.ceil(p.seqQ / blockSize),
    cols: Math.ceil(p.seqK / blockSize),
    tileRows,
    invocations: Math.min(blockQ, Math.max(16, 2 ** Math.ceil(Math.log2(tileRows)))),
  };
}

/** rowPtr then colIndex in one u32 buffer (one word when there is no mask: bindings cannot be empty). */
function csrBuffer(gpu: Gpu, name: string, p: AttentionProblem): GPUBuffer {
  if (!p.mask) return gpu.upload(`${name}.csr`, new Uint32Array(1));
  const { rowPtr, colIndex } = p.mask;
  const words = new Uint32Array(rowPtr.length + colIndex.length);
  words.set(rowPtr);
  words.set(colIndex, rowPtr.length);
  return gpu.upload(`${name}.csr`, words);
}

/** Kernel.summary by K/V storage. */
const SUMMARY = {
  f32: "flash over only the kept key blocks of each query block, from the mask's CSR on the GPU.",
  f16: 'block-sparse with K and V stored as f16, f32 accumulation.',
};

/** A block-sparse kernel with the given name, K/V storage and tile sizes. */
export function createBlockSparse(options: FlashOptions): AttentionKernel {
  const { name, kvF16 = false } = options;
  return {
    name,
    summary: SUMMARY[kvF16 ? 'f16' : 'f32'],
    async prepare(gpu, p, io) {
      const blocks = blockGrid(p, options.blockQ ?? FLASH_DEFAULTS.blockQ);
      const plan = planTiles(gpu, p.headDim, options);
      // Staged tiles are shared by a workgroup's rows, so its rows stay inside one mask row; direct
      // invocations share nothing and take blockQ consecutive rows (default 16), as flash.
      const subTiles = Math.ceil(blocks.blockSize / blocks.tileRows);
      const directRows = options.blockQ ?? DIRECT_ROWS;
      const invocations = plan.staged ? blocks.invocations : directRows;
      const grid = [
        plan.staged ? blocks.rows * subTiles : Math.ceil(p.seqQ / directRows),
        ...headGrid(gpu, p.heads),
      ];
      const format = kvFormat(p, kvF16);
      checkInvocations(gpu, `${name} blockQ`, invocations);
      checkWorkgroupMemory(gpu, `${name} K/V tiles (${plan.tileK} keys)`, tileBytes(plan));
      checkDispatch(gpu, `${name} (mask rows × ${subTiles} workgroups each)`, grid);
      if (p.mask) checkBinding(gpu, `${name} mask CSR`, 4 * (p.mask.rowPtr.length + p.mask.nnz));
      checkPackedKv(gpu, name, p, format);

      const pipeline = await gpu.pipeline({
        kernel: name,
        shader: SHADER,
        entryPoint: plan.staged ? 'sparse_main' : 'sparse_main_direct',
        constants: { BLOCK_Q: invocations, KV_F16: kvF16 ? 1 : 0, ...tileConstants(plan) },
      });
      // Without a mask, walk virtual blocks of blockQ keys.
      const words = attentionParams(FLASH_PARAMS, p, {
        block_size: blocks.blockSize,
        mask_cols: blocks.cols,
        head_vec4: plan.headVec4,
        tile_k: plan.tileK,
        sub_tiles: subTiles,
        mask_rows: blocks.rows,
        tile_rows: blocks.tileRows,
        splits: 1,
        split_keys: 0,
      });
      const params = gpu.uniform(`${name}.params`, words);
      const csr = csrBuffer(gpu, name, p);
      const kv = await kvBindings(gpu, name, p, io, format);
      const group = gpu.bindGroup(name, pipeline, { 0: params, 1: io.q, 4: csr, 5: io.o, ...kv.entries });
      return dispatchRun([{ pipeline, group, grid }], [params, csr, kv]);
    },

    cost(p: AttentionProblem) {
      const density = p.mask ? p.mask.elementDensity : 1;
      return attentionCost(p, { kvF16, keyRows: p.seqK * density, pairs: keptPairs(p) });
    },
  };
}

export const blockSparse = createBlockSparse({ name: 'block-sparse' });
export const blockSparseF16 = createBlockSparse({ name: 'block-sparse-f16', kvF16: true });
