// The `blockMask` namespace of the library API: builders that all return a BlockMask.
//   fromDense(layout, shape)                     any 0/1 layout
//   causal(shape)                                the blocks the causal rule touches
//   slidingWindow(shape, { window, causal? })    window = total width in blocks, diagonal included
//   strided(shape, { stride, local?, causal? })  dilated: every stride-th block from the diagonal
//   bigBird(shape, { global, window, random, seed, causal? })
//   topK(gpu, { q, k, heads, seqQ, seqK, headDim, blockSize, keep, causal? })   chosen on the GPU

import { BlockMask, type MaskShape } from '../kernels/block-mask.ts';
import { describeValue } from '../util/text.ts';
import { checkShapeArgument, patternBuilders } from './builders.ts';
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

/**
 * A mask from a 0/1 layout of ceil(seqQ/blockSize) × ceil(seqK/blockSize) blocks, row-major: a
 * Uint8Array, another typed array or a plain array whose every element is exactly 0 or 1 (checked
 * before converting, so 257, 0.7, NaN or '1' are errors rather than coerced).
 */
function fromDense(layout: Uint8Array | ArrayLike<number>, shape: MaskShape): BlockMask {
  checkShapeArgument('fromDense', shape);
  if (layout instanceof Uint8Array) return new BlockMask(layout, shape);
  const isTyped = ArrayBuffer.isView(layout) && !(layout instanceof DataView);
  if (!Array.isArray(layout) && !isTyped) {
    throw new Error(
      `blockMask.fromDense: layout must be a Uint8Array or an array of 0/1, got ${describeValue(layout)}`,
    );
  }
  const values = layout as ArrayLike<unknown>;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== 0 && v !== 1) {
      const shown = typeof v === 'string' ? JSON.stringify(v) : String(v);
      throw new Error(`mask.layout[${i}]: expected 0 or 1, got ${shown}`);
    }
  }
  return new BlockMask(Uint8Array.from(values as ArrayLike<number>), shape);
}

export const blockMask = {
  fromDense,
  ...patternBuilders,
  topK,
};
