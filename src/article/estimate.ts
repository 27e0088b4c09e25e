// One function from a results file and the person's inputs to every figure the latency and cost
// claims, the cost box and the decoder section show: the measured decode step (scaled to the inputs'
// context and batch by its bytes), the whole-model projection (projection.ts) with its interval, the
// physical floor on the article's card and on the GPU that ran, and the cost per 1M tokens. The
// verdicts read these same numbers, so a page can never print two figures for one thing.

import { readGBps } from '../measure/ceilings.ts';
import { ARTICLE_CARD_ID, type ChipFloor, chipById, chipFloor } from '../model/chips.ts';
import { type Projection, printed, projectDecode, significant } from '../model/projection.ts';
import {
  DEFAULT_INT4_GROUP_SIZE,
  kvBytesPerToken,
  layerWeightBytes,
  type ModelShape,
  modelShape,
  type WeightFormat,
} from '../model/shapes.ts';
import type { ResultsFile } from '../results/types.ts';
import { decodeSteps, type Evidence } from './evidence.ts';
import { ARTICLE_MODEL_ID, type ArticleInputs, checkInputs } from './inputs.ts';

export interface StepEvidence {
  result: Evidence;
  format: WeightFormat;
  context: number;
  batch: number;
  tp: number;
  /** Layer time at the inputs' context and batch ÷ the measured layer time (1 when they match). */
  scale: number;
  /** Bytes per cached K or V value of the measured step (its params.kvCache; f32 before it had one). */
  kvBytesPerValue: number;
  /** How the measured layer was scaled, when it was. */
  scaleFormula?: string;
}

export interface CostFigure {
  /** Dollars per 1M tokens, from the printed (rounded) tokens/s; independent of how dollars are shown. */
  dollars: number;
  /** From the projection's interval, when there is one. */
  ci95?: [number, number];
  formula: string;
  /** Where tokens/s comes from: the arithmetic, printed. */
  throughput: string;
  /** What the throughput comes from, in words. */
  basis: string;
}

export interface DecoderEstimate {
  inputs: ArticleInputs;
  model: ModelShape;
  step?: StepEvidence;
  /** Weight formats the results hold a dense decode step of this model in. */
  measuredFormats: WeightFormat[];
  projection?: Projection;
  /** The projected ms per token's 95% interval (the measured layer's CI carried through). */
  msPerTokenCi?: [number, number];
  /** The read probe's bandwidth in the shown run, GB/s (absent when it did not run). */
  measuredGBps?: number;
  /** The bandwidth floor on the inputs' cards at the measured read bandwidth. */
  measuredFloor?: ChipFloor;
  /** The floor on the article's assumed card (one card), for the same model and inputs. */
  articleCardFloor: ChipFloor;
  cost?: CostFigure;
}

function groupOf(format: WeightFormat, groupSize: unknown): number | undefined {
  if (format !== 'int4') return undefined;
  return typeof groupSize === 'number' ? groupSize : DEFAULT_INT4_GROUP_SIZE;
}

// Bytes one layer slice (1/tp) reads per step: its weights once plus each sequence's KV of that layer.
function layerSliceBytes(
  model: ModelShape,
  format: WeightFormat,
  groupSize: number | undefined,
  context: number,
  batch: number,
  tp: number,
  kvBytesPerValue: number,
): number {
  const kvPerLayer = kvBytesPerToken(model, kvBytesPerValue) / model.layers;
  return (layerWeightBytes(model, format, groupSize) + kvPerLayer * context * batch) / tp;
}

/** The LM head measurement a decode-step result carries (params lmHeadSliceMs, lmHeadSlices), if any. */
function lmHeadOf(params: Record<string, unknown>): { lmHeadMs?: number; lmHeadSlices?: number } {
  const ms = params.lmHeadSliceMs;
  const slices = params.lmHeadSlices;
  if (typeof ms !== 'number' || !(ms > 0) || typeof slices !== 'number') return {};
  return { lmHeadMs: ms, lmHeadSlices: slices };
}

/** The decode step of `model` measured in `format`, at the context and batch nearest the inputs'. */
export function pickStep(
  file: ResultsFile,
  model: ModelShape,
  inputs: ArticleInputs,
): StepEvidence | undefined {
  const candidates = decodeSteps(file, model.id).filter(
    (result) => result.params.format === inputs.format && result.params.kv !== 'sparse',
  );
  const num = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);
  const distance = (result: Evidence) =>
    Math.abs(Math.log(num(result.params.context, 1) / inputs.context)) +
    Math.abs(Math.log(num(result.params.batch, 1) / inputs.batch));
  const best = candidates.sort((a, b) => distance(a) - distance(b))[0];
  if (best === undefined) return undefined;
  const context = num(best.params.context, inputs.context);
  const batch = num(best.params.batch, 1);
  const tp = num(best.params.tp, 1);
  const groupSize = groupOf(inputs.format, best.params.groupSize);
  // The step's KV cache precision (results from before the f16 cache have none: they kept f32).
  const kvBytesPerValue = best.params.kvCache === 'f16' ? 2 : 4;
  if (context === inputs.context && batch === inputs.batch) {
    return { result: best, format: inputs.format, context, batch, tp, scale: 1, kvBytesPerValue };
  }
  const measuredBytes = significant(
    layerSliceBytes(model, inputs.format, groupSize, context, batch, tp, kvBytesPerValue) / 1e6,
  );
  const wantedBytes = significant(
    layerSliceBytes(model, inputs.format, groupSize, inputs.context, inputs.batch, tp, kvBytesPerValue) / 1e6,
  );
  const scale = significant(wantedBytes / measuredBytes);
  return {
    result: best,
    format: inputs.format,
    context,
    batch,
    tp,
    scale,
    kvBytesPerValue,
    scaleFormula: `layer measured at context ${context}, batch ${batch}; scaled by its bytes: ${printed(wantedBytes)} MB ÷ ${printed(measuredBytes)} MB = ${printed(scale)}× (assuming the layer memory-bound, as decoding is on a GPU)`,
  };
}

/** Cost per 1M tokens = price × cards ÷ (tokens/s × 3,600) × 1,000,000, printed from rounded inputs. */
export function costPerMillion(
  pricePerGpuHour: number,
  cards: number,
  tokensPerSecond: number,
  currencyDigits = 2,
): { dollars: number; formula: string } {
  const tps = significant(tokensPerSecond);
  const price = significant(pricePerGpuHour);
  const dollars = ((price * cards) / (tps * 3600)) * 1e6;
  const formula = `cost per 1M tokens = price per GPU-hour × cards ÷ (tokens/s × 3,600 s/h) × 1,000,000 = $${printed(price)} × ${cards} ÷ (${printed(tps)} × 3,600) × 1,000,000 = ${dollarsText(dollars, currencyDigits)}`;
  return { dollars, formula };
}

/** Dollars as shown: `digits` decimals (never fewer than needed to tell a non-zero figure from $0). */
export function dollarsText(dollars: number, digits = 2): string {
  const shown =
    dollars > 0 && dollars < 10 ** -digits
      ? significant(dollars, 2).toString()
      : dollars.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return `$${shown}`;
}

/**
 * Every figure of the decoder section, the cost box and the latency and cost verdicts, from the shown
 * results and the inputs (checked: a bad input throws a RangeError naming the field).
 */
export function estimateDecoder(
  file: ResultsFile,
  rawInputs: ArticleInputs,
  options: { modelId?: string; currencyDigits?: number } = {},
): DecoderEstimate {
  const inputs = checkInputs(rawInputs);
  const model = modelShape(options.modelId ?? ARTICLE_MODEL_ID);
  const context = Math.min(inputs.context, model.maxContext);
  const config = { model, format: inputs.format, context, batch: inputs.batch };
  const articleCardFloor = chipFloor(chipById(ARTICLE_CARD_ID), { ...config, cards: 1 });
  const step = pickStep(file, model, { ...inputs, context });
  const read = readGBps(file.results);
  const measuredGBps = read > 0 ? significant(read) : undefined;
  // On the measured GPU, the floor holds the KV cache in the precision the projection beside it
  // takes from the measured step (f32 in results from before the f16 cache), so the two agree.
  const measuredFloor =
    measuredGBps === undefined
      ? undefined
      : chipFloor(
          { name: 'measured', memoryGB: inputs.memoryGB, bandwidthGBps: measuredGBps },
          { ...config, cards: inputs.cards, kvBytesPerValue: step?.kvBytesPerValue },
        );
  const measuredFormats = [
    ...new Set(
      decodeSteps(file, model.id)
        .filter((result) => result.params.kv !== 'sparse')
        .map((result) => result.params.format as WeightFormat),
    ),
  ];
  const estimate: DecoderEstimate = {
    inputs,
    model,
    articleCardFloor,
    measuredGBps,
    measuredFloor,
    measuredFormats,
  };

  if (step !== undefined) {
    const median = step.result.latencyMs.median;
    const projection = projectDecode({
      model,
      format: inputs.format,
      groupSize: groupOf(inputs.format, step.result.params.groupSize),
      context,
      batch: inputs.batch,
      cards: inputs.cards,
      layerMs: median * step.scale,
      measuredTp: step.tp,
      memoryGBPerCard: inputs.memoryGB,
      kvBytesPerValue: step.kvBytesPerValue,
      // The LM head as the step's run measured it (its column slice and scaling), when it did.
      ...lmHeadOf(step.result.params),
    });
    const [lo, hi] = step.result.latencyMs.ci95;
    estimate.step = step;
    estimate.projection = projection;
    estimate.msPerTokenCi = [
      significant((projection.msPerToken * lo) / median),
      significant((projection.msPerToken * hi) / median),
    ];
  }

  const digits = options.currencyDigits ?? 2;
  if (estimate.projection !== undefined && estimate.msPerTokenCi !== undefined) {
    const { dollars, formula } = costPerMillion(
      inputs.pricePerGpuHour,
      inputs.cards,
      estimate.projection.tokensPerSecond,
      digits,
    );
    const [lo, hi] = estimate.msPerTokenCi;
    const perMs = dollars / estimate.projection.msPerToken;
    estimate.cost = {
      dollars,
      ci95: [significant(perMs * lo), significant(perMs * hi)],
      formula,
      throughput: estimate.projection.formulas.find((line) => line.startsWith('tokens/s')) ?? '',
      basis: 'the projected decode step',
    };
  } else if (measuredFloor !== undefined) {
    const tokensPerSecond = significant((inputs.batch * 1000) / measuredFloor.floorMs);
    const { dollars, formula } = costPerMillion(
      inputs.pricePerGpuHour,
      inputs.cards,
      tokensPerSecond,
      digits,
    );
    estimate.cost = {
      dollars,
      formula,
      throughput: `tokens/s ≤ ${inputs.batch} × 1,000 ÷ ${printed(measuredFloor.floorMs)} ms = ${printed(tokensPerSecond)}`,
      basis:
        'the bandwidth floor at the measured read bandwidth (no decode step in these results: a lower bound on the cost)',
    };
  }
  return estimate;
}
