// CPU reference for matmul with the optional feed-forward epilogue, accumulating in f64.
// a is (m, k), b is (k, n), bias is (n), c is (m, n); all row-major.

import {
  checkKnownFields,
  MATMUL_INPUT_FIELDS,
  type MatmulInput,
  validateMatmul,
} from '../kernels/validate.ts';

export type { Activation } from '../kernels/types.ts';

/** GELU, tanh form (as GPT-2 and most WGSL kernels use it). */
export function gelu(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

/**
 * act(a · b + bias) in f64. Validated as matmul() validates its input (the same rules and messages,
 * without a device's limits), so a short array or a bad size or activation throws.
 */
export function matmulReference(a: Float32Array, b: Float32Array, p: MatmulInput): Float64Array {
  const { m, k, n } = validateMatmul(a, b, p);
  checkKnownFields('matmulReference options', p, MATMUL_INPUT_FIELDS);
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let kk = 0; kk < k; kk++) {
      const aik = a[i * k + kk];
      if (aik === 0) continue;
      const row = kk * n;
      for (let j = 0; j < n; j++) c[i * n + j] += aik * b[row + j];
    }
  }
  if (p.bias || p.activation === 'gelu') {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let x = c[i * n + j] + (p.bias ? p.bias[j] : 0);
        if (p.activation === 'gelu') x = gelu(x);
        c[i * n + j] = x;
      }
    }
  }
  return c;
}
