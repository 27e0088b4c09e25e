// The Params uniform of the matmul kernels (`struct Params` of shaders/matmul.wgsl).

import { packUniform, uniformLayout } from '../gpu/uniform.ts';
import type { MatmulProblem } from './types.ts';

/** `struct Params` of matmul.wgsl (the naive and tiled kernels). */
export const MATMUL_PARAMS = uniformLayout('Params', [
  ['m', 'u32'],
  ['k', 'u32'],
  ['n', 'u32'],
  ['has_bias', 'u32'],
  ['activation', 'u32'],
  ['_pad0', 'u32'],
  ['_pad1', 'u32'],
  ['_pad2', 'u32'],
]);

/** Packs m, k, n, has_bias, activation (0 none, 1 GELU) into the Params uniform. */
export function matmulParams(p: MatmulProblem): ArrayBuffer {
  return packUniform(MATMUL_PARAMS, {
    m: p.m,
    k: p.k,
    n: p.n,
    has_bias: Boolean(p.bias),
    activation: p.activation === 'gelu' ? 1 : 0,
  });
}
