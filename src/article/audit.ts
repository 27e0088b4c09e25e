// The physical-limits audit of the article's latency and cost figures. Every input is explicit (the page
// lets a person edit them) and every function is pure. The one physical fact used: to produce one token,
// a decoder must read every weight of the model once, so a decode step cannot take less than the bytes
// of the weights divided by the memory bandwidth that streams them. (The KV cache only adds to that.)

/** Bytes per parameter of the usual weight formats. */
export const PRECISIONS = [
  { name: 'fp16', bytesPerParam: 2 },
  { name: 'int8', bytesPerParam: 1 },
  { name: 'int4', bytesPerParam: 0.5 },
] as const;

export type BytesPerParam = (typeof PRECISIONS)[number]['bytesPerParam'];

/** The article's reference card: NVIDIA A100 80GB SXM (80 GB of HBM2e at 2,039 GB/s). */
export const A100_80GB_SXM = { memoryGB: 80, bandwidthGBps: 2039 } as const;

/** The article's model: GLM-4 with 130 billion parameters, on a single card. */
export const ARTICLE_MODEL = { params: 130e9, cards: 1 } as const;

export interface DecodeFloorInputs {
  /** Parameters of the model. */
  params: number;
  /** 2 (fp16/bf16), 1 (int8) or 0.5 (int4); any positive value is accepted. */
  bytesPerParam: number;
  /** Cards the weights are split over; their bandwidths add up (ideal tensor parallelism). */
  cards: number;
  /** Memory of one card, GB (10⁹ bytes). */
  memoryGB: number;
  /** Memory bandwidth of one card, GB/s. */
  bandwidthGBps: number;
  /** This GPU's measured copy bandwidth (the `copy` probe), GB/s, for the same floor here. */
  copyGBps?: number;
}

export interface DecodeFloor {
  inputs: DecodeFloorInputs;
  /** Bytes of weights read per decode step (per token of one sequence). */
  bytesPerToken: number;
  weightsGB: number;
  /** memoryGB × cards. */
  capacityGB: number;
  fits: boolean;
  /** Cards of this size the weights need at the least. */
  cardsNeeded: number;
  /** bytesPerToken ÷ (cards × bandwidthGBps), in ms: no decode step on those cards can be faster. */
  floorMs: number;
  /** bytesPerToken ÷ copyGBps, in ms: the same floor on this GPU (if the weights fitted in its memory). */
  measuredFloorMs?: number;
  /** The arithmetic, written out with the inputs. */
  formula: string;
}

function requirePositive(name: string, value: number | undefined): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a finite number above 0, got ${String(value)}`);
  }
  return value;
}

function format(value: number, digits = 1): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits });
}

/**
 * The lower bound of one decode step from memory bandwidth: e.g. 130B parameters in int4 are 65 GB, and
 * 65 GB ÷ 2,039 GB/s ≈ 31.9 ms on one A100 80GB; in fp16 they are 260 GB (127.5 ms, and they need 4 cards).
 * Throws a RangeError naming the field for an input that is not a positive finite number.
 */
export function decodeFloor(inputs: DecodeFloorInputs): DecodeFloor {
  const params = requirePositive('params', inputs.params);
  const bytesPerParam = requirePositive('bytesPerParam', inputs.bytesPerParam);
  const cards = requirePositive('cards', inputs.cards);
  if (!Number.isInteger(cards)) throw new RangeError(`cards must be a whole number, got ${cards}`);
  const memoryGB = requirePositive('memoryGB', inputs.memoryGB);
  const bandwidthGBps = requirePositive('bandwidthGBps', inputs.bandwidthGBps);
  const copyGBps = inputs.copyGBps === undefined ? undefined : requirePositive('copyGBps', inputs.copyGBps);

  const bytesPerToken = params * bytesPerParam;
  const weightsGB = bytesPerToken / 1e9;
  const capacityGB = memoryGB * cards;
  const floorMs = (weightsGB / (bandwidthGBps * cards)) * 1000;
  const measuredFloorMs = copyGBps === undefined ? undefined : (weightsGB / copyGBps) * 1000;
  const cardLabel = cards === 1 ? '1 card' : `${cards} cards`;
  const formula =
    `${format(params / 1e9)}B parameters × ${bytesPerParam} bytes = ${format(weightsGB)} GB per token; ` +
    `${format(weightsGB)} GB ÷ (${cardLabel} × ${format(bandwidthGBps)} GB/s) = ${format(floorMs)} ms` +
    (measuredFloorMs === undefined
      ? ''
      : `; on this GPU ${format(weightsGB)} GB ÷ ${format(copyGBps ?? 0)} GB/s = ${format(measuredFloorMs)} ms`);
  return {
    inputs: { ...inputs },
    bytesPerToken,
    weightsGB,
    capacityGB,
    fits: weightsGB <= capacityGB,
    cardsNeeded: Math.ceil(weightsGB / memoryGB),
    floorMs,
    measuredFloorMs,
    formula,
  };
}

export interface TokensPerSecondInputs {
  /** The bandwidth that streams the weights, GB/s (a card's datasheet figure, or a measured one). */
  bandwidthGBps: number;
  bytesPerToken: number;
  /** Sequences decoded together: one pass over the weights serves all of them. */
  batch?: number;
}

/** Decode throughput at the memory-bandwidth bound: batch × bandwidth ÷ bytes per token (an upper bound). */
export function tokensPerSecondAtBandwidth(inputs: TokensPerSecondInputs): number {
  const bandwidthGBps = requirePositive('bandwidthGBps', inputs.bandwidthGBps);
  const bytesPerToken = requirePositive('bytesPerToken', inputs.bytesPerToken);
  const batch = requirePositive('batch', inputs.batch ?? 1);
  return (batch * bandwidthGBps * 1e9) / bytesPerToken;
}

export interface CostInputs {
  tokensPerSecond: number;
  /** Dollars per GPU-hour (an assumption the person edits: cloud prices vary several-fold). */
  pricePerGpuHour: number;
  gpus?: number;
}

export interface Cost {
  dollarsPerMillionTokens: number;
  tokensPerHour: number;
  /** The formula, then the same with the inputs filled in. */
  formula: string;
}

/**
 * Cost per million tokens = price per GPU-hour × GPUs ÷ (tokens/s × 3,600) × 1,000,000.
 * Throws a RangeError naming the field for an input that is not a positive finite number.
 */
export function costPerMillionTokens(inputs: CostInputs): Cost {
  const tokensPerSecond = requirePositive('tokensPerSecond', inputs.tokensPerSecond);
  const pricePerGpuHour = requirePositive('pricePerGpuHour', inputs.pricePerGpuHour);
  const gpus = requirePositive('gpus', inputs.gpus ?? 1);
  const tokensPerHour = tokensPerSecond * 3600;
  const dollarsPerMillionTokens = ((pricePerGpuHour * gpus) / tokensPerHour) * 1e6;
  const formula =
    'cost per 1M tokens = price per GPU-hour × GPUs ÷ (tokens/s × 3,600 s/h) × 1,000,000 = ' +
    `$${pricePerGpuHour.toFixed(2)} × ${gpus} ÷ (${format(tokensPerSecond, 2)} × 3,600) × 1,000,000 = ` +
    `$${dollarsPerMillionTokens.toFixed(2)}`;
  return { dollarsPerMillionTokens, tokensPerHour, formula };
}

/**
 * The GPU-hour price at which a throughput gives a target cost per million tokens:
 * target × tokens/s × 3,600 ÷ 1,000,000 (per GPU).
 */
export function breakEvenPricePerGpuHour(inputs: {
  tokensPerSecond: number;
  dollarsPerMillionTokens: number;
}): number {
  const tokensPerSecond = requirePositive('tokensPerSecond', inputs.tokensPerSecond);
  const target = requirePositive('dollarsPerMillionTokens', inputs.dollarsPerMillionTokens);
  return (target * tokensPerSecond * 3600) / 1e6;
}

/** The change from `before` to `after` in percent of `before` (120 → 85 is −29.17). */
export function percentChange(before: number, after: number): number {
  return ((after - before) / before) * 100;
}
