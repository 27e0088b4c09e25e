// The projection from one measured decoder layer to the whole model: ms per token = layer time ×
// layers + LM head, on 1…N cards of tensor parallelism (all-reduce cost ignored, and said so), tokens
// per second, and whether weights + KV cache fit in the cards' memory. Pure arithmetic; every figure
// is labelled projected. Each printed formula gives its printed result from its printed inputs: every
// intermediate is rounded to the precision it is shown with before the next step uses it.

import {
  DEFAULT_INT4_GROUP_SIZE,
  kvBytesPerToken,
  layerWeightBytes,
  lmHeadBytes,
  type ModelShape,
  modelWeightBytes,
  type WeightFormat,
} from './shapes.ts';

/** A model decoded: its weights' format, each sequence's context, the batch, the cards it is split over. */
export interface DecodeConfig {
  model: ModelShape;
  format: WeightFormat;
  /** int4 group size (default 32). */
  groupSize?: number;
  /** Tokens held in the KV cache of each sequence (≤ the model's maxContext). */
  context: number;
  /** Sequences decoded together. */
  batch: number;
  /** Cards the model is split over by tensor parallelism (ideal: bandwidths and memories add up). */
  cards: number;
  /** Bytes per cached K or V value (default 2: f16). */
  kvBytesPerValue?: number;
}

/** A decode configuration and what was measured of it (its batch is the batch the layer was measured at). */
export interface ProjectionInputs extends DecodeConfig {
  /** Measured median time of one decoder layer on this GPU, ms. */
  layerMs: number;
  /** The measured layer was a tensor-parallel slice of 1/measuredTp of the layer (1 = the full layer). */
  measuredTp: number;
  /**
   * Measured time of the LM head, ms: the whole head, or (lmHeadSlices > 1) a 1/lmHeadSlices column
   * slice of it, scaled by lmHeadSlices; absent: estimated at the layer's measured bandwidth.
   */
  lmHeadMs?: number;
  /** The measured LM head was a 1/lmHeadSlices column slice (default 1: the whole head). */
  lmHeadSlices?: number;
  /** Memory of one card, GB (10⁹ bytes). */
  memoryGBPerCard: number;
}

export interface Projection {
  /** Always true: nothing here was measured end to end. */
  projected: true;
  model: string;
  format: WeightFormat;
  groupSize?: number;
  context: number;
  batch: number;
  cards: number;
  measuredTp: number;
  /** The measured layer time as used (rounded to 4 significant digits). */
  layerMs: number;
  /** One full layer on one such GPU: layerMs × measuredTp. */
  fullLayerMs: number;
  /** One layer on each of `cards` cards: fullLayerMs ÷ cards. */
  perCardLayerMs: number;
  lmHeadMs: number;
  lmHeadEstimated: boolean;
  /** layers × perCardLayerMs + lmHeadMs ÷ cards. */
  msPerToken: number;
  /** batch × 1000 ÷ msPerToken. */
  tokensPerSecond: number;
  weightsGB: number;
  /** KV cache of `batch` sequences of `context` tokens. */
  kvCacheGB: number;
  capacityGB: number;
  fits: boolean;
  /** The fewest cards of this size whose memory holds weights + KV cache. */
  cardsNeeded: number;
  /** The arithmetic, one line per step, with the inputs filled in. */
  formulas: string[];
  /** What the projection leaves out. */
  caveats: string[];
}

/** `value` rounded to `digits` significant digits (the precision figures are shown with). */
export function significant(value: number, digits = 4): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(digits));
}

/** A number as printed in formulas: its significant digits, with thousands separators. */
export function printed(value: number, digits = 4): string {
  return significant(value, digits).toLocaleString('en-US', { maximumFractionDigits: 20 });
}

/** The value, or a RangeError naming the field unless it is a finite number above 0. */
export function positive(field: string, value: number | undefined): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${field}: must be a finite number above 0, got ${String(value)}`);
  }
  return value;
}

function wholeInRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${field}: must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/** How the memory lines name the cache's precision. */
export function kvPrecision(bytesPerValue: number): string {
  return bytesPerValue === 2
    ? 'f16 K/V'
    : bytesPerValue === 4
      ? 'f32 K/V'
      : `${bytesPerValue} B per K/V value`;
}

/**
 * A card's memory in GB (10^9 bytes) from the figure it is sold with: GPU memory is sold in binary
 * units, so an "80 GB" A100 holds 80 GiB = 85.9 GB (CUDA's deviceQuery reports 42,405,855,232 bytes
 * for the 40 GB model), while model sizes here are in GB.
 */
export function soldMemoryGB(memory: number): number {
  return significant((memory * 2 ** 30) / 1e9);
}

/** The largest card count the projection accepts. */
export const MAX_CARDS = 64;
/** The largest batch the projection accepts. */
export const MAX_BATCH = 4096;

/**
 * Projects one measured layer to the whole model. Throws a RangeError naming the field and the limit
 * for a context beyond the model's maximum, batch or cards outside their ranges, or a time that is not
 * a positive number.
 */
export function projectDecode(inputs: ProjectionInputs): Projection {
  const { model, format } = inputs;
  const groupSize = format === 'int4' ? (inputs.groupSize ?? DEFAULT_INT4_GROUP_SIZE) : undefined;
  const context = wholeInRange('context', inputs.context, 1, model.maxContext);
  const batch = wholeInRange('batch', inputs.batch, 1, MAX_BATCH);
  const cards = wholeInRange('cards', inputs.cards, 1, MAX_CARDS);
  const measuredTp = wholeInRange('measuredTp', inputs.measuredTp, 1, MAX_CARDS * 64);
  const memoryGBPerCard = positive('memoryGBPerCard', inputs.memoryGBPerCard);
  const layerMs = significant(positive('layerMs', inputs.layerMs));

  const fullLayerMs = significant(layerMs * measuredTp);
  const perCardLayerMs = significant(fullLayerMs / cards);
  const layerBytes = layerWeightBytes(model, format, groupSize);
  const headBytes = lmHeadBytes(model, format, groupSize);
  const lmHeadEstimated = inputs.lmHeadMs === undefined;
  const lmHeadSlices = wholeInRange('lmHeadSlices', inputs.lmHeadSlices ?? 1, 1, model.vocab);
  const lmHeadSliceMs = lmHeadEstimated ? 0 : significant(positive('lmHeadMs', inputs.lmHeadMs));
  // What the measured layer read: its weights and its share of the KV cache (the bandwidth the head
  // is estimated at is the layer's, over both).
  const layerKvBytes = (kvBytesPerToken(model, inputs.kvBytesPerValue ?? 2) * context * batch) / model.layers;
  const layerReadBytes = layerBytes + layerKvBytes;
  const lmHeadMs = significant(
    lmHeadEstimated ? (fullLayerMs * headBytes) / layerReadBytes : lmHeadSliceMs * lmHeadSlices,
  );
  const perCardHeadMs = significant(lmHeadMs / cards);
  const layersMs = significant(model.layers * perCardLayerMs);
  const msPerToken = significant(layersMs + perCardHeadMs);
  const tokensPerSecond = significant((batch * 1000) / msPerToken);

  const weightsGB = significant(modelWeightBytes(model, format, groupSize) / 1e9);
  const kvCacheGB = significant(
    (kvBytesPerToken(model, inputs.kvBytesPerValue ?? 2) * context * batch) / 1e9,
  );
  const totalGB = significant(weightsGB + kvCacheGB);
  const cardGB = soldMemoryGB(memoryGBPerCard);
  const capacityGB = significant(cardGB * cards);
  const cardsNeeded = Math.ceil(totalGB / cardGB);

  const tpNote =
    measuredTp === 1 ? 'the full layer was measured' : `a 1/${measuredTp} tensor-parallel slice was measured`;
  const formulas = [
    `full layer on one GPU = ${printed(layerMs)} ms × ${measuredTp} = ${printed(fullLayerMs)} ms (${tpNote})`,
    `layer per card = ${printed(fullLayerMs)} ms ÷ ${cards} card${cards === 1 ? '' : 's'} = ${printed(perCardLayerMs)} ms`,
    lmHeadEstimated
      ? `LM head = ${printed(fullLayerMs)} ms × ${printed(headBytes / 1e6)} MB ÷ ${printed(layerReadBytes / 1e6)} MB (the layer's weights and KV cache) = ${printed(lmHeadMs)} ms (estimated at the layer's bandwidth)`
      : lmHeadSlices === 1
        ? `LM head = ${printed(lmHeadMs)} ms (measured)`
        : `LM head = ${printed(lmHeadSliceMs)} ms × ${lmHeadSlices} = ${printed(lmHeadMs)} ms (measured on a 1/${lmHeadSlices} column slice, scaled by its columns)`,
    `ms per token = ${model.layers} layers × ${printed(perCardLayerMs)} ms + ${printed(lmHeadMs)} ms ÷ ${cards} = ${printed(layersMs)} ms + ${printed(perCardHeadMs)} ms = ${printed(msPerToken)} ms`,
    `tokens/s = ${batch} × 1,000 ÷ ${printed(msPerToken)} ms = ${printed(tokensPerSecond)}`,
    `memory = ${printed(weightsGB)} GB weights + ${printed(kvCacheGB)} GB KV cache (${context} tokens × ${batch} sequences, ${kvPrecision(inputs.kvBytesPerValue ?? 2)}) = ${printed(totalGB)} GB against ${cards} × ${printed(memoryGBPerCard)} GiB (${printed(cardGB)} GB) = ${printed(capacityGB)} GB`,
  ];
  const caveats = [
    'projected from one measured layer, not measured end to end',
    ...(cards > 1 ? ['tensor parallelism assumed ideal: the all-reduce between cards is ignored'] : []),
    ...(lmHeadEstimated ? ['LM head estimated at the layer’s measured bandwidth'] : []),
    'embedding lookup, sampling and host overhead left out',
  ];
  return {
    projected: true,
    model: model.id,
    format,
    ...(groupSize === undefined ? {} : { groupSize }),
    context,
    batch,
    cards,
    measuredTp,
    layerMs,
    fullLayerMs,
    perCardLayerMs,
    lmHeadMs,
    lmHeadEstimated,
    msPerToken,
    tokensPerSecond,
    weightsGB,
    kvCacheGB,
    capacityGB,
    fits: totalGB <= capacityGB,
    cardsNeeded,
    formulas,
    caveats,
  };
}
