// Decode-time weight kernels (GEMV, 1–16 activation rows): the problem, the buffers, and the packed
// weight layout every GEMV shader (gemv.wgsl, also behind gemv-f16-native) reads (README "Weight
// formats" states it for anyone producing weights; quantize.ts produces it on the CPU).
//
// Layout. kPadded = k rounded up to stepK (4 k values a step; 8 for int4), nPadded = n rounded up
// to 4. The weights are a (kPadded / P) × nPadded grid of u32 words, row-major; word (w, j) holds
// P consecutive k values of ONE column j: k = P·w + t in bits [t·32/P, (t+1)·32/P):
//   f32  P = 1  the f32 bits
//   f16  P = 2  IEEE half, t = 0 in the low half (pack2x16float order)
//   int8 P = 4  byte t, two's complement (−127…127)
//   int4 P = 8  nibble t, two's complement (−8…7)
// Padding weights are 0. Scales are f16 in pairs, even column in the low half: int8 one per column
// (nPadded / 2 words), int4 one per (group of groupSize k, column), group-major (ceil(k / groupSize)
// rows of nPadded / 2 words). Lanes of a workgroup take consecutive groups of 4 columns, so one
// vec4<u32> load per lane and word row reads 16 contiguous bytes and a workgroup reads a contiguous
// run. With n % 4 == 0 and k % stepK == 0 the bytes are exactly shapes.ts matrixBytes.
// x is rows × xStride f32 (xStride a multiple of 4; x[r][k … kPadded) must be finite: the padding
// weights are 0), y is rows × nPadded f32.

import type { Gpu } from '../gpu/gpu.ts';
import { describeValue } from '../util/text.ts';
import {
  DEFAULT_INT4_GROUP_SIZE,
  INT4_GROUP_SIZES,
  matrixBytes,
  WEIGHT_FORMATS,
  type WeightFormat,
} from './formats.ts';
import type { Kernel } from './types.ts';
import { checkSize } from './validate.ts';

/** Most activation rows one call takes (a decode batch). */
export const GEMV_MAX_ROWS = 16;

/** The activation of a gated prologue (GeGLU: 'gelu', tanh form; SwiGLU: 'silu'). */
export type GateActivation = 'gelu' | 'silu';
export const GATE_ACTIVATIONS: readonly GateActivation[] = ['gelu', 'silu'];

export interface GemvProblem {
  /** Inner size (rows of W). */
  k: number;
  /** Output columns (columns of W). */
  n: number;
  /** Activation rows, 1 … 16. */
  rows: number;
  format: WeightFormat;
  /** int4 only: k values per scale (32, 64 or 128; default 32). */
  groupSize?: number;
  /** Epilogue: y = x·W + r, r in y's layout (rows × nPadded). */
  residual?: boolean;
  /**
   * Prologue: the x buffer holds g, and x_i = act(g[r][i]) · g[r][gateOffset + i] for i < k
   * (GeGLU / SwiGLU feeding a down projection straight from the up projection's output).
   */
  gate?: GateActivation;
  /** f32 per row of the x (or g) buffer, a multiple of 4; default kPadded (2·kPadded when gated). */
  xStride?: number;
  /** Gated: f32 from a row's start in g to its linear half, a multiple of 4; default kPadded. */
  gateOffset?: number;
}

/** Storage buffers of one call; they belong to the caller. */
export interface GemvIO {
  /** rows × xStride f32 (or the gate's input g). */
  x: GPUBuffer;
  /** The packed words (gemvLayout(problem).weightBytes). */
  weights: GPUBuffer;
  /** int8 / int4: the packed f16 scales. */
  scales?: GPUBuffer;
  /** Required when problem.residual: rows × nPadded f32. */
  residual?: GPUBuffer;
  /** rows × nPadded f32. */
  y: GPUBuffer;
}

export type GemvKernel = Kernel<GemvProblem, GemvIO>;

/** k values of one column per u32 word. */
export const VALUES_PER_WORD: Readonly<Record<WeightFormat, number>> = Object.freeze({
  f32: 1,
  f16: 2,
  int8: 4,
  int4: 8,
});

export interface GemvLayout {
  valuesPerWord: number;
  /** k values one loop step of the kernel takes (4, or 8 for int4); kPadded is a multiple. */
  stepK: number;
  kPadded: number;
  nPadded: number;
  /** Rows of the word grid: kPadded / valuesPerWord. */
  wordRows: number;
  weightWords: number;
  weightBytes: number;
  /** int4: the group size used (else undefined). */
  groupSize: number | undefined;
  /** int8: 1 row of scales; int4: ceil(k / groupSize); else 0. */
  scaleRows: number;
  scaleWords: number;
  scaleBytes: number;
  xStride: number;
  gateOffset: number;
}

const roundUp = (value: number, multiple: number) => Math.ceil(value / multiple) * multiple;

/** Throws unless format is a weight format and groupSize (int4) is one offered; returns the group size. */
export function checkFormat(format: unknown, groupSize: unknown, field = 'format'): number | undefined {
  if (!WEIGHT_FORMATS.includes(format as WeightFormat)) {
    throw new Error(
      `${field}: unknown weight format ${JSON.stringify(format)}; expected one of ${WEIGHT_FORMATS.join(', ')}`,
    );
  }
  if (format !== 'int4') {
    if (groupSize !== undefined) throw new Error(`groupSize: only int4 has groups, not ${format}`);
    return undefined;
  }
  const size = groupSize === undefined ? DEFAULT_INT4_GROUP_SIZE : groupSize;
  if (!INT4_GROUP_SIZES.includes(size as (typeof INT4_GROUP_SIZES)[number])) {
    throw new Error(
      `groupSize: ${String(size)} is not offered; expected one of ${INT4_GROUP_SIZES.join(', ')}`,
    );
  }
  return size as number;
}

/** The packed layout of a problem (see the file header). */
export function gemvLayout(
  p: Pick<GemvProblem, 'k' | 'n' | 'format' | 'groupSize' | 'gate' | 'xStride' | 'gateOffset'>,
): GemvLayout {
  if (typeof p !== 'object' || p === null) {
    throw new Error(`gemvLayout: expected { k, n, format, groupSize? }, got ${describeValue(p)}`);
  }
  checkSize('k', p.k);
  checkSize('n', p.n);
  const groupSize = checkFormat(p.format, p.groupSize);
  const valuesPerWord = VALUES_PER_WORD[p.format];
  const stepK = Math.max(4, valuesPerWord);
  const kPadded = roundUp(p.k, stepK);
  const nPadded = roundUp(p.n, 4);
  const wordRows = kPadded / valuesPerWord;
  const scaleRows = p.format === 'int8' ? 1 : groupSize ? Math.ceil(p.k / groupSize) : 0;
  const scaleWords = (scaleRows * nPadded) / 2;
  return {
    valuesPerWord,
    stepK,
    kPadded,
    nPadded,
    wordRows,
    weightWords: wordRows * nPadded,
    weightBytes: 4 * wordRows * nPadded,
    groupSize,
    scaleRows,
    scaleWords,
    scaleBytes: 4 * scaleWords,
    xStride: p.xStride ?? (p.gate ? 2 * kPadded : kPadded),
    gateOffset: p.gateOffset ?? kPadded,
  };
}

/**
 * Compulsory bytes of one call: the weights and scales as the format stores them (matrixBytes), x
 * read once (2·k per row when gated), y written once and r read once.
 * FLOPs: 2·rows·k·n.
 */
export function gemvCost(p: GemvProblem): { bytes: number; flops: number } {
  const xBytes = 4 * p.rows * p.k * (p.gate ? 2 : 1);
  const yBytes = 4 * p.rows * p.n * (p.residual ? 2 : 1);
  return {
    bytes: matrixBytes(p.k, p.n, p.format, p.groupSize) + xBytes + yBytes,
    flops: 2 * p.rows * p.k * p.n,
  };
}

/** A 16-byte stand-in for an optional binding the call does not use. */
export function placeholder(gpu: Gpu, label: string): GPUBuffer {
  return gpu.buffer(label, 16);
}
