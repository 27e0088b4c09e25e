// Input validation for gemv(): every field is checked, with a message that names the field and the
// limit, before anything is allocated on the GPU.

import {
  checkFormat,
  GATE_ACTIVATIONS,
  type GateActivation,
  GEMV_MAX_ROWS,
  type GemvLayout,
  type GemvProblem,
  gemvLayout,
} from './gemv-common.ts';
import type { QuantizedMatrix } from './quantize.ts';
import { checkArray, checkKnownFields, checkSize } from './validate.ts';

export interface GemvInput {
  /** Activation rows, 1 … 16. */
  rows: number;
  /** Epilogue: y = x·W + residual, residual (rows, n). */
  residual?: Float32Array;
  /** Prologue: x is then (rows, 2k) and the product uses act(x[r][i]) · x[r][k + i]. */
  gate?: GateActivation;
}

/** The fields of GemvInput (gemv() takes RunOptions' beside them). */
export const GEMV_INPUT_FIELDS = ['rows', 'residual', 'gate'] as const satisfies readonly (keyof GemvInput)[];

const QUANTIZED_MATRIX_FIELDS = [
  'format',
  'k',
  'n',
  'groupSize',
  'weights',
  'scales',
] as const satisfies readonly (keyof QuantizedMatrix)[];

/**
 * Throws unless qw is a packed matrix whose fields agree (k and n sizes, a weight format and group
 * size, weights and scales of the layout's lengths), naming the field (`${field}.weights` …).
 * Allocates nothing: gemv() and dequantize() call it before anything else.
 */
export function checkQuantizedMatrix(
  qw: unknown,
  field: string,
): { k: number; n: number; groupSize: number | undefined } {
  if (typeof qw !== 'object' || qw === null)
    throw new Error(`${field}: expected a quantised matrix (from quantize())`);
  checkKnownFields(field, qw, QUANTIZED_MATRIX_FIELDS);
  const matrix = qw as QuantizedMatrix;
  const k = checkSize(`${field}.k`, matrix.k);
  const n = checkSize(`${field}.n`, matrix.n);
  const groupSize = checkFormat(matrix.format, matrix.groupSize, `${field}.format`);
  const layout = gemvLayout({ k, n, format: matrix.format, groupSize });
  const grid = `(kPadded / ${layout.valuesPerWord}) × nPadded = ${layout.wordRows} × ${layout.nPadded}`;
  checkArray(`${field}.weights`, matrix.weights, layout.weightWords, grid, 'Uint32Array');
  if (layout.scaleWords) {
    checkArray(
      `${field}.scales`,
      matrix.scales,
      layout.scaleWords,
      `${layout.scaleRows} × nPadded / 2`,
      'Uint32Array',
    );
  }
  return { k, n, groupSize };
}

/** Validates gemv() input; returns the problem the kernels take. */
export function validateGemv(x: unknown, qw: unknown, options: unknown): GemvProblem {
  if (typeof options !== 'object' || options === null)
    throw new Error('gemv options: expected an object with rows');
  const input = options as GemvInput;
  const rows = checkSize('rows', input.rows, GEMV_MAX_ROWS);
  const { k, n, groupSize } = checkQuantizedMatrix(qw, 'qw');
  const matrix = qw as QuantizedMatrix;
  if (input.gate !== undefined && !GATE_ACTIVATIONS.includes(input.gate)) {
    throw new Error(
      `gate: unknown activation ${JSON.stringify(input.gate)}; expected one of ${GATE_ACTIVATIONS.join(', ')}`,
    );
  }
  if (input.gate) checkArray('x', x, rows * 2 * k, `rows × 2k = ${rows} × ${2 * k}`);
  else checkArray('x', x, rows * k, `rows × k = ${rows} × ${k}`);
  if (input.residual !== undefined)
    checkArray('residual', input.residual, rows * n, `rows × n = ${rows} × ${n}`);
  return {
    k,
    n,
    rows,
    format: matrix.format,
    ...(groupSize ? { groupSize } : {}),
    ...(input.residual ? { residual: true } : {}),
    ...(input.gate ? { gate: input.gate } : {}),
  };
}

/** Rows of `data` (rows × width) copied into rows × stride (zeros in between). */
export function padRows(data: Float32Array, rows: number, width: number, stride: number): Float32Array {
  const out = new Float32Array(rows * stride);
  for (let r = 0; r < rows; r++) out.set(data.subarray(r * width, (r + 1) * width), r * stride);
  return out;
}

/** x (rows, k) — or g (rows, 2k) — in the kernels' layout: rows of xStride, the linear half at gateOffset. */
export function packActivations(x: Float32Array, p: GemvProblem, layout: GemvLayout): Float32Array {
  const out = new Float32Array(p.rows * layout.xStride);
  const width = p.gate ? 2 * p.k : p.k;
  for (let r = 0; r < p.rows; r++) {
    out.set(x.subarray(r * width, r * width + p.k), r * layout.xStride);
    if (p.gate) out.set(x.subarray(r * width + p.k, (r + 1) * width), r * layout.xStride + layout.gateOffset);
  }
  return out;
}
