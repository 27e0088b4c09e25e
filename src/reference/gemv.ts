// CPU reference for the GEMV kernels, in f64 on the dequantised weights (the values the kernels
// compute with), with the optional gated prologue and residual epilogue.
// x is (rows, k) — or, gated, g is (rows, 2k) with x_i = act(g_i) · g_{k+i} —, r and y are (rows, n).

import type { GateActivation } from '../kernels/gemv-common.ts';
import { GEMV_INPUT_FIELDS, type GemvInput, validateGemv } from '../kernels/gemv-validate.ts';
import { dequantize, type QuantizedMatrix } from '../kernels/quantize.ts';
import { checkKnownFields } from '../kernels/validate.ts';
import { gelu } from './matmul.ts';

/** gemv()'s input fields: the reference takes the same. */
export type GemvReferenceOptions = GemvInput;

/** SiLU (swish): x · sigmoid(x). */
export function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}

/** x (or act(a) · b of the gated input) for one row, in f64. */
export function gatedRow(
  input: ArrayLike<number>,
  row: number,
  k: number,
  gate?: GateActivation,
): Float64Array {
  const out = new Float64Array(k);
  if (!gate) {
    for (let i = 0; i < k; i++) out[i] = input[row * k + i];
    return out;
  }
  const act = gate === 'gelu' ? gelu : silu;
  for (let i = 0; i < k; i++) out[i] = act(input[row * 2 * k + i]) * input[row * 2 * k + k + i];
  return out;
}

/**
 * y = x · dequantize(qw) (+ r) in f64; rows × n. Validated as gemv() validates its input (the same
 * rules and messages), so a short array, too many rows or an unknown gate throws.
 */
export function gemvReference(
  x: Float32Array,
  qw: QuantizedMatrix,
  options: GemvReferenceOptions,
): Float64Array {
  const { k, n, rows } = validateGemv(x, qw, options);
  checkKnownFields('gemvReference options', options, GEMV_INPUT_FIELDS);
  const w = dequantize(qw);
  const y = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    const xr = gatedRow(x, r, k, options.gate);
    for (let i = 0; i < k; i++) {
      const xi = xr[i];
      if (xi === 0) continue;
      for (let j = 0; j < n; j++) y[r * n + j] += xi * w[i * n + j];
    }
    if (options.residual) for (let j = 0; j < n; j++) y[r * n + j] += options.residual[r * n + j];
  }
  return y;
}
