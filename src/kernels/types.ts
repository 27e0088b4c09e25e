// What every kernel module provides, so the library API, the tests, the benchmarks and the page can
// iterate one registry. A kernel records its dispatches into an open compute pass: several calls fit
// in one pass (timestamps then bracket them all), and dependent dispatches in one pass are ordered.

import type { Gpu } from '../gpu/gpu.ts';
import type { BlockMask } from '../masks/block-mask.ts';
import type { Activation } from '../reference/matmul.ts';

export interface AttentionProblem {
  heads: number;
  seqQ: number;
  seqK: number;
  headDim: number;
  /**
   * KV heads (grouped-query attention): divides heads; k and v hold kvHeads heads and query head h
   * reads KV head floor(h / (heads / kvHeads)). Absent: heads.
   */
  kvHeads?: number;
  causal: boolean;
  scale: number;
  mask?: BlockMask;
}

/** f32 storage buffers in the layouts of the library API; they belong to the caller. */
export interface AttentionIO {
  q: GPUBuffer;
  k: GPUBuffer;
  v: GPUBuffer;
  o: GPUBuffer;
}

export interface MatmulProblem {
  m: number;
  k: number;
  n: number;
  /** Fused epilogue: c = act(a·b + bias). */
  bias?: boolean;
  activation?: Activation;
}

export interface MatmulIO {
  a: GPUBuffer;
  b: GPUBuffer;
  c: GPUBuffer;
  /** Required when problem.bias. */
  bias?: GPUBuffer;
}

/** Compulsory memory traffic and useful work of one call, from the kernel's documented model. */
export interface CostModel {
  bytes: number;
  flops: number;
}

export interface KernelRun {
  /** Records one call of the kernel into an open compute pass. */
  encode(pass: GPUComputePassEncoder): void;
  /** Frees what prepare() created (scratch, parameters); the IO buffers stay. */
  destroy(): void;
}

export interface Kernel<Problem, IO> {
  /** Contract name ('unfused', 'flash', 'tiled', …). */
  readonly name: string;
  /** One line: what it does differently from its neighbours. */
  readonly summary: string;
  /** Adapter features it needs; the registry hides it where they are missing. */
  readonly features?: readonly GPUFeatureName[];
  /** Why this kernel declines the problem (raised as UnsupportedProblemError), or undefined. */
  decline?(problem: Problem, gpu: Gpu): string | undefined;
  /** Checks limits (throwing an Error that names the limit), compiles, allocates scratch. */
  prepare(gpu: Gpu, problem: Problem, io: IO): Promise<KernelRun>;
  /** Bytes and FLOPs of one call (see each kernel's file for the model). */
  cost(problem: Problem): CostModel;
}

export type AttentionKernel = Kernel<AttentionProblem, AttentionIO>;
export type MatmulKernel = Kernel<MatmulProblem, MatmulIO>;
