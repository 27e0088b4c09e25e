// The one list of kernels that the library API, the tests, the benchmarks and the page iterate.

import { UnsupportedProblemError } from '../gpu/errors.ts';
import type { Gpu } from '../gpu/gpu.ts';
import { blockSparse, blockSparseF16 } from './block-sparse.ts';
import { copy, type ProbeKernel } from './copy.ts';
import { decode, decodeF16 } from './decode.ts';
import { flash, flashF16 } from './flash.ts';
import { fma } from './fma.ts';
import { fusedSoftmax, fusedSoftmaxSubgroups } from './fused-softmax.ts';
import type { GemvKernel, GemvProblem } from './gemv-common.ts';
import { gemvF16 } from './gemv-f16.ts';
import { gemvF16Native } from './gemv-f16-native.ts';
import { gemvF32 } from './gemv-f32.ts';
import { gemvInt4 } from './gemv-int4.ts';
import { gemvInt8 } from './gemv-int8.ts';
import { naive } from './naive-matmul.ts';
import { read } from './read.ts';
import { tiled } from './tiled-matmul.ts';
import type { AttentionKernel, AttentionProblem, Kernel, MatmulKernel, MatmulProblem } from './types.ts';
import { unfused } from './unfused.ts';

/** Attention kernels by contract name. */
export const attentionKernels: Readonly<Record<string, AttentionKernel>> = Object.freeze({
  unfused,
  'fused-softmax': fusedSoftmax,
  flash,
  'block-sparse': blockSparse,
  decode,
  'flash-f16': flashF16,
  'block-sparse-f16': blockSparseF16,
  'decode-f16': decodeF16,
  'fused-softmax-subgroups': fusedSoftmaxSubgroups,
});

/** Matmul kernels by contract name. */
export const matmulKernels: Readonly<Record<string, MatmulKernel>> = Object.freeze({
  naive,
  tiled,
});

/** Decode-time weight kernels (GEMV, 1–16 rows) by name, one per weight format (f16 twice). */
export const gemvKernels: Readonly<Record<string, GemvKernel>> = Object.freeze({
  'gemv-f32': gemvF32,
  'gemv-f16': gemvF16,
  'gemv-f16-native': gemvF16Native,
  'gemv-int8': gemvInt8,
  'gemv-int4': gemvInt4,
});

/** Ceiling probes by name. */
export const probeKernels: Readonly<Record<string, ProbeKernel>> = Object.freeze({
  copy,
  read,
  fma,
});

/** Features a kernel needs that this device lacks (empty when it can run). */
export function missingFeatures(gpu: Gpu, kernel: Kernel<unknown, unknown>): GPUFeatureName[] {
  return (kernel.features ?? []).filter((f) => !gpu.features.has(f));
}

function pick<P>(
  gpu: Gpu,
  registry: Readonly<Record<string, Kernel<P, unknown>>>,
  what: string,
  name: string,
  problem: P,
): Kernel<P, unknown> {
  const kernel = Object.hasOwn(registry, name) ? registry[name] : undefined;
  if (!kernel) {
    throw new Error(
      `options.kernel: unknown ${what} kernel '${name}'; expected 'auto' or one of ${Object.keys(registry).join(', ')}`,
    );
  }
  const missing = missingFeatures(gpu, kernel);
  if (missing.length) throw new UnsupportedProblemError(name, `this adapter lacks ${missing.join(', ')}`);
  const reason = kernel.decline?.(problem, gpu);
  if (reason) throw new UnsupportedProblemError(name, reason);
  return kernel;
}

/** The attention kernel `auto` chooses: the first in preference order that accepts the problem. */
export function autoAttention(gpu: Gpu, problem: AttentionProblem): AttentionKernel {
  const preference = ['decode', 'block-sparse', 'flash', 'unfused'];
  const wantsSparse = problem.mask !== undefined && problem.mask.density < 0.999;
  for (const name of preference) {
    const kernel = attentionKernels[name];
    if (!kernel || missingFeatures(gpu, kernel).length) continue;
    if (name === 'block-sparse' && !wantsSparse) continue;
    if (!kernel.decline?.(problem, gpu)) return kernel;
  }
  return unfused;
}

/** Resolves options.kernel for attention(); throws for unknown names and declined problems. */
export function selectAttentionKernel(gpu: Gpu, problem: AttentionProblem, name: string): AttentionKernel {
  if (name === 'auto') return autoAttention(gpu, problem);
  return pick(gpu, attentionKernels, 'attention', name, problem) as AttentionKernel;
}

/** Resolves options.kernel for matmul(). */
export function selectMatmulKernel(gpu: Gpu, problem: MatmulProblem, name: string): MatmulKernel {
  if (name === 'auto') {
    const preferred = matmulKernels.tiled;
    if (preferred && !missingFeatures(gpu, preferred).length && !preferred.decline?.(problem, gpu))
      return preferred;
    return naive;
  }
  return pick(gpu, matmulKernels, 'matmul', name, problem) as MatmulKernel;
}

/** Resolves options.kernel for gemv(): 'auto' takes the kernel of the problem's weight format. */
export function selectGemvKernel(gpu: Gpu, problem: GemvProblem, name: string): GemvKernel {
  if (name === 'auto') {
    const kernel = Object.values(gemvKernels).find(
      (k) => !missingFeatures(gpu, k).length && !k.decline?.(problem, gpu),
    );
    if (!kernel) throw new UnsupportedProblemError('auto', `no GEMV kernel stores ${problem.format} weights`);
    return kernel;
  }
  return pick(gpu, gemvKernels, 'GEMV', name, problem) as GemvKernel;
}
