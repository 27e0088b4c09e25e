// Real accelerators side by side: memory, memory bandwidth and the source of each figure
// (../shared/chips.md gathers them), and the floor of one decode step on each — the bytes a step must
// read (every weight once, plus each sequence's KV cache) divided by the cards' bandwidth. The byte
// counts come from shapes.ts; printed formulas round each intermediate as it is shown (projection.ts).

import {
  type DecodeConfig,
  kvPrecision,
  positive,
  printed,
  significant,
  soldMemoryGB,
} from './projection.ts';
import {
  DEFAULT_INT4_GROUP_SIZE,
  kvBytesPerToken,
  layerWeightBytes,
  lmHeadBytes,
  modelWeightBytes,
} from './shapes.ts';

export interface Chip {
  id: string;
  name: string;
  vendor: string;
  /** Memory of one card as sold, "GB" (in fact GiB: see soldMemoryGB). */
  memoryGB: number;
  /** Memory bandwidth of one card, GB/s. */
  bandwidthGBps: number;
  /** Board power, W, where a source gives it. */
  powerW?: number;
  /** Dense fp16 matrix throughput (tensor cores or their equivalent), TFLOP/s, where a source gives it. */
  fp16Tflops?: number;
  /** Where the figures come from. */
  source: string;
  /** A figure that sources disagree on or that no primary source confirms, in words. */
  unconfirmed?: string;
  /** Anything a reader must know to use the row (an assumption, a variant). */
  note?: string;
}

/** The card this page assumes the article means by "Standard GPU (NVIDIA A100)". */
export const ARTICLE_CARD_ID = 'a100-80gb-sxm';

export const ARTICLE_CARD_ASSUMPTION =
  'The article says only "NVIDIA A100"; its 400 W matches the SXM parts, so this page assumes the A100 80 GB SXM (an assumption: the 40 GB SXM has 1,555 GB/s).';

export const chips: readonly Chip[] = Object.freeze([
  {
    id: 'a100-40gb-sxm',
    name: 'NVIDIA A100 40 GB SXM',
    vendor: 'NVIDIA',
    memoryGB: 40,
    bandwidthGBps: 1555,
    powerW: 400,
    fp16Tflops: 312,
    source: 'techpowerup.com/gpu-specs/a100-sxm4-40-gb.c3506',
  },
  {
    id: 'a100-80gb-pcie',
    name: 'NVIDIA A100 80 GB PCIe',
    vendor: 'NVIDIA',
    memoryGB: 80,
    bandwidthGBps: 1935,
    powerW: 300,
    source: 'thundercompute.com/blog/nvidia-a100-specs-full-guide',
  },
  {
    id: 'a100-80gb-sxm',
    name: 'NVIDIA A100 80 GB SXM',
    vendor: 'NVIDIA',
    memoryGB: 80,
    bandwidthGBps: 2039,
    powerW: 400,
    fp16Tflops: 312,
    source: 'glennklockwood.com/garden/processors/A100',
    note: 'assumed to be the article’s "Standard GPU (NVIDIA A100)"',
  },
  {
    id: 'h100-sxm5',
    name: 'NVIDIA H100 SXM5',
    vendor: 'NVIDIA',
    memoryGB: 80,
    bandwidthGBps: 3350,
    powerW: 700,
    fp16Tflops: 989.4,
    source: 'glennklockwood.com/garden/processors/h100',
  },
  {
    id: 'h200',
    name: 'NVIDIA H200',
    vendor: 'NVIDIA',
    memoryGB: 141,
    bandwidthGBps: 4800,
    source: 'NVIDIA H200 product page',
  },
  {
    id: 'mlu370-x8',
    name: 'Cambricon MLU370-X8',
    vendor: 'Cambricon',
    memoryGB: 48,
    bandwidthGBps: 614.4,
    powerW: 250,
    fp16Tflops: 96,
    source: 'guangxilong.com/c/032129635H022.html',
  },
  {
    id: 'enflame-i20',
    name: 'Enflame Yunsui i20',
    vendor: 'Enflame',
    memoryGB: 16,
    bandwidthGBps: 819,
    source: 'mydrivers report 2021-12-08',
    unconfirmed: 'memory (16 GB) and power are not confirmed by a primary source',
    note: 'no "Tianjiao 200" or "Blaze" product was found in public sources',
  },
  {
    id: 'rtx-4090',
    name: 'NVIDIA RTX 4090',
    vendor: 'NVIDIA',
    memoryGB: 24,
    bandwidthGBps: 1008,
    powerW: 450,
    source: 'NVIDIA spec page',
  },
  {
    id: 'apple-m4-max',
    name: 'Apple M4 Max',
    vendor: 'Apple',
    memoryGB: 128,
    bandwidthGBps: 546,
    source: 'Apple, 2024-10',
    note: 'unified memory shared with the CPU; 128 GB is the largest configuration',
  },
]);

/** The chip with this id; an unknown id throws an Error naming the field and the ids offered. */
export function chipById(id: string, field = 'chip'): Chip {
  const chip = chips.find((candidate) => candidate.id === id);
  if (!chip)
    throw new Error(`${field}: unknown chip '${id}'; expected one of ${chips.map((c) => c.id).join(', ')}`);
  return chip;
}

/**
 * Bytes one decode step reads: every layer's weights and the LM head once (shared by the batch), and
 * each sequence's whole KV cache (context tokens).
 */
export function decodeStepReadBytes(config: Omit<DecodeConfig, 'cards'>): {
  weights: number;
  kv: number;
  total: number;
} {
  const groupSize = config.format === 'int4' ? (config.groupSize ?? DEFAULT_INT4_GROUP_SIZE) : undefined;
  const { model } = config;
  const weights =
    model.layers * layerWeightBytes(model, config.format, groupSize) +
    lmHeadBytes(model, config.format, groupSize);
  const kv = kvBytesPerToken(model, config.kvBytesPerValue) * config.context * config.batch;
  return { weights, kv, total: weights + kv };
}

export interface ChipFloor {
  chip: { name: string; memoryGB: number; bandwidthGBps: number };
  cards: number;
  /** Weights stored (modelWeightBytes), GB, rounded as printed. */
  weightsGB: number;
  /** KV cache of batch × context tokens, GB. */
  kvGB: number;
  /** Weights + KV cache. */
  neededGB: number;
  capacityGB: number;
  fits: boolean;
  /** The fewest cards of this chip whose memory holds weights + KV cache. */
  cardsNeeded: number;
  /** Bytes one step reads, GB. */
  readGB: number;
  /** readGB ÷ (cards × bandwidth), ms: no decode step on those cards can be faster. */
  floorMs: number;
  /** The largest batch whose KV cache fits beside the weights on these cards (0: not even one). */
  maxBatch: number;
  formulas: string[];
}

function whole(field: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${field}: must be a whole number ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

/**
 * The memory fit and the bandwidth floor of one decode step of `config` on `config.cards` cards of
 * `chip`. Throws a RangeError naming the field for a batch, context or card count that is not a whole
 * number ≥ 1, or a chip figure that is not positive.
 */
export function chipFloor(chip: ChipFloor['chip'], config: DecodeConfig): ChipFloor {
  const cards = whole('cards', config.cards, 1);
  whole('batch', config.batch, 1);
  whole('context', config.context, 1);
  if (config.context > config.model.maxContext) {
    throw new RangeError(
      `context: ${config.model.name} was trained for at most ${config.model.maxContext} tokens, got ${config.context}`,
    );
  }
  positive('memoryGB', chip.memoryGB);
  positive('bandwidthGBps', chip.bandwidthGBps);
  const groupSize = config.format === 'int4' ? (config.groupSize ?? DEFAULT_INT4_GROUP_SIZE) : undefined;
  const read = decodeStepReadBytes(config);
  const weightsGB = significant(modelWeightBytes(config.model, config.format, groupSize) / 1e9);
  const kvPerSequenceGB = significant(
    (kvBytesPerToken(config.model, config.kvBytesPerValue) * config.context) / 1e9,
  );
  const kvGB = significant(kvPerSequenceGB * config.batch);
  const neededGB = significant(weightsGB + kvGB);
  const cardGB = soldMemoryGB(chip.memoryGB);
  const capacityGB = significant(cardGB * cards);
  const readGB = significant(read.total / 1e9);
  const bandwidth = significant(chip.bandwidthGBps * cards);
  const floorMs = significant((readGB / bandwidth) * 1000);
  const maxBatch = Math.max(0, Math.floor((capacityGB - weightsGB) / kvPerSequenceGB));
  const formulas = [
    `memory = ${printed(weightsGB)} GB weights + ${config.batch} × ${printed(kvPerSequenceGB)} GB KV cache (${config.context} tokens, ${kvPrecision(config.kvBytesPerValue ?? 2)}) = ${printed(neededGB)} GB against ${cards} × ${printed(chip.memoryGB)} GiB (${printed(cardGB)} GB) = ${printed(capacityGB)} GB`,
    `floor per step = ${printed(readGB)} GB read ÷ (${cards} × ${printed(chip.bandwidthGBps)} GB/s) = ${printed(readGB)} GB ÷ ${printed(bandwidth)} GB/s = ${printed(floorMs)} ms`,
  ];
  return {
    chip: { name: chip.name, memoryGB: chip.memoryGB, bandwidthGBps: chip.bandwidthGBps },
    cards,
    weightsGB,
    kvGB,
    neededGB,
    capacityGB,
    fits: neededGB <= capacityGB,
    cardsNeeded: Math.ceil(neededGB / cardGB),
    readGB,
    floorMs,
    maxBatch,
    formulas,
  };
}
