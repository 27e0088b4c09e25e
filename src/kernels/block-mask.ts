// Block masks: which (query block, key block) tiles of the attention matrix are computed. Stored as
// the dense 0/1 layout (for kernels that mask element by element) and as CSR over query blocks
// (row pointers + key-block indices, for kernels that skip blocks). One block size for both axes;
// the last block of each axis may be ragged. The type kernels take; its builders (causal, sliding
// window, top-k …) are src/masks', above the kernels.

import { describeValue } from '../util/text.ts';

/** Blocks a mask may have (its layout is a byte each): 2^26, e.g. 256k × 256k keys in blocks of 32. */
export const MAX_MASK_BLOCKS = 1 << 26;

export interface MaskShape {
  blockSize: number;
  seqQ: number;
  seqK: number;
}

export class BlockMask {
  readonly blockSize: number;
  readonly seqQ: number;
  readonly seqK: number;
  /** ceil(seqQ / blockSize) */
  readonly rows: number;
  /** ceil(seqK / blockSize) */
  readonly cols: number;
  /** rows × cols, row-major, 1 = computed. */
  readonly layout: Uint8Array;
  /** rows + 1 offsets into colIndex. */
  readonly rowPtr: Uint32Array;
  /** Key-block indices of each query block, ascending. */
  readonly colIndex: Uint32Array;
  /** A name for tables and charts ("sliding-window(w=2)"). */
  readonly pattern: string;

  constructor(layout: Uint8Array, shape: MaskShape, pattern = 'dense-layout') {
    checkMaskShape(shape);
    const { blockSize, seqQ, seqK } = shape;
    this.blockSize = blockSize;
    this.seqQ = seqQ;
    this.seqK = seqK;
    this.rows = Math.ceil(seqQ / blockSize);
    this.cols = Math.ceil(seqK / blockSize);
    if (!(layout instanceof Uint8Array)) throw new Error('mask.layout: expected a Uint8Array of 0/1');
    if (layout.length !== this.rows * this.cols) {
      throw new Error(
        `mask.layout: length ${layout.length} does not fit ceil(seqQ/blockSize) × ceil(seqK/blockSize) = ` +
          `${this.rows} × ${this.cols} = ${this.rows * this.cols}`,
      );
    }
    this.layout = new Uint8Array(layout.length);
    let kept = 0;
    for (let i = 0; i < layout.length; i++) {
      const v = layout[i];
      if (v !== 0 && v !== 1) throw new Error(`mask.layout[${i}]: expected 0 or 1, got ${v}`);
      this.layout[i] = v;
      kept += v;
    }
    this.rowPtr = new Uint32Array(this.rows + 1);
    this.colIndex = new Uint32Array(kept);
    let n = 0;
    for (let r = 0; r < this.rows; r++) {
      this.rowPtr[r] = n;
      for (let c = 0; c < this.cols; c++) if (this.layout[r * this.cols + c]) this.colIndex[n++] = c;
    }
    this.rowPtr[this.rows] = n;
    this.pattern = pattern;
  }

  /** Fraction of blocks kept (1 = dense). */
  get density(): number {
    return this.colIndex.length / (this.rows * this.cols);
  }

  /** Number of kept blocks. */
  get nnz(): number {
    return this.colIndex.length;
  }

  /** Whether element (i, j) lies in a kept block. */
  allows(i: number, j: number): boolean {
    return this.layout[Math.floor(i / this.blockSize) * this.cols + Math.floor(j / this.blockSize)] === 1;
  }

  /** Fraction of (query, key) elements inside kept blocks, counting ragged edge blocks exactly. */
  get elementDensity(): number {
    let kept = 0;
    for (let r = 0; r < this.rows; r++) {
      const h = Math.min(this.blockSize, this.seqQ - r * this.blockSize);
      for (let p = this.rowPtr[r]; p < this.rowPtr[r + 1]; p++) {
        kept += h * Math.min(this.blockSize, this.seqK - this.colIndex[p] * this.blockSize);
      }
    }
    return kept / (this.seqQ * this.seqK);
  }
}

/** Throws an Error naming the field if a mask shape is not a positive integer triple. */
export function checkMaskShape(shape: MaskShape): void {
  if (typeof shape !== 'object' || shape === null) {
    throw new Error(`mask shape: expected { blockSize, seqQ, seqK }, got ${describeValue(shape)}`);
  }
  for (const field of ['blockSize', 'seqQ', 'seqK'] as const) {
    const v = shape[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new Error(`mask.${field}: expected a positive integer, got ${String(v)}`);
    }
  }
  if (shape.blockSize > 4096) throw new Error(`mask.blockSize: ${shape.blockSize} exceeds the limit of 4096`);
  const blocks = Math.ceil(shape.seqQ / shape.blockSize) * Math.ceil(shape.seqK / shape.blockSize);
  if (blocks > MAX_MASK_BLOCKS) {
    throw new Error(
      `mask: ceil(seqQ/blockSize) × ceil(seqK/blockSize) = ${blocks} blocks exceeds the limit of ${MAX_MASK_BLOCKS} ` +
        `(seqQ ${shape.seqQ}, seqK ${shape.seqK}, blockSize ${shape.blockSize}: use larger blocks)`,
    );
  }
}
