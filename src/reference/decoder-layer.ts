// CPU reference of one decoder layer's decode step, in f64, rebuilding every weight, norm vector and
// KV-cache entry from the same hash streams the GPU filled them from (src/model/weights.ts):
// norm → QKV → RoPE + KV append → attention over the cache (grouped-query, dense or over kept key
// blocks) → output projection + residual → norm → up → gating → down + residual.
// Also the single ops, for the ops' own GPU tests.

import { toF16 } from '../kernels/quantize.ts';
import { ropeTable } from '../kernels/rope-append.ts';
import type { Gating, ModelShape, NormKind, WeightFormat } from '../model/shapes.ts';
import { valueAt } from '../model/synthetic.ts';
import {
  BETA_EXP0,
  inputKey,
  layerStreams,
  type MatrixSpec,
  matrixSpecs,
  UNIT_EXP0,
  weightRow,
} from '../model/weights.ts';
import { gelu } from './matmul.ts';

/** Norm of each row in f64: rmsnorm x/rms·γ, layernorm (x − mean)/std·γ + β. */
export function normReference(
  kind: NormKind,
  x: ArrayLike<number>,
  rows: number,
  width: number,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number> | undefined,
  eps: number,
): Float64Array {
  const y = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const base = r * width;
    let mean = 0;
    if (kind === 'layernorm') {
      for (let c = 0; c < width; c++) mean += x[base + c];
      mean /= width;
    }
    let squares = 0;
    for (let c = 0; c < width; c++) squares += (x[base + c] - mean) ** 2;
    const inv = 1 / Math.sqrt(squares / width + eps);
    for (let c = 0; c < width; c++) {
      y[base + c] = (x[base + c] - mean) * inv * gamma[c] + (kind === 'layernorm' && beta ? beta[c] : 0);
    }
  }
  return y;
}

/** act(a)·b of each row of up (rows × 2·ffn) in f64. */
export function gateReference(
  up: ArrayLike<number>,
  rows: number,
  ffn: number,
  gating: Gating,
): Float64Array {
  const h = new Float64Array(rows * ffn);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < ffn; j++) {
      const a = up[r * 2 * ffn + j];
      const act = gating === 'swiglu' ? a / (1 + Math.exp(-a)) : gelu(a);
      h[r * ffn + j] = act * up[r * 2 * ffn + ffn + j];
    }
  }
  return h;
}

/** RoPE (rotate-half) of one head's row in f64. */
export function ropeReference(
  row: ArrayLike<number>,
  headDim: number,
  position: number,
  base: number,
): Float64Array {
  const table = ropeTable(headDim, position, base);
  const half = headDim / 2;
  const out = new Float64Array(headDim);
  for (let d = 0; d < half; d++) {
    const c = table[2 * d];
    const s = table[2 * d + 1];
    out[d] = row[d] * c - row[d + half] * s;
    out[d + half] = row[d + half] * c + row[d] * s;
  }
  return out;
}

/** x (rows × k) · W (k × n) in f64, W rebuilt row by row from its stream. */
export function gemvReference(x: ArrayLike<number>, rows: number, m: MatrixSpec): Float64Array {
  const y = new Float64Array(rows * m.n);
  const w = new Float64Array(m.n);
  for (let i = 0; i < m.k; i++) {
    weightRow(m, i, w);
    for (let r = 0; r < rows; r++) {
      const xi = x[r * m.k + i];
      if (xi === 0) continue;
      const base = r * m.n;
      for (let j = 0; j < m.n; j++) y[base + j] += xi * w[j];
    }
  }
  return y;
}

export interface LayerReferenceInput {
  /** The shape measured: a whole model or a tensor-parallel slice of it. */
  shape: ModelShape;
  format: WeightFormat;
  groupSize?: number;
  seed: number;
  layer: number;
  batch: number;
  /** Rows of each cache head; the token is appended at context − 1. */
  context: number;
  ropeBase: number;
  eps: number;
  /** Sparse KV: kept key blocks (block size, 0/1 per block); absent: dense. */
  kept?: { blockSize: number; layout: Uint8Array };
  /**
   * The KV cache's precision (default 'f32'). 'f16': the appended K and V rows are rounded to f16
   * (nearest even) as rope-append stores them; the filled rows are f16 numbers either way.
   */
  kvCache?: 'f16' | 'f32';
}

/** The cache's value at (cache head, row, d) as filled (before the append). */
function cacheValue(key: number, p: LayerReferenceInput, cacheHead: number, row: number, d: number): number {
  return valueAt(key, UNIT_EXP0, (cacheHead * p.context + row) * p.shape.headDim + d);
}

/** The layer's output x (batch × hidden) and the residual after attention, in f64. */
export function decoderLayerReference(p: LayerReferenceInput): { out: Float64Array; mid: Float64Array } {
  const { shape, batch, context } = p;
  const { hidden, heads, kvHeads, headDim } = shape;
  const position = context - 1;
  const stored = p.kvCache === 'f16' ? toF16 : (v: number) => v;
  const [wqkv, wout, wup, wdown] = matrixSpecs(shape, p.format, p.seed, p.layer, p.groupSize);
  const streams = layerStreams(p.seed, p.layer);
  const vector = (key: number, exp0: number, n: number) =>
    Array.from({ length: n }, (_, i) => valueAt(key, exp0, i));
  const x = vector(inputKey(p.seed), UNIT_EXP0, batch * hidden);
  // The layer's norm, gamma and beta from their streams.
  const norm = (input: ArrayLike<number>, weights: { gamma: number; beta: number }) =>
    normReference(
      shape.norm,
      input,
      batch,
      hidden,
      vector(weights.gamma, UNIT_EXP0, hidden),
      vector(weights.beta, BETA_EXP0, hidden),
      p.eps,
    );

  const xn = norm(x, streams.norm1);
  const qkv = gemvReference(xn, batch, wqkv);
  const cols = (heads + 2 * kvHeads) * headDim;
  const group = heads / kvHeads;
  const scale = 1 / Math.sqrt(headDim);
  const attn = new Float64Array(batch * heads * headDim);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const q = ropeReference(qkv.subarray(b * cols + h * headDim), headDim, position, p.ropeBase);
      const kvh = Math.floor(h / group);
      const cacheHead = b * kvHeads + kvh;
      const kNew = ropeReference(
        qkv.subarray(b * cols + (heads + kvh) * headDim),
        headDim,
        position,
        p.ropeBase,
      ).map(stored);
      const vNew = qkv.subarray(b * cols + (heads + kvHeads + kvh) * headDim).map(stored);
      const scores: number[] = [];
      const rows: number[] = [];
      for (let j = 0; j < context; j++) {
        if (p.kept && !p.kept.layout[Math.floor(j / p.kept.blockSize)]) continue;
        let s = 0;
        for (let d = 0; d < headDim; d++) {
          s += q[d] * (j === position ? kNew[d] : cacheValue(streams.kCache, p, cacheHead, j, d));
        }
        scores.push(s * scale);
        rows.push(j);
      }
      const max = Math.max(...scores);
      const weights = scores.map((s) => Math.exp(s - max));
      const sum = weights.reduce((a, w) => a + w, 0);
      const o = attn.subarray((b * heads + h) * headDim, (b * heads + h + 1) * headDim);
      rows.forEach((j, n) => {
        for (let d = 0; d < headDim; d++) {
          const v = j === position ? vNew[d] : cacheValue(streams.vCache, p, cacheHead, j, d);
          o[d] += (weights[n] / sum) * v;
        }
      });
    }
  }
  const projected = gemvReference(attn, batch, wout);
  const mid = projected.map((v, i) => v + x[i]);
  const up = gemvReference(norm(mid, streams.norm2), batch, wup);
  const gated = gateReference(up, batch, shape.ffn, shape.gating);
  const down = gemvReference(gated, batch, wdown);
  return { out: down.map((v, i) => v + mid[i]), mid };
}
