// rope-append (shaders/rope-append.wgsl): RoPE on q and k of the fused QKV output, and k and v
// appended to the KV cache at `position`, in one pass. The cos/sin table of the position is computed
// here in f64 (ropeTable) and uploaded once per prepared call.
// The caches are f32 or (kvF16) packed f16 in the layout decode-f16 reads in place (kv-pack.ts:
// hv = ceil(headDim / 4) vec2<u32> per row), rounded to nearest on the way in.
// Bytes model: qkv read once, q written, one K row and one V row per KV head written into the
// caches (4 or 2 bytes a value); the table (headDim/2 vec2) counted too. FLOP model: 3 per rotated element.

import type { Gpu } from '../gpu/gpu.ts';
import { packUniform, u32, uniformLayout } from '../gpu/uniform.ts';
import { elementGrid } from './elementwise.ts';
import { checkBinding, checkInvocations } from './limits.ts';
import { onePass } from './run.ts';
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
  /** The caches hold packed f16 (decode-f16's k16/v16 layout) instead of f32. */
  kvF16?: boolean;
}

export interface RopeAppendIO {
  /** (batch, (heads + 2·kvHeads) · headDim) */
  qkv: GPUBuffer;
  /** (batch, heads · headDim) */
  q: GPUBuffer;
  /** (batch · kvHeads, capacity, headDim) f32 each, or (batch · kvHeads, capacity, hv) vec2<u32> (kvF16) */
  kCache: GPUBuffer;
  vCache: GPUBuffer;
}

const NAME = 'rope-append';
const SHADER = new URL('../../shaders/rope-append.wgsl', import.meta.url);
/** The shader's `struct Params`. */
export const ROPE_APPEND_PARAMS = uniformLayout(
  'Params',
  u32('batch', 'heads', 'kv_heads', 'head_dim', 'capacity', 'position'),
);
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

/** Bytes of one cache (K or V) of the problem: f32 rows, or packed f16 rows of hv vec2<u32>. */
export function ropeCacheBytes(p: RopeAppendProblem): number {
  const rows = p.batch * p.kvHeads * p.capacity;
  return p.kvF16 ? rows * 8 * Math.ceil(p.headDim / 4) : rows * 4 * p.headDim;
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
      `${NAME} KV cache (batch × kvHeads × capacity × headDim, ${p.kvF16 ? 'packed f16' : 'f32'})`,
      ropeCacheBytes(p),
    );
    const grid = elementGrid(gpu, NAME, elements(p), WORKGROUP_SIZE);
    const table = gpu.upload(`${NAME}.table`, Float32Array.from(ropeTable(p.headDim, p.position, p.base)));
    return onePass(gpu, {
      kernel: NAME,
      shader: SHADER,
      entryPoint: 'main',
      constants: { WORKGROUP_SIZE, KV_F16: p.kvF16 ? 1 : 0 },
      params: packUniform(ROPE_APPEND_PARAMS, {
        batch: p.batch,
        heads: p.heads,
        kv_heads: p.kvHeads,
        head_dim: p.headDim,
        capacity: p.capacity,
        position: p.position,
      }),
      bindings: { 1: io.qkv, 2: table, 3: io.q, 4: io.kCache, 5: io.vCache },
      grid,
      owned: [table],
    });
  },
  cost(p) {
    const all = elements(p);
    const rotated = p.batch * (p.heads + p.kvHeads) * p.headDim;
    const kvValues = 2 * p.batch * p.kvHeads * p.headDim;
    const written = 4 * p.batch * p.heads * p.headDim + (p.kvF16 ? 2 : 4) * kvValues;
    return { bytes: 4 * (all + p.headDim) + written, flops: 3 * rotated };
  },
};
