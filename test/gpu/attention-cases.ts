// What the attention GPU test files share: the control shape, the f32 tolerance, and building a
// problem with its seeded inputs from a named case.

import { expect } from 'vitest';
import type { Gpu } from '../../src/gpu/gpu.ts';
import type { AttentionKernel, AttentionProblem } from '../../src/kernels/types.ts';
import type { AttentionInput } from '../../src/kernels/validate.ts';
import { type BlockMask, blockMask, type MaskShape } from '../../src/masks/index.ts';
import { attentionReference } from '../../src/reference/attention.ts';
import { compareToReference, type Tolerance } from '../../src/reference/compare.ts';
import { randomArray } from './gpu-harness.ts';

/** The control case every other case varies along one axis. */
export const CONTROL = { heads: 2, seqQ: 64, seqK: 64, headDim: 32 };

/** The case that breaks a softmax without its running maximum: logits up to ±50. */
export const LARGE_LOGITS = {
  name: 'large logits (QKᵀ up to ±50)',
  ...CONTROL,
  seqQ: 31,
  seqK: 45,
  headDim: 16,
  range: 7,
  scale: 1,
};

/** f32 kernels against the f64 reference. */
export const F32_TOL: Tolerance = { atol: 2e-5, rtol: 2e-4 };

/** The shape of a case; causal off, inputs in [-1, 1) and scale 1/√headDim unless given. */
export interface AttentionCase {
  heads: number;
  seqQ: number;
  seqK: number;
  headDim: number;
  /** KV heads (grouped-query attention); k and v hold this many heads. */
  kvHeads?: number;
  causal?: boolean;
  /** Inputs drawn from [-range, range) (default 1). */
  range?: number;
  scale?: number;
  mask?: (shape: Omit<MaskShape, 'blockSize'>) => BlockMask;
}

/** A case's problem and inputs (q, k, v seeded 1, 2, 3; v always in [-1, 1)). */
export interface Built {
  problem: AttentionProblem;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  /** The same, as the library API takes it. */
  input: AttentionInput;
}

export function build(c: AttentionCase): Built {
  const { heads, seqQ, seqK, headDim } = c;
  const kvHeads = c.kvHeads ?? heads;
  const range = c.range ?? 1;
  const problem: AttentionProblem = {
    heads,
    seqQ,
    seqK,
    headDim,
    ...(c.kvHeads === undefined ? {} : { kvHeads }),
    causal: c.causal ?? false,
    scale: c.scale ?? 1 / Math.sqrt(headDim),
    mask: c.mask?.({ seqQ, seqK }),
  };
  const q = randomArray(heads * seqQ * headDim, 1, -range, range);
  const k = randomArray(kvHeads * seqK * headDim, 2, -range, range);
  const v = randomArray(kvHeads * seqK * headDim, 3);
  return { problem, q, k, v, input: { ...problem, q, k, v } };
}

/** A 0/1 layout from keep(row, col). */
export function layout(rows: number, cols: number, keep: (r: number, c: number) => boolean): Uint8Array {
  const out = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = keep(r, c) ? 1 : 0;
  return out;
}

/** A case's mask from keep(row, col) over blocks of blockSize. */
export function fromKeep(blockSize: number, keep: (r: number, c: number) => boolean) {
  return ({ seqQ, seqK }: Omit<MaskShape, 'blockSize'>) =>
    blockMask.fromDense(layout(Math.ceil(seqQ / blockSize), Math.ceil(seqK / blockSize), keep), {
      blockSize,
      seqQ,
      seqK,
    });
}

/** Deterministic coin flips for random layouts. */
export function coin(seed: number, p: number): () => boolean {
  const next = randomArray(4096, seed, 0, 1);
  let n = 0;
  return () => next[n++ % next.length] < p;
}

/** Runs a kernel object once (kernels outside the registry cannot go through attention()). */
export async function runKernel(gpu: Gpu, kernel: AttentionKernel, b: Built): Promise<Float32Array> {
  const { problem: p } = b;
  const bytes = 4 * p.heads * p.seqQ * p.headDim;
  const io = {
    q: gpu.upload('test.q', b.q),
    k: gpu.upload('test.k', b.k),
    v: gpu.upload('test.v', b.v),
    o: gpu.buffer('test.o', bytes),
  };
  try {
    const run = await kernel.prepare(gpu, p, io);
    const encoder = gpu.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    run.encode(pass);
    pass.end();
    gpu.device.queue.submit([encoder.finish()]);
    const o = new Float32Array(await gpu.read(io.o, bytes));
    run.destroy();
    return o;
  } finally {
    for (const buffer of Object.values(io)) buffer.destroy();
  }
}

/** Finite, and within tol of the f64 reference. */
export function expectReference(o: Float32Array, b: Built, tol: Tolerance): void {
  expect(o.every(Number.isFinite), 'finite output').toBe(true);
  const result = compareToReference(o, attentionReference(b.q, b.k, b.v, b.problem), tol);
  expect(result.failure, result.failure).toBeUndefined();
}
