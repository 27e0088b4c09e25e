// What the matmul kernels (naive, tiled) share: the Params uniform (`struct Params` of
// shaders/matmul.wgsl), the binding checks of a, b and c, and the bytes and FLOP model.

import type { Gpu } from '../gpu/gpu.ts';
import { packUniform, u32, uniformLayout } from '../gpu/uniform.ts';
import { checkBinding } from './limits.ts';
import type { CostModel, MatmulProblem } from './types.ts';

/** `struct Params` of matmul.wgsl (the naive and tiled kernels). */
export const MATMUL_PARAMS = uniformLayout('Params', u32('m', 'k', 'n', 'has_bias', 'activation'));

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

/** Throws, naming the kernel and the operand, when a, b or c exceeds one storage binding. */
export function checkMatmulBindings(gpu: Gpu, kernel: string, p: MatmulProblem): void {
  checkBinding(gpu, `${kernel} a (m × k f32)`, 4 * p.m * p.k);
  checkBinding(gpu, `${kernel} b (k × n f32)`, 4 * p.k * p.n);
  checkBinding(gpu, `${kernel} c (m × n f32)`, 4 * p.m * p.n);
}

/** a, b (and bias) read once and c written once, f32; 2 FLOPs per multiply-add. */
export function matmulCost(p: MatmulProblem): CostModel {
  return {
    bytes: 4 * (p.m * p.k + p.k * p.n + p.m * p.n + (p.bias ? p.n : 0)),
    flops: 2 * p.m * p.n * p.k,
  };
}
