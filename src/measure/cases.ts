// The problems a run measures, as plain data (cases): their seeded inputs, their masks (built from a
// pattern and a target density), their f64 references (cached: several kernels share a problem), the
// tolerance of a kernel on a case, and the smaller problem used for verification when the CPU
// reference of the real one would take too long.

import type { Gpu } from '../gpu/gpu.ts';
import type { AttentionProblem, AttentionShape, MatmulShape, ToleranceRule } from '../kernels/types.ts';
import type { MatmulInput } from '../kernels/validate.ts';
import { BlockMask, blockMask, type MaskShape } from '../masks/index.ts';
import { attentionReference } from '../reference/attention.ts';
import type { Tolerance } from '../reference/compare.ts';
import { matmulReference } from '../reference/matmul.ts';
import { mulberry32, seededArray } from '../util/random.ts';

export interface MaskSpec {
  pattern: string;
  /** Target fraction of blocks kept; the built mask reports the density it reached. */
  density: number;
  blockSize: number;
  seed: number;
}

export interface AttentionCase extends AttentionShape {
  kind: 'attention';
  causal: boolean;
  mask?: MaskSpec;
}

export interface MatmulCase extends MatmulShape {
  kind: 'matmul';
}

/** A ceiling probe's problem: buffers of `bytes`. */
export interface ProbeCase {
  kind: 'probe';
  bytes: number;
}

export type Case = AttentionCase | MatmulCase;

/** Any problem a job verifies and times: an attention or matmul case, or a probe's buffers. */
export type AnyCase = Case | ProbeCase;

/** Multiply-adds above which the CPU reference is computed on a smaller problem of the same kind. */
export const MAX_REFERENCE_MACS = 1.2e8;

export function caseKey(c: AnyCase): string {
  if (c.kind === 'matmul') return `mm:${c.m}x${c.k}x${c.n}`;
  if (c.kind === 'probe') return `probe:${c.bytes}`;
  const m = c.mask ? `:${c.mask.pattern}@${c.mask.density}/b${c.mask.blockSize}#${c.mask.seed}` : '';
  return `att:h${c.heads}:q${c.seqQ}:k${c.seqK}:d${c.headDim}${c.causal ? ':causal' : ''}${m}`;
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export interface AttentionData {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
}

export function attentionData(c: AttentionCase): AttentionData {
  const base = hash(`${c.heads}:${c.seqQ}:${c.seqK}:${c.headDim}`);
  return {
    q: seededArray(c.heads * c.seqQ * c.headDim, base ^ 0x51),
    k: seededArray(c.heads * c.seqK * c.headDim, base ^ 0x4b),
    v: seededArray(c.heads * c.seqK * c.headDim, base ^ 0x56),
  };
}

export interface MatmulData {
  a: Float32Array;
  b: Float32Array;
}

export function matmulData(c: MatmulCase): MatmulData {
  const base = hash(`${c.m}:${c.k}:${c.n}`);
  return { a: seededArray(c.m * c.k, base ^ 0x41), b: seededArray(c.k * c.n, base ^ 0x42) };
}

/** A layout keeping exactly round(density·cols) key blocks per query block, chosen at random (seeded). */
function randomLayout(shape: MaskShape, density: number, seed: number): BlockMask {
  const rows = Math.ceil(shape.seqQ / shape.blockSize);
  const cols = Math.ceil(shape.seqK / shape.blockSize);
  const keep = Math.max(1, Math.min(cols, Math.round(density * cols)));
  const random = mulberry32(seed);
  const layout = new Uint8Array(rows * cols);
  const order = Array.from({ length: cols }, (_, i) => i);
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < keep; t++) {
      const pick = t + Math.floor(random() * (cols - t));
      [order[t], order[pick]] = [order[pick], order[t]];
      layout[r * cols + order[t]] = 1;
    }
  }
  return new BlockMask(layout, shape, `random(keep=${keep})`);
}

type Builder = (shape: MaskShape, options: Record<string, unknown>) => BlockMask;

function builder(name: string): Builder {
  const found = (blockMask as unknown as Record<string, Builder | undefined>)[name];
  if (typeof found !== 'function') throw new Error(`blockMask.${name} is not available in this build`);
  return found;
}

/** Among candidate masks, the one whose density is closest to the target. */
function closest(target: number, candidates: Iterable<BlockMask>): BlockMask {
  let best: BlockMask | undefined;
  for (const mask of candidates) {
    if (!best || Math.abs(mask.density - target) < Math.abs(best.density - target)) best = mask;
  }
  if (!best) throw new Error('no mask candidate');
  return best;
}

function* range(from: number, to: number, step = 1): Generator<number> {
  for (let i = from; i <= to; i += step) yield i;
}

/** Builds the mask of a case: the pattern's parameters are chosen to come closest to the target density. */
export async function buildMask(gpu: Gpu, c: AttentionCase, data: AttentionData): Promise<BlockMask> {
  const spec = c.mask;
  if (!spec) throw new Error('buildMask: the case has no mask');
  const shape: MaskShape = { blockSize: spec.blockSize, seqQ: c.seqQ, seqK: c.seqK };
  const cols = Math.ceil(c.seqK / spec.blockSize);
  switch (spec.pattern) {
    case 'random':
      return randomLayout(shape, spec.density, spec.seed);
    case 'sliding-window': {
      const build = builder('slidingWindow');
      return closest(
        spec.density,
        [...range(1, 2 * cols + 1, 2)].map((window) => build(shape, { window, causal: c.causal })),
      );
    }
    case 'strided': {
      const build = builder('strided');
      const candidates: BlockMask[] = [];
      for (const stride of range(1, cols))
        for (const local of range(0, 2)) candidates.push(build(shape, { stride, local, causal: c.causal }));
      return closest(spec.density, candidates);
    }
    case 'bigbird': {
      const build = builder('bigBird');
      const candidates: BlockMask[] = [];
      for (const window of range(1, Math.min(2 * cols + 1, 15), 2))
        for (const random of range(0, Math.min(cols, 16)))
          candidates.push(build(shape, { global: 1, window, random, seed: spec.seed, causal: c.causal }));
      return closest(spec.density, candidates);
    }
    case 'topk': {
      // topK keeps `keep` blocks by score besides the diagonal and the sink block.
      const keep = Math.max(0, Math.round(spec.density * cols) - 2);
      return blockMask.topK(gpu, {
        q: data.q,
        k: data.k,
        heads: c.heads,
        seqQ: c.seqQ,
        seqK: c.seqK,
        headDim: c.headDim,
        blockSize: spec.blockSize,
        keep,
        causal: c.causal,
      });
    }
    default:
      throw new Error(`mask pattern '${spec.pattern}' is unknown`);
  }
}

export function referenceMacs(c: AnyCase): number {
  if (c.kind === 'matmul') return c.m * c.k * c.n;
  if (c.kind === 'probe') return c.bytes / 4;
  return 2 * c.heads * c.seqQ * c.seqK * c.headDim * (c.mask ? c.mask.density : 1);
}

/**
 * The problem to verify a case on: the case itself when its CPU reference is affordable, otherwise
 * the same kernel and configuration on fewer heads, then shorter sequences (same block size,
 * pattern and density), or a smaller matmul.
 */
export function verificationCase<C extends AnyCase>(c: C, maxMacs = MAX_REFERENCE_MACS): C {
  if (referenceMacs(c) <= maxMacs || c.kind === 'probe') return c;
  if (c.kind === 'matmul') {
    let { m, k, n } = c;
    while (m * k * n > maxMacs && Math.max(m, k, n) > 16) {
      const largest = Math.max(m, k, n);
      if (m === largest) m = Math.ceil(m / 2);
      else if (n === largest) n = Math.ceil(n / 2);
      else k = Math.ceil(k / 2);
    }
    return { ...c, m, k, n };
  }
  const smaller: AttentionCase = { ...c, heads: 1 };
  const minSeq = Math.max(16, 4 * (c.mask?.blockSize ?? 8));
  // Keep the shape's character: decode keeps its short query, prefill keeps seqQ = seqK.
  while (referenceMacs(smaller) > maxMacs && smaller.seqK > minSeq) {
    smaller.seqK = Math.ceil(smaller.seqK / 2);
    if (c.seqQ === c.seqK || smaller.seqQ > smaller.seqK) smaller.seqQ = smaller.seqK;
  }
  return smaller as C;
}

export function describeCase(c: AnyCase): string {
  if (c.kind === 'matmul') return `m=${c.m} k=${c.k} n=${c.n}`;
  if (c.kind === 'probe') return `${c.bytes} bytes`;
  const seq = c.seqQ === c.seqK ? `s=${c.seqQ}` : `q=${c.seqQ} kv=${c.seqK}`;
  return `h=${c.heads} ${seq} d=${c.headDim}${c.causal ? ' causal' : ''}`;
}

/** The tolerance of a registered kernel (or a peer: its kind's f32 rule) on a case. */
export function toleranceFor(rule: ToleranceRule, c: AnyCase): Tolerance {
  return rule(c.kind === 'matmul' ? { k: c.k } : {});
}

/** The f64 reference of a materialized case, cached (kernels of one run share problems). */
export class ReferenceCache {
  private readonly cache = new Map<string, Float64Array>();
  constructor(private readonly capacity = 12) {}

  get(key: string, compute: () => Float64Array): Float64Array {
    let value = this.cache.get(key);
    if (value) {
      this.cache.delete(key);
    } else {
      value = compute();
      if (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value as string);
    }
    this.cache.set(key, value);
    return value;
  }

  attention(key: string, data: AttentionData, problem: AttentionProblem): Float64Array {
    return this.get(key, () => attentionReference(data.q, data.k, data.v, problem));
  }

  matmul(key: string, data: MatmulData, shape: MatmulInput): Float64Array {
    return this.get(key, () => matmulReference(data.a, data.b, shape));
  }
}
