// The model shapes a decode step is built for, each with the source of its numbers, and the byte
// arithmetic every other part (the decode step, the projection, the chip table, the article audit)
// derives from: the weight matrices of one decoder layer, their bytes in each weight format, and the
// KV cache. One place for these facts; nothing else restates a model's dimensions.

import { type Gating, matrixBytes, type NormKind, type WeightFormat } from '../kernels/formats.ts';

// The weight formats and the op kinds are the kernels' (src/kernels/formats.ts); restated here for
// the model's users.
export {
  DEFAULT_INT4_GROUP_SIZE,
  type Gating,
  INT4_GROUP_SIZES,
  matrixBytes,
  type NormKind,
  WEIGHT_FORMATS,
  type WeightFormat,
} from '../kernels/formats.ts';

export interface ModelShape {
  /** Stable id used in results, links and the CLI ('glm-130b', 'llama-3-8b', 'test'). */
  id: string;
  name: string;
  layers: number;
  hidden: number;
  /** Query heads. */
  heads: number;
  /** Key/value heads: equal to heads (multi-head) or a divisor of it (grouped-query attention). */
  kvHeads: number;
  headDim: number;
  /** Inner width of the feed-forward layer; a gated FFN's up projection is hidden → 2 × ffn. */
  ffn: number;
  gating: Gating;
  norm: NormKind;
  vocab: number;
  /** The longest context the model was trained for. */
  maxContext: number;
  /** The LM head is the token-embedding table (one f16 copy serves both). */
  tiedEmbeddings: boolean;
  /** Where the numbers come from. */
  source: string;
}

export const models: Readonly<Record<string, ModelShape>> = Object.freeze({
  // THUDM/GLM-130B configs/model_glm_130b.sh (and _int4.sh): --num-layers 70 --hidden-size 12288
  // --ffn-hidden-size 32768 --num-attention-heads 96 --glu-activation geglu --seq-length 2048,
  // vocabulary 150528; LayerNorm (DeepNorm post-LN); the output layer reuses the word embeddings.
  // 70 × (4·12288² + 3·12288·32768) + 150528·12288 ≈ 128.7B parameters ("130B").
  'glm-130b': Object.freeze({
    id: 'glm-130b',
    name: 'GLM-130B',
    layers: 70,
    hidden: 12288,
    heads: 96,
    kvHeads: 96,
    headDim: 128,
    ffn: 32768,
    gating: 'geglu',
    norm: 'layernorm',
    vocab: 150528,
    maxContext: 2048,
    tiedEmbeddings: true,
    source: 'THUDM/GLM-130B configs/model_glm_130b.sh',
  }),
  // Meta Llama 3 8B config.json: num_hidden_layers 32, hidden_size 4096, num_attention_heads 32,
  // num_key_value_heads 8, intermediate_size 14336 (SwiGLU), vocab_size 128256, RMSNorm,
  // max_position_embeddings 8192.
  'llama-3-8b': Object.freeze({
    id: 'llama-3-8b',
    name: 'Llama-3-8B',
    layers: 32,
    hidden: 4096,
    heads: 32,
    kvHeads: 8,
    headDim: 128,
    ffn: 14336,
    gating: 'swiglu',
    norm: 'rmsnorm',
    vocab: 128256,
    maxContext: 8192,
    tiedEmbeddings: false,
    source: 'meta-llama/Meta-Llama-3-8B config.json',
  }),
  // Small enough for a CPU reference in a unit test, with grouped-query attention and odd widths.
  test: Object.freeze({
    id: 'test',
    name: 'test shape',
    layers: 2,
    hidden: 256,
    heads: 4,
    kvHeads: 2,
    headDim: 64,
    ffn: 344,
    gating: 'swiglu',
    norm: 'rmsnorm',
    vocab: 1000,
    maxContext: 512,
    tiedEmbeddings: false,
    source: 'attnscope test shape',
  }),
});

/** The model with this id; an unknown id throws an Error naming the field and the ids offered. */
export function modelShape(id: string, field = 'model'): ModelShape {
  const shape = Object.hasOwn(models, id) ? models[id] : undefined;
  if (!shape) {
    throw new Error(`${field}: unknown model '${id}'; expected one of ${Object.keys(models).join(', ')}`);
  }
  return shape;
}

/** One weight matrix of a decoder layer: y (1 × n) = x (1 × k) · W (k × n). */
export interface LayerMatrix {
  name: 'qkv' | 'out' | 'up' | 'down';
  k: number;
  n: number;
}

/** The weight matrices of one decoder layer, in the order a decode step uses them. */
export function layerMatrices(shape: ModelShape): LayerMatrix[] {
  const qkv = (shape.heads + 2 * shape.kvHeads) * shape.headDim;
  return [
    { name: 'qkv', k: shape.hidden, n: qkv },
    { name: 'out', k: shape.heads * shape.headDim, n: shape.hidden },
    { name: 'up', k: shape.hidden, n: 2 * shape.ffn },
    { name: 'down', k: shape.ffn, n: shape.hidden },
  ];
}

/** Parameters of one layer's weight matrices (norm weights and biases are negligible and left out). */
export function layerParams(shape: ModelShape): number {
  return layerMatrices(shape).reduce((sum, m) => sum + m.k * m.n, 0);
}

/** Parameters of the whole model: layers, token embedding and (when not tied to it) the LM head. */
export function modelParams(shape: ModelShape): number {
  return shape.layers * layerParams(shape) + (shape.tiedEmbeddings ? 1 : 2) * shape.vocab * shape.hidden;
}

/** Bytes of one layer's weights in `format`. */
export function layerWeightBytes(shape: ModelShape, format: WeightFormat, groupSize?: number): number {
  return layerMatrices(shape).reduce((sum, m) => sum + matrixBytes(m.k, m.n, format, groupSize), 0);
}

/**
 * Bytes of the LM head (hidden × vocab), read once per token after the last layer: in `format`, or
 * the f16 embedding table when the model ties the two.
 */
export function lmHeadBytes(shape: ModelShape, format: WeightFormat, groupSize?: number): number {
  return shape.tiedEmbeddings
    ? 2 * shape.hidden * shape.vocab
    : matrixBytes(shape.hidden, shape.vocab, format, groupSize);
}

/** Bytes of all weights the model stores: layers and LM head in `format`, the embedding table in f16. */
export function modelWeightBytes(shape: ModelShape, format: WeightFormat, groupSize?: number): number {
  const embedding = 2 * shape.vocab * shape.hidden;
  return (
    shape.layers * layerWeightBytes(shape, format, groupSize) +
    (shape.tiedEmbeddings ? embedding : lmHeadBytes(shape, format, groupSize) + embedding)
  );
}

/** KV-cache bytes per token of one sequence over the whole model (K and V, `bytesPerValue` each). */
export function kvBytesPerToken(shape: ModelShape, bytesPerValue = 2): number {
  return 2 * shape.layers * shape.kvHeads * shape.headDim * bytesPerValue;
}
