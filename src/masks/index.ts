// The `blockMask` namespace of the library API: builders that all return a BlockMask.

import { BlockMask, type MaskShape } from './block-mask.ts';

export { BlockMask, checkMaskShape, type MaskShape } from './block-mask.ts';

/** A mask from a 0/1 layout of ceil(seqQ/blockSize) × ceil(seqK/blockSize) blocks, row-major. */
function fromDense(layout: Uint8Array | ArrayLike<number>, shape: MaskShape): BlockMask {
  return new BlockMask(layout instanceof Uint8Array ? layout : Uint8Array.from(layout), shape);
}

export const blockMask = {
  fromDense,
};
