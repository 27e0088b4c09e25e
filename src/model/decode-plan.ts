// What a decode step is asked to do, checked before anything is allocated, and its byte arithmetic:
// the model and weight format, the context and batch, the tensor-parallel slice measured (columns and
// heads ÷ tp, named as such in results), dense or block-sparse KV, and how many distinct layers'
// weights a timing cycles through. Pure: no GPU here.

import { gemvLayout } from '../kernels/gemv-common.ts';
import { MAX_BATCH } from './projection.ts';
import {
  DEFAULT_INT4_GROUP_SIZE,
  INT4_GROUP_SIZES,
  layerMatrices,
  type ModelShape,
  matrixBytes,
  modelShape,
  WEIGHT_FORMATS,
  type WeightFormat,
} from './shapes.ts';

export interface DecodeStepOptions {
  /** 'glm-130b', 'llama-3-8b' or 'test'. */
  model: string;
  format: WeightFormat;
  /** int4 only: 32, 64 or 128 (default 32). */
  groupSize?: number;
  /** Tokens in the KV cache including this one (1 … the model's maxContext). */
  context: number;
  /** Sequences decoded together (1 … 16, the GEMVs' rows). */
  batch: number;
  /** Measure a 1/tp tensor-parallel slice (default 1: the full layer). */
  tp?: number;
  /** 'sparse' keeps kvDensity of the cache's key blocks (default 'dense'). */
  kv?: 'dense' | 'sparse';
  kvDensity?: number;
  /** Key block size of sparse KV (default 64). */
  blockSize?: number;
  /** Distinct layers whose weights and caches the timing cycles through (default 1). */
  layersCycled?: number;
  seed?: number;
  /**
   * Precision of the KV cache: 'f16' (packed, what deployments of f16/int8/int4 weights keep) or
   * 'f32'. Default: f32 with f32 weights, f16 otherwise.
   */
  kvCache?: KvCacheFormat;
}

export type KvCacheFormat = 'f16' | 'f32';

/** Bytes of one cached K or V value. */
export function kvValueBytes(kvCache: KvCacheFormat): number {
  return kvCache === 'f16' ? 2 : 4;
}

/** The KV-cache precision a step of these weights keeps unless told: f32 only with f32 weights. */
export function defaultKvCache(format: WeightFormat): KvCacheFormat {
  return format === 'f32' ? 'f32' : 'f16';
}

export interface DecodePlan {
  model: ModelShape;
  /** The shape measured: heads, kvHeads and ffn ÷ tp. */
  slice: ModelShape;
  format: WeightFormat;
  groupSize?: number;
  context: number;
  batch: number;
  tp: number;
  kv: 'dense' | 'sparse';
  kvDensity?: number;
  blockSize: number;
  layersCycled: number;
  seed: number;
  /** The KV cache's precision (f16: packed rows that rope-append writes and decode-f16 reads in place). */
  kvCache: KvCacheFormat;
  /** RoPE base: 500000 for Llama 3, 10000 otherwise. */
  ropeBase: number;
  eps: number;
}

/** The GEMVs' row limit: a decode batch of 1–16 sequences. */
export const MAX_DECODE_BATCH = 16;
export const DEFAULT_BLOCK_SIZE = 64;
const MAX_LAYERS_CYCLED = 256;

function wholeIn(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(
      `decodeStep.${field}: expected a whole number from ${min} to ${max}, got ${String(value)}`,
    );
  }
  return value;
}

/** The 1/tp slice of a layer: heads, KV heads and FFN width divided by tp (hidden stays whole). */
export function sliceShape(model: ModelShape, tp: number): ModelShape {
  for (const [field, value] of [
    ['heads', model.heads],
    ['kvHeads', model.kvHeads],
    ['ffn', model.ffn],
  ] as const) {
    if (value % tp !== 0) {
      throw new Error(`decodeStep.tp: ${tp} does not divide ${model.id}'s ${field} (${value})`);
    }
  }
  if (tp === 1) return model;
  return {
    ...model,
    id: `${model.id}/tp${tp}`,
    name: `${model.name} (1/${tp} tensor-parallel slice)`,
    heads: model.heads / tp,
    kvHeads: model.kvHeads / tp,
    ffn: model.ffn / tp,
  };
}

/** The largest tp a model offers: it must divide heads, KV heads and the FFN width. */
export function tpChoices(model: ModelShape): number[] {
  const out: number[] = [];
  for (let tp = 1; tp <= model.kvHeads; tp++) {
    if (model.heads % tp === 0 && model.kvHeads % tp === 0 && model.ffn % tp === 0) out.push(tp);
  }
  return out;
}

/**
 * Checks the options and resolves the defaults. Throws an Error naming the field and the limit (an
 * unknown model or format, a group size not offered, a context beyond the model's maximum, batch 0,
 * a tp that does not divide the heads) before anything is allocated.
 */
export function planDecodeStep(options: DecodeStepOptions): DecodePlan {
  const model = modelShape(String(options.model), 'decodeStep.model');
  const format = options.format;
  if (!(WEIGHT_FORMATS as readonly string[]).includes(format)) {
    throw new Error(
      `decodeStep.format: unknown weight format '${String(format)}'; expected one of ${WEIGHT_FORMATS.join(', ')}`,
    );
  }
  let groupSize: number | undefined;
  if (format === 'int4') {
    groupSize = options.groupSize ?? DEFAULT_INT4_GROUP_SIZE;
    if (!(INT4_GROUP_SIZES as readonly number[]).includes(groupSize)) {
      throw new Error(
        `decodeStep.groupSize: expected one of ${INT4_GROUP_SIZES.join(', ')}, got ${groupSize}`,
      );
    }
  }
  const context = wholeIn('context', options.context, 1, model.maxContext);
  const batch = wholeIn('batch', options.batch, 1, Math.min(MAX_DECODE_BATCH, MAX_BATCH));
  const tp = wholeIn('tp', options.tp ?? 1, 1, model.heads);
  const slice = sliceShape(model, tp);
  for (const m of layerMatrices(slice)) {
    const layout = gemvLayout({ k: m.k, n: m.n, format, groupSize });
    if (layout.kPadded !== m.k || layout.nPadded !== m.n) {
      throw new Error(
        `decodeStep.tp: the ${m.name} matrix of the slice (${m.k} × ${m.n}) needs k a multiple of ${layout.stepK} and n a multiple of 4`,
      );
    }
  }
  const kv = options.kv ?? 'dense';
  if (kv !== 'dense' && kv !== 'sparse')
    throw new Error(`decodeStep.kv: expected 'dense' or 'sparse', got '${String(kv)}'`);
  const blockSize = wholeIn('blockSize', options.blockSize ?? DEFAULT_BLOCK_SIZE, 1, model.maxContext);
  let kvDensity: number | undefined;
  if (kv === 'sparse') {
    kvDensity = options.kvDensity;
    if (typeof kvDensity !== 'number' || !(kvDensity > 0 && kvDensity <= 1)) {
      throw new Error(
        `decodeStep.kvDensity: expected a fraction above 0 and at most 1, got ${String(kvDensity)}`,
      );
    }
  }
  const kvCache = options.kvCache ?? defaultKvCache(format);
  if (kvCache !== 'f16' && kvCache !== 'f32') {
    throw new Error(`decodeStep.kvCache: expected 'f16' or 'f32', got '${String(kvCache)}'`);
  }
  if (kvCache === 'f16' && model.headDim % 4 !== 0) {
    throw new Error(
      `decodeStep.kvCache: an f16 cache needs headDim a multiple of 4, ${model.id} has ${model.headDim}`,
    );
  }
  return {
    model,
    slice,
    format,
    kvCache,
    ...(groupSize === undefined ? {} : { groupSize }),
    context,
    batch,
    tp,
    kv,
    ...(kvDensity === undefined ? {} : { kvDensity }),
    blockSize,
    layersCycled: wholeIn('layersCycled', options.layersCycled ?? 1, 1, MAX_LAYERS_CYCLED),
    seed: (options.seed ?? 1) >>> 0,
    ropeBase: model.id === 'llama-3-8b' ? 500000 : 10000,
    eps: 1e-5,
  };
}

/** Key blocks of the cache and the ones kept: always the first and the block of the new token. */
export function keptBlocks(plan: DecodePlan): Uint8Array {
  const blocks = Math.ceil(plan.context / plan.blockSize);
  const layout = new Uint8Array(blocks).fill(1);
  if (plan.kv === 'dense') return layout;
  const want = Math.max(Math.min(2, blocks), Math.round((plan.kvDensity ?? 1) * blocks));
  layout.fill(0);
  layout[0] = 1;
  layout[blocks - 1] = 1;
  // The others evenly spread (a fixed rule: results repeat, and no run of skipped blocks is long).
  let kept = layout.reduce((a, b) => a + b, 0);
  for (let i = 1; kept < want && i < blocks - 1; i++) {
    const target = Math.floor((i * want) / blocks);
    const before = Math.floor(((i - 1) * want) / blocks);
    if (target > before && !layout[i]) {
      layout[i] = 1;
      kept++;
    }
  }
  for (let i = 1; kept < want && i < blocks - 1; i++) {
    if (!layout[i]) {
      layout[i] = 1;
      kept++;
    }
  }
  return layout;
}

/**
 * The stages of a layer's decode step, in order: what a step's per-op results are called ('gate' only
 * where the gating is not fused into the down GEMV's prologue).
 */
export const STEP_OPS = [
  'norm',
  'qkv',
  'rope-append',
  'attention',
  'out',
  'norm2',
  'up',
  'gate',
  'down',
] as const;
export type StepOp = (typeof STEP_OPS)[number];

/** Bytes one op of the step moves per token (its documented model) and what it is. */
export interface OpBytes {
  op: StepOp;
  bytes: number;
}

/** Cache rows the attention reads: every row (dense) or the rows of kept blocks. */
export function keyRowsRead(plan: DecodePlan): number {
  const layout = keptBlocks(plan);
  let rows = 0;
  layout.forEach((kept, block) => {
    if (kept) rows += Math.min(plan.blockSize, plan.context - block * plan.blockSize);
  });
  return rows;
}

/**
 * Bytes per token of one layer of the slice, op by op: every weight matrix once in its format, the
 * KV cache rows attention reads (K and V, in the cache's precision), the appended K/V rows (same),
 * and the activations each op reads and writes (f32). With the gating fused into the down GEMV (gateFused) the gated vector
 * never reaches memory; otherwise a 'gate' pass writes it and the down GEMV reads it.
 */
export function stepBytes(
  plan: DecodePlan,
  gateFused = true,
): { ops: OpBytes[]; weights: number; kvRead: number; total: number } {
  const s = plan.slice;
  const B = plan.batch;
  const f = 4;
  const matrices = Object.fromEntries(layerMatrices(s).map((m) => [m.name, m]));
  const w = (name: string) => matrixBytes(matrices[name].k, matrices[name].n, plan.format, plan.groupSize);
  const normVectors = s.norm === 'layernorm' ? 2 : 1;
  const norm = f * (2 * B * s.hidden + normVectors * s.hidden);
  const qkvCols = (s.heads + 2 * s.kvHeads) * s.headDim;
  const kvRows = B * s.kvHeads * keyRowsRead(plan);
  const kvb = kvValueBytes(plan.kvCache);
  const kvRead = 2 * kvb * kvRows * s.headDim;
  const qCols = s.heads * s.headDim;
  const ops: OpBytes[] = [
    { op: 'norm', bytes: norm },
    { op: 'qkv', bytes: w('qkv') + f * B * (s.hidden + qkvCols) },
    // qkv read, q written (f32), one K and one V row per KV head appended; the cos/sin table.
    {
      op: 'rope-append',
      bytes: f * (B * qkvCols + B * qCols + s.headDim) + kvb * 2 * B * s.kvHeads * s.headDim,
    },
    { op: 'attention', bytes: kvRead + 2 * f * B * s.heads * s.headDim },
    { op: 'out', bytes: w('out') + f * B * (s.heads * s.headDim + 2 * s.hidden) },
    { op: 'norm2', bytes: norm },
    { op: 'up', bytes: w('up') + f * B * (s.hidden + 2 * s.ffn) },
    ...(gateFused
      ? [{ op: 'down' as const, bytes: w('down') + f * B * (2 * s.ffn + 2 * s.hidden) }]
      : [
          { op: 'gate' as const, bytes: f * 3 * B * s.ffn },
          { op: 'down' as const, bytes: w('down') + f * B * (s.ffn + 2 * s.hidden) },
        ]),
  ];
  const weights = ['qkv', 'out', 'up', 'down'].reduce((sum, name) => sum + w(name), 0);
  return { ops, weights, kvRead, total: ops.reduce((sum, o) => sum + o.bytes, 0) };
}
