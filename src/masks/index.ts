// The `blockMask` namespace of the library API: builders that all return a BlockMask.
//   fromDense(layout, shape)                     any 0/1 layout
//   causal(shape)                                the blocks the causal rule touches
//   slidingWindow(shape, { window, causal? })    window = total width in blocks, diagonal included
//   strided(shape, { stride, local?, causal? })  dilated: every stride-th block from the diagonal
//   bigBird(shape, { global, window, random, seed, causal? })
//   topK(gpu, { q, k, heads, seqQ, seqK, headDim, blockSize, keep, causal? })   chosen on the GPU

import { BlockMask, type MaskShape } from '../kernels/block-mask.ts';
import { patternBuilders } from './builders.ts';
import { topK } from './topk.ts';

export { BlockMask, checkMaskShape, type MaskShape } from '../kernels/block-mask.ts';
export { topKMask } from '../kernels/topk-mask.ts';
export {
  type BigBirdOptions,
  diagonalBlock,
  type SlidingWindowOptions,
  type StridedOptions,
} from './builders.ts';
export {
  pooledBlockScores,
  selectTopKLayout,
  type TopKInput,
  type TopKIO,
  type TopKProblem,
  topKOnGpu,
} from './topk.ts';

/** A mask from a 0/1 layout of ceil(seqQ/blockSize) × ceil(seqK/blockSize) blocks, row-major. */
function fromDense(layout: Uint8Array | ArrayLike<number>, shape: MaskShape): BlockMask {
  return new BlockMask(layout instanceof Uint8Array ? layout : Uint8Array.from(layout), shape);
}

export const blockMask = {
  fromDense,
  ...patternBuilders,
  topK,
};
