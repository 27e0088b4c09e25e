// rope-append (shaders/rope-append.wgsl): RoPE on q and k of the fused QKV output, and k and v
// appended to the KV cache at `position`, in one pass. The cos/sin table of the position is computed
// here in f64 (ropeTable) and uploaded once per prepared call.
// Bytes model: qkv read once, q written, one K row and one V row per KV head written into the
// caches; the table (headDim/2 vec2) counted too. FLOP model: 3 per rotated element.

import type { Gpu } from '../gpu/gpu.ts';
import { packUniform, uniformLayout } from '../gpu/uniform.ts';
import { elementGrid } from './elementwise.ts';
import { checkBinding, checkInvocations } from './limits.ts';
import { dispatchRun } from './run.ts';
import type { Kernel } from './types.ts';

export interface RopeAppendProblem {
  /** Sequences decoded together (each has its own cache heads). */
  batch: number;
  heads: number;
  kvHeads: number;
  /** Even. */
  headDim: number;
  /** Rows of each cache head (the attention's seqK). */
  capacity: number;
  /** The cache row this token goes to, < capacity. */
  position: number;
  /** RoPE base (10000 in GLM and Llama 2, 500000 in Llama 3). */
  base: number;
}

export interface RopeAppendIO {
  /** (batch, (heads + 2·kvHeads) · headDim) */
  qkv: GPUBuffer;
  /** (batch, heads · headDim) */
  q: GPUBuffer;
  /** (batch · kvHeads, capacity, headDim) each */
  kCache: GPUBuffer;
  vCache: GPUBuffer;
}

const NAME = 'rope-append';
const SHADER = new URL('../../shaders/rope-append.wgsl', import.meta.url);
/** The shader's `struct Params`. */
export const ROPE_APPEND_PARAMS = uniformLayout('Params', [
  ['batch', 'u32'],
  ['heads', 'u32'],
  ['kv_heads', 'u32'],
  ['head_dim', 'u32'],
  ['capacity', 'u32'],
  ['position', 'u32'],
  ['_pad0', 'u32'],
  ['_pad1', 'u32'],
]);
const WORKGROUP_SIZE = 256;

/** cos θ_d, sin θ_d for d < headDim/2 at this position, θ_d = position · base^(−2d/headDim), in f64. */
export function ropeTable(headDim: number, position: number, base: number): Float64Array {
  const half = headDim / 2;
  const table = new Float64Array(headDim);
  for (let d = 0; d < half; d++) {
    const theta = position * base ** ((-2 * d) / headDim);
    table[2 * d] = Math.cos(theta);
    table[2 * d + 1] = Math.sin(theta);
  }
  return table;
}

/** Throws an Error naming the field unless the problem is valid. */
export function checkRopeAppend(p: RopeAppendProblem): void {
  for (const field of ['batch', 'heads', 'kvHeads', 'headDim', 'capacity'] as const) {
    const value = p[field];
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`${NAME}.${field}: expected a positive integer, got ${value}`);
    }
  }
  if (p.headDim % 2 !== 0) throw new Error(`${NAME}.headDim: RoPE needs an even head size, got ${p.headDim}`);
  if (p.heads % p.kvHeads !== 0) {
    throw new Error(`${NAME}.kvHeads: must divide heads (${p.heads}), got ${p.kvHeads}`);
  }
  if (!Number.isInteger(p.position) || p.position < 0 || p.position >= p.capacity) {
    throw new Error(
      `${NAME}.position: expected a whole number from 0 to capacity − 1 (${p.capacity - 1}), got ${p.position}`,
    );
  }
  if (!(p.base > 1 && Number.isFinite(p.base)))
    throw new Error(`${NAME}.base: expected a number above 1, got ${p.base}`);
}

function elements(p: RopeAppendProblem): number {
  return p.batch * (p.heads + 2 * p.kvHeads) * p.headDim;
}

export const ropeAppend: Kernel<RopeAppendProblem, RopeAppendIO> = {
  name: NAME,
  summary: 'RoPE on q and k fused with the KV-cache append of k and v, one pass over the QKV output.',
  async prepare(gpu: Gpu, p, io) {
    checkRopeAppend(p);
    checkInvocations(gpu, NAME, WORKGROUP_SIZE);
    checkBinding(
      gpu,
      `${NAME} KV cache (batch × kvHeads × capacity × headDim)`,
      4 * p.batch * p.kvHeads * p.capacity * p.headDim,
    );
    const grid = elementGrid(gpu, NAME, elements(p), WORKGROUP_SIZE);
    const pipeline = await gpu.pipeline({
      kernel: NAME,
      shader: SHADER,
      entryPoint: 'main',
      constants: { WORKGROUP_SIZE },
    });
    const params = gpu.uniform(
      `${NAME}.params`,
      packUniform(ROPE_APPEND_PARAMS, {
        batch: p.batch,
        heads: p.heads,
        kv_heads: p.kvHeads,
        head_dim: p.headDim,
        capacity: p.capacity,
        position: p.position,
      }),
    );
    const table = gpu.upload(`${NAME}.table`, Float32Array.from(ropeTable(p.headDim, p.position, p.base)));
    const group = gpu.bindGroup(NAME, pipeline, {
      0: params,
      1: io.qkv,
      2: table,
      3: io.q,
      4: io.kCache,
      5: io.vCache,
    });
    return dispatchRun([{ pipeline, group, grid }], [params, table]);
  },
  cost(p) {
    const all = elements(p);
    const rotated = p.batch * (p.heads + p.kvHeads) * p.headDim;
    return { bytes: 4 * (2 * all + p.headDim), flops: 3 * rotated };
  },
};
