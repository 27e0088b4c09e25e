// blockMask.topK: a block mask chosen from the data on the GPU by the registered kernel topk-mask
// (src/kernels/topk-mask.ts), plus its CPU twin for tests. How far top-k attention is from full
// attention: topKApproximationError in src/reference/topk-error.ts.
//
// Selection rule (the same on GPU and CPU): Q and K are mean-pooled per block and head; the score of
// (query block r, key block c) is the mean over heads of dot(pooledQ[h][r], pooledK[h][c]). One
// layout serves every head (a BlockMask is the same for all heads), hence the mean over heads. Query
// block r always keeps its diagonal key block (see diagonalBlock) and key block 0 (the "sink"); of
// its other allowed key blocks it keeps the `keep` best, ties going to the lower column. So a row
// holds min(keep, candidates) + 2 blocks (fewer where the diagonal is block 0, or with causal).
// With causal only key blocks up to the diagonal are allowed.

import { checkGpu, type Gpu } from '../gpu/gpu.ts';
import { BlockMask, checkMaskShape } from '../kernels/block-mask.ts';
import { prepareCall, runOnce } from '../kernels/launch.ts';
import { checkBinding } from '../kernels/limits.ts';
import { blockGrid, type TopKIO, type TopKProblem, topKMask } from '../kernels/topk-mask.ts';
import { checkArray, checkKnownFields, checkSize } from '../kernels/validate.ts';
import { describeValue } from '../util/text.ts';
import { diagonalBlock } from './builders.ts';

export type { TopKIO, TopKProblem } from '../kernels/topk-mask.ts';

/** topK() input: q (heads, seqQ, headDim) and k (heads, seqK, headDim), row-major. */
export interface TopKInput extends TopKProblem {
  q: Float32Array;
  k: Float32Array;
}

const NAME = topKMask.name;

/** The mask's pattern name, e.g. "topk(k=4)". */
export function topKPattern(p: TopKProblem): string {
  return `topk(k=${p.keep}${p.causal ? ',causal' : ''})`;
}

/** topK()'s fields: the problem, q and k. */
const TOPK_FIELDS = ['q', 'k', 'heads', 'seqQ', 'seqK', 'headDim', 'blockSize', 'keep', 'causal'] as const;

/**
 * Validates a top-k problem; messages name the caller (`what`: blockMask.topK unless a CPU twin was
 * called), the field and the limit.
 */
export function validateTopK(input: TopKProblem, what = 'blockMask.topK'): TopKProblem {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new Error(
      `${what}: expected an options object { ${TOPK_FIELDS.join(', ')} }, got ${describeValue(input)}`,
    );
  }
  checkKnownFields(what, input, TOPK_FIELDS);
  const heads = checkSize(`${what}: heads`, input.heads);
  const seqQ = checkSize(`${what}: seqQ`, input.seqQ);
  const seqK = checkSize(`${what}: seqK`, input.seqK);
  const headDim = checkSize(`${what}: headDim`, input.headDim);
  checkMaskShape({ blockSize: input.blockSize, seqQ, seqK });
  const keep = input.keep;
  if (typeof keep !== 'number' || !Number.isInteger(keep) || keep < 0 || keep > 0xffffffff) {
    throw new Error(`${what}: keep must be an integer in [0, 4294967295], got ${String(keep)}`);
  }
  const causal = input.causal === undefined ? false : input.causal;
  if (typeof causal !== 'boolean') {
    throw new Error(`${what}: causal must be true or false, got ${describeValue(causal)}`);
  }
  return { heads, seqQ, seqK, headDim, blockSize: input.blockSize, keep, causal };
}

/** What topKOnGpu returns: the mask and, for tests, the scores the GPU ranked. */
export interface TopKResult {
  mask: BlockMask;
  scores: Float32Array;
}

/** Runs the GPU selection once on arrays and reads back the layout and the scores. */
export async function topKOnGpu(gpu: Gpu, input: TopKInput): Promise<TopKResult> {
  checkGpu(gpu, 'blockMask.topK: gpu');
  const p = validateTopK(input);
  checkArray('blockMask.topK: q', input.q, p.heads * p.seqQ * p.headDim, 'heads × seqQ × headDim');
  checkArray('blockMask.topK: k', input.k, p.heads * p.seqK * p.headDim, 'heads × seqK × headDim');
  checkBinding(gpu, 'blockMask.topK: q', input.q.byteLength);
  checkBinding(gpu, 'blockMask.topK: k', input.k.byteLength);
  const { rows, cols } = blockGrid(p);
  let scores: GPUBuffer | undefined;
  const call = await prepareCall(gpu, 'blockMask.topK', async (own) => {
    const io: TopKIO = {
      q: own(gpu.upload(`${NAME}.q`, input.q)),
      k: own(gpu.upload(`${NAME}.k`, input.k)),
      layout: own(gpu.buffer(`${NAME}.layout`, 4 * rows * cols)),
      scores: own(gpu.buffer(`${NAME}.scores`, 4 * rows * cols)),
    };
    scores = io.scores;
    return { run: await topKMask.prepare(gpu, p, io), output: io.layout };
  });
  try {
    const words = new Uint32Array((await runOnce(gpu, 'blockMask.topK', call)).buffer);
    const ranked = new Float32Array(await gpu.read(scores as GPUBuffer, 4 * rows * cols));
    return { mask: new BlockMask(Uint8Array.from(words), p, topKPattern(p)), scores: ranked };
  } finally {
    call.destroy();
  }
}

/**
 * blockMask.topK: the block mask that keeps, per query block, the diagonal block, block 0 and the
 * `keep` key blocks whose mean-pooled scores are highest — computed on the GPU from q and k.
 */
export async function topK(gpu: Gpu, input: TopKInput): Promise<BlockMask> {
  return (await topKOnGpu(gpu, input)).mask;
}

/** CPU twin of the pool and score passes, in f64: rows × cols scores. */
export function pooledBlockScores(q: Float32Array, k: Float32Array, problem: TopKProblem): Float64Array {
  const p = validateTopK(problem, 'pooledBlockScores');
  checkArray('pooledBlockScores: q', q, p.heads * p.seqQ * p.headDim, 'heads × seqQ × headDim');
  checkArray('pooledBlockScores: k', k, p.heads * p.seqK * p.headDim, 'heads × seqK × headDim');
  const { rows, cols } = blockGrid(p);
  const d = p.headDim;
  const pool = (x: Float32Array, seq: number, blocks: number, h: number) => {
    const out = new Float64Array(blocks * d);
    for (let b = 0; b < blocks; b++) {
      const first = b * p.blockSize;
      const count = Math.min(p.blockSize, seq - first);
      for (let t = 0; t < count; t++) {
        const base = (h * seq + first + t) * d;
        for (let c = 0; c < d; c++) out[b * d + c] += x[base + c];
      }
      for (let c = 0; c < d; c++) out[b * d + c] /= count;
    }
    return out;
  };
  const scores = new Float64Array(rows * cols);
  for (let h = 0; h < p.heads; h++) {
    const pq = pool(q, p.seqQ, rows, h);
    const pk = pool(k, p.seqK, cols, h);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        let dot = 0;
        for (let t = 0; t < d; t++) dot += pq[r * d + t] * pk[c * d + t];
        scores[r * cols + c] += dot / p.heads;
      }
    }
  }
  return scores;
}

/** CPU twin of the select pass: the layout the selection rule gives for these scores. */
export function selectTopKLayout(scores: ArrayLike<number>, problem: TopKProblem): Uint8Array {
  const p = validateTopK(problem, 'selectTopKLayout');
  const { rows, cols } = blockGrid(p);
  if (scores?.length !== rows * cols) {
    throw new Error(
      `selectTopKLayout: scores: length ${describeValue(scores?.length)} does not match query blocks × key blocks = ${rows * cols}`,
    );
  }
  const layout = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const raw = diagonalBlock(p, r);
    if (p.causal && raw < 0) continue;
    const diagonal = Math.max(0, raw);
    const limit = p.causal ? diagonal + 1 : cols;
    layout[r * cols + diagonal] = 1;
    layout[r * cols] = 1;
    const candidates: number[] = [];
    for (let c = 1; c < limit; c++) if (c !== diagonal) candidates.push(c);
    candidates.sort((a, b) => scores[r * cols + b] - scores[r * cols + a] || a - b);
    for (const c of candidates.slice(0, p.keep)) layout[r * cols + c] = 1;
  }
  return layout;
}
