// Block-mask builders from patterns: causal, sliding window, strided (dilated) and BigBird. Pure CPU
// code; every builder returns a BlockMask of ceil(seqQ/blockSize) × ceil(seqK/blockSize) blocks.
//
// Query block r is aligned with the keys the way `causal` is (bottom-right: query i sits at key
// position i + seqK − seqQ). Its *diagonal* key block is the block holding the position of its last
// query, diagonalBlock(shape, r); with seqQ = seqK that is block r. Window, stride and BigBird's
// window are measured from that block, so every builder works for seqQ ≠ seqK (decode included).

import { BlockMask, checkMaskShape, type MaskShape } from '../kernels/block-mask.ts';
import { checkKnownFields } from '../kernels/validate.ts';
import { mulberry32 } from '../util/random.ts';
import { describeValue } from '../util/text.ts';

/** Largest count a builder option accepts (more blocks than any real layout has). */
const MAX_OPTION = 1 << 20;

/**
 * The key block aligned with query block r: the block of key position (last query of r) + seqK − seqQ.
 * Negative when every query of the block precedes the first key under the causal rule (seqQ > seqK).
 */
export function diagonalBlock(shape: MaskShape, r: number): number {
  const lastQuery = Math.min((r + 1) * shape.blockSize, shape.seqQ) - 1;
  return Math.floor((lastQuery + shape.seqK - shape.seqQ) / shape.blockSize);
}

/** Throws unless shape is an object (checkMaskShape then checks its fields). */
export function checkShapeArgument(builder: string, shape: unknown): asserts shape is MaskShape {
  if (typeof shape !== 'object' || shape === null || Array.isArray(shape)) {
    throw new Error(
      `blockMask.${builder}: shape must be an object { blockSize, seqQ, seqK }, got ${describeValue(shape)}`,
    );
  }
}

/**
 * The options object of a builder, whose fields are `fields` (those with a default marked '?'): an
 * object of those fields only (a misspelt `casual` would otherwise build a mask without causal), or
 * undefined when every field has a default. null is rejected, as matmul() and gemv() reject null options.
 */
function optionsArgument(builder: string, options: unknown, fields: readonly string[]): object {
  const optional = fields.every((field) => field.endsWith('?'));
  if (options === undefined && optional) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new Error(
      `blockMask.${builder}: options must be an object { ${fields.join(', ')} }${optional ? ' or undefined' : ''}, got ${describeValue(options)}`,
    );
  }
  checkKnownFields(
    `blockMask.${builder} options`,
    options,
    fields.map((field) => field.replace('?', '')),
  );
  return options;
}

/** Throws unless options[field] is an integer in [min, MAX_OPTION]; returns it (or the default). */
function option(builder: string, options: object, field: string, min: number, fallback?: number): number {
  const given = (options as Record<string, unknown>)[field];
  const value = given === undefined ? fallback : given;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new Error(`blockMask.${builder}: ${field} must be an integer ≥ ${min}, got ${String(value)}`);
  }
  if (value < min) throw new Error(`blockMask.${builder}: ${field} must be ≥ ${min}, got ${value}`);
  if (value > MAX_OPTION) {
    throw new Error(`blockMask.${builder}: ${field} ${value} exceeds the limit of ${MAX_OPTION}`);
  }
  return value;
}

function flag(builder: string, options: object, field: string): boolean {
  const given = (options as Record<string, unknown>)[field];
  const value = given === undefined ? false : given;
  if (typeof value !== 'boolean') {
    throw new Error(`blockMask.${builder}: ${field} must be true or false, got ${String(value)}`);
  }
  return value;
}

/** Fills a layout from keep(r, c, diagonal); blocks right of the diagonal are dropped when causal. */
function build(
  shape: MaskShape,
  pattern: string,
  causal: boolean,
  keep: (r: number, c: number, diagonal: number) => boolean,
): BlockMask {
  checkMaskShape(shape);
  const rows = Math.ceil(shape.seqQ / shape.blockSize);
  const cols = Math.ceil(shape.seqK / shape.blockSize);
  const layout = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    // Without causal a block aligned before the first key still has key block 0 as its diagonal.
    const diagonal = causal ? diagonalBlock(shape, r) : Math.max(0, diagonalBlock(shape, r));
    const last = causal ? Math.min(diagonal, cols - 1) : cols - 1;
    for (let c = 0; c <= last; c++) if (keep(r, c, diagonal)) layout[r * cols + c] = 1;
  }
  return new BlockMask(layout, shape, pattern);
}

/**
 * The blocks the causal rule touches: key block c is kept for query block r iff c ≤ diagonalBlock(r).
 * Diagonal blocks are only partly allowed: run attention with `causal: true` to mask inside them.
 */
function causal(shape: MaskShape): BlockMask {
  checkShapeArgument('causal', shape);
  return build(shape, 'causal', true, () => true);
}

export interface SlidingWindowOptions {
  /**
   * Width of the window in blocks, the diagonal block included. Without `causal` it must be odd and
   * centred: (window − 1) / 2 blocks on each side. With `causal` it is the diagonal block and the
   * window − 1 blocks before it (Mistral-style).
   */
  window: number;
  causal?: boolean;
}

/** Each query block sees the key blocks within the window around (or before) its diagonal block. */
function slidingWindow(shape: MaskShape, options: SlidingWindowOptions): BlockMask {
  checkShapeArgument('slidingWindow', shape);
  optionsArgument('slidingWindow', options, ['window', 'causal?']);
  const window = option('slidingWindow', options, 'window', 1);
  const isCausal = flag('slidingWindow', options, 'causal');
  if (!isCausal && window % 2 === 0) {
    throw new Error(
      `blockMask.slidingWindow: window must be odd without causal (the total width in blocks, the ` +
        `diagonal block in the middle), got ${window}`,
    );
  }
  const before = isCausal ? window - 1 : (window - 1) / 2;
  const after = isCausal ? 0 : before;
  const name = `sliding-window(w=${window}${isCausal ? ',causal' : ''})`;
  return build(shape, name, isCausal, (_r, c, d) => c >= d - before && c <= d + after);
}

export interface StridedOptions {
  /** Keep every stride-th key block counted from the diagonal block (the dilated part); ≥ 1. */
  stride: number;
  /** Also keep `local` blocks on each side of the diagonal (before it only, with causal); default 0. */
  local?: number;
  causal?: boolean;
}

/**
 * Sparse-Transformer-style strided / dilated layout: key block c is kept iff (c − diagonal) is a
 * multiple of stride, or |c − diagonal| ≤ local. stride 1 keeps everything.
 */
function strided(shape: MaskShape, options: StridedOptions): BlockMask {
  checkShapeArgument('strided', shape);
  optionsArgument('strided', options, ['stride', 'local?', 'causal?']);
  const stride = option('strided', options, 'stride', 1);
  const local = option('strided', options, 'local', 0, 0);
  const isCausal = flag('strided', options, 'causal');
  const name = `strided(s=${stride}${local ? `,local=${local}` : ''}${isCausal ? ',causal' : ''})`;
  return build(shape, name, isCausal, (_r, c, d) => Math.abs(c - d) <= local || (c - d) % stride === 0);
}

export interface BigBirdOptions {
  /** Global blocks: the first `global` key blocks are seen by every query block, and query blocks
   * whose diagonal lies among them see every key block. Default 1. */
  global?: number;
  /** Sliding window width in blocks, odd, the diagonal in the middle (as slidingWindow). Default 3. */
  window?: number;
  /** Random key blocks per query block, drawn among the blocks not kept otherwise. Default 1. */
  random?: number;
  /** Seed of the PRNG for the random blocks (a 32-bit unsigned integer); the same seed gives the same mask. */
  seed?: number;
  causal?: boolean;
}

/**
 * BigBird layout (global + sliding window + random), with DeepSpeed's defaults: global 1, window 3,
 * random 1. Random blocks come from mulberry32(seed), drawn row by row in order, so a mask is
 * reproducible from its options alone. With causal every part is restricted to c ≤ diagonal.
 */
function bigBird(shape: MaskShape, bigBirdOptions?: BigBirdOptions): BlockMask {
  checkShapeArgument('bigBird', shape);
  const options: BigBirdOptions = optionsArgument('bigBird', bigBirdOptions, [
    'global?',
    'window?',
    'random?',
    'seed?',
    'causal?',
  ]);
  const global = option('bigBird', options, 'global', 0, 1);
  const window = option('bigBird', options, 'window', 1, 3);
  const random = option('bigBird', options, 'random', 0, 1);
  const seed = options.seed === undefined ? 0 : options.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`blockMask.bigBird: seed must be an integer in [0, 4294967295], got ${String(seed)}`);
  }
  const isCausal = flag('bigBird', options, 'causal');
  if (window % 2 === 0) {
    throw new Error(
      `blockMask.bigBird: window must be odd (the total width in blocks, the diagonal block in the middle), got ${window}`,
    );
  }
  const half = (window - 1) / 2;
  const base = build(
    shape,
    'base',
    isCausal,
    (_r, c, d) => c < global || d < global || Math.abs(c - d) <= half,
  );
  const layout = base.layout.slice();
  const next = mulberry32(seed);
  const candidates: number[] = [];
  for (let r = 0; r < base.rows; r++) {
    const last = isCausal ? Math.min(diagonalBlock(shape, r), base.cols - 1) : base.cols - 1;
    candidates.length = 0;
    for (let c = 0; c <= last; c++) if (!layout[r * base.cols + c]) candidates.push(c);
    // A partial Fisher–Yates shuffle: the first `random` candidates become a uniform sample.
    const take = Math.min(random, candidates.length);
    for (let t = 0; t < take; t++) {
      const pick = t + Math.floor(next() * (candidates.length - t));
      [candidates[t], candidates[pick]] = [candidates[pick], candidates[t]];
      layout[r * base.cols + candidates[t]] = 1;
    }
  }
  const name = `bigbird(g=${global},w=${window},r=${random},seed=${seed}${isCausal ? ',causal' : ''})`;
  return new BlockMask(layout, shape, name);
}

export const patternBuilders = { causal, slidingWindow, strided, bigBird };
