// The synthetic tensors of one decoder layer: which hash stream each weight matrix, norm vector and
// KV cache comes from, at what scale, and the value of any element as the GPU holds it (exactly, for
// the f64 reference). Weight values have realistic scales: about 1/sqrt(k) for a k × n matrix.
//   f32, f16: value(i·n + j)             (the same f16-exact numbers in both formats)
//   int8:     q8(i·n + j) · s_j          (one f16 scale per output column)
//   int4:     q4(i·n + j) · s_(i/G, j)   (one f16 scale per group of G consecutive k of column j)
// (element order i·n + j: row-major W (k × n), as the GEMV kernels store it)

import { type LayerMatrix, layerMatrices, type ModelShape, type WeightFormat } from './shapes.ts';
import { exponentFor, q4At, q8At, streamKey, valueAt } from './synthetic.ts';

export interface MatrixSpec {
  name: LayerMatrix['name'] | 'lm-head';
  k: number;
  n: number;
  format: WeightFormat;
  /** int4 only. */
  groupSize?: number;
  key: number;
  exp0: number;
  /** int8/int4: the scales' stream and exponent. */
  scaleKey: number;
  scaleExp0: number;
}

/** Exponent of activations and cache entries: magnitudes 1/8 … 2. */
export const UNIT_EXP0 = 15;
/** Exponent of LayerNorm's beta: magnitudes 1/128 … 1/8. */
export const BETA_EXP0 = 11;

/** The weight matrices of layer `layer`, with their streams. */
export function matrixSpecs(
  shape: ModelShape,
  format: WeightFormat,
  seed: number,
  layer: number,
  groupSize?: number,
): MatrixSpec[] {
  return layerMatrices(shape).map(({ name, k, n }) => {
    const scale = 1 / Math.sqrt(k);
    const qmax = format === 'int8' ? 127 : format === 'int4' ? 7 : 1;
    return {
      name,
      k,
      n,
      format,
      ...(format === 'int4' ? { groupSize } : {}),
      key: streamKey(seed, layer, name),
      exp0: exponentFor(scale),
      scaleKey: streamKey(seed, layer, name, 'scale'),
      scaleExp0: exponentFor(scale / qmax),
    };
  });
}

/**
 * The LM head (hidden × vocab) in `format` — f16 when the model ties it to the embedding table — or
 * its 1/slices column slice (vocab ÷ slices columns, the first ones), with its own streams.
 */
export function lmHeadSpec(
  shape: ModelShape,
  format: WeightFormat,
  seed: number,
  slices = 1,
  groupSize?: number,
): MatrixSpec {
  const headFormat: WeightFormat = shape.tiedEmbeddings ? 'f16' : format;
  const k = shape.hidden;
  const scale = 1 / Math.sqrt(k);
  const qmax = headFormat === 'int8' ? 127 : headFormat === 'int4' ? 7 : 1;
  return {
    name: 'lm-head',
    k,
    n: shape.vocab / slices,
    format: headFormat,
    ...(headFormat === 'int4' ? { groupSize } : {}),
    key: streamKey(seed, 'lm-head'),
    exp0: exponentFor(scale),
    scaleKey: streamKey(seed, 'lm-head', 'scale'),
    scaleExp0: exponentFor(scale / qmax),
  };
}

/** W[i][j] as the GPU holds it (dequantised). */
export function weightAt(m: MatrixSpec, i: number, j: number): number {
  const e = i * m.n + j;
  switch (m.format) {
    case 'f32':
    case 'f16':
      return valueAt(m.key, m.exp0, e);
    case 'int8':
      return q8At(m.key, e) * valueAt(m.scaleKey, m.scaleExp0, j);
    case 'int4': {
      const group = Math.floor(i / (m.groupSize ?? 32));
      return q4At(m.key, e) * valueAt(m.scaleKey, m.scaleExp0, group * m.n + j);
    }
  }
}

/** Row i of W (n values) into `out` (weightAt for each j, the format's branch hoisted out of the loop). */
export function weightRow(m: MatrixSpec, i: number, out: Float64Array): Float64Array {
  const { n, key } = m;
  const base = i * n;
  if (m.format === 'f32' || m.format === 'f16') {
    for (let j = 0; j < n; j++) out[j] = valueAt(key, m.exp0, base + j);
  } else if (m.format === 'int8') {
    for (let j = 0; j < n; j++) out[j] = q8At(key, base + j) * valueAt(m.scaleKey, m.scaleExp0, j);
  } else {
    const scales = Math.floor(i / (m.groupSize ?? 32)) * n;
    for (let j = 0; j < n; j++) out[j] = q4At(key, base + j) * valueAt(m.scaleKey, m.scaleExp0, scales + j);
  }
  return out;
}

/** Streams of the small tensors of a layer: norm weights and the KV cache. */
export interface LayerStreams {
  norm1: { gamma: number; beta: number };
  norm2: { gamma: number; beta: number };
  kCache: number;
  vCache: number;
}

export function layerStreams(seed: number, layer: number): LayerStreams {
  return {
    norm1: { gamma: streamKey(seed, layer, 'norm1.gamma'), beta: streamKey(seed, layer, 'norm1.beta') },
    norm2: { gamma: streamKey(seed, layer, 'norm2.gamma'), beta: streamKey(seed, layer, 'norm2.beta') },
    kCache: streamKey(seed, layer, 'k-cache'),
    vCache: streamKey(seed, layer, 'v-cache'),
  };
}

/** The stream of the step's input x (batch × hidden). */
export function inputKey(seed: number): number {
  return streamKey(seed, 'x');
}
