// The article's claims (../shared/article.txt), one record each: the sentence or table row it comes from,
// its figure as data, what attnscope measures as the nearest equivalent on the GPU that ran, and a check
// that turns a results file into a verdict in careful words. The article is about a chip we do not have:
// a check can say what this GPU shows about the mechanism a claim names, never prove or disprove the claim.
// Results that were not verified are never used as speeds; peers are only used as the "generic library".

import { kernelNames } from '../kernels/registry.ts';
import { readGBps } from '../measure/ceilings.ts';
import type { BenchResult, LatencyStats, ParamValue, ResultsFile } from '../results/types.ts';
import {
  A100_80GB_SXM,
  ARTICLE_MODEL,
  breakEvenPricePerGpuHour,
  costPerMillionTokens,
  type DecodeFloor,
  type DecodeFloorInputs,
  decodeFloor,
  PRECISIONS,
  percentChange,
  tokensPerSecondAtBandwidth,
} from './audit.ts';

export type Verdict =
  | 'consistent'
  | 'not-reproduced'
  | 'not-measurable'
  | 'out-of-scope'
  | 'reference'
  | 'no-data';

export type ArticleFigure =
  /** A before → after pair, with the change the article prints (signed percent: −29.4 is a reduction). */
  | { kind: 'change'; before: number; after: number; unit: string; statedChangePercent: number }
  /** A single percentage, optionally against a baseline the article names. */
  | { kind: 'percent'; percent: number; of: string; baseline?: { percent: number; of: string } }
  /** A claim without a number. */
  | { kind: 'statement'; statement: string };

export interface ClaimCheck {
  verdict: Verdict;
  /** The figure measured here, in a few words; absent when nothing was measured. */
  measured?: string;
  detail: string;
}

/** The editable assumptions of the checks; each has a default that the detail text states. */
export interface ClaimInputs {
  /** Dollars per GPU-hour for the cost check (default DEFAULT_PRICE_PER_GPU_HOUR). */
  pricePerGpuHour?: number;
  /** Sequences decoded together in the cost check (default 1). */
  batch?: number;
  /** The model and card of the latency audit (defaults: 130B parameters, one A100 80GB SXM). */
  model?: Partial<DecodeFloorInputs>;
}

export interface Claim {
  id: string;
  /** A short label for a table row. */
  title: string;
  /** The exact sentence (or table row) of article.txt. */
  quote: string;
  articleFigure: ArticleFigure;
  /** What attnscope measures as the nearest equivalent, in plain words. */
  whatWeMeasure: string;
  check(results: ResultsFile, inputs?: ClaimInputs): ClaimCheck;
}

export const DEFAULT_PRICE_PER_GPU_HOUR = 2;
// Bytes per parameter of the cost check's model: int4, the only usual format in which 130B fits one 80 GB card.
const DEFAULT_BYTES_PER_PARAM = 0.5;

// ---------------------------------------------------------------------------------------------------
// Picking results

type TimedResult = BenchResult & { latencyMs: LatencyStats };

// Verified attnscope results with a usable latency: the only ones a check may treat as speeds.
function timedResults(results: ResultsFile, kernel: string, ops: BenchResult['op'][]): TimedResult[] {
  return results.results.filter(
    (result): result is TimedResult =>
      result.verified &&
      result.impl === 'attnscope' &&
      result.kernel === kernel &&
      ops.includes(result.op) &&
      result.latencyMs !== undefined &&
      Number.isFinite(result.latencyMs.median) &&
      result.latencyMs.median > 0,
  );
}

function sameParams(a: Record<string, ParamValue>, b: Record<string, ParamValue>): boolean {
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key])
  );
}

// Every parameter of `subset` has the same value in `of` (a dense run's problem, inside a sparse run's).
function paramsWithin(subset: Record<string, ParamValue>, of: Record<string, ParamValue>): boolean {
  return Object.keys(subset).every((key) => Object.hasOwn(of, key) && subset[key] === of[key]);
}

// The same problem in another kernel: identical params first, else the one whose params are contained.
function counterpart(result: BenchResult, candidates: TimedResult[]): TimedResult | undefined {
  return (
    candidates.find((other) => other.op === result.op && sameParams(other.params, result.params)) ??
    candidates.find((other) => other.op === result.op && paramsWithin(other.params, result.params))
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function describeProblem(params: Record<string, ParamValue>): string {
  const parts = Object.entries(params)
    .slice(0, 6)
    .map(([key, value]) => `${key} ${String(value).slice(0, 24)}`);
  return parts.length > 0 ? parts.join(', ') : 'no parameters';
}

const percent = (fraction: number) => `${Math.round(fraction * 100)}%`;
const times = (ratio: number) => `${ratio.toFixed(2)}×`;
const ms = (value: number) => `${value.toFixed(1)} ms`;
const megabytes = (bytes: number) =>
  bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;

function softwareCaveat(results: ResultsFile): string {
  return results.environment.adapter.isSoftware
    ? ' These results come from a software renderer running on the CPU, so they say little about any real GPU.'
    : '';
}

function noData(what: string): ClaimCheck {
  return {
    verdict: 'no-data',
    detail: `No verified ${what} in these results; run that part of the benchmark.`,
  };
}

// ---------------------------------------------------------------------------------------------------
// Checks

interface FusionPair {
  unfused: TimedResult;
  /** The fused kernels (registry role 'fused') measured on the same problem. */
  fused: TimedResult[];
}

/** The dense kernels the fusion claim compares: the unfused baseline and the fused ones (registry roles). */
const FUSION = {
  baseline: kernelNames({ kinds: ['dense'], role: 'baseline' })[0],
  fused: kernelNames({ kinds: ['dense'], role: 'fused' }),
};

function fusionPairs(results: ResultsFile): FusionPair[] {
  const fused = FUSION.fused.flatMap((name) => timedResults(results, name, ['attention']));
  return timedResults(results, FUSION.baseline, ['attention'])
    .map((unfused) => ({
      unfused,
      fused: fused.filter((other) => sameParams(other.params, unfused.params)),
    }))
    .filter((pair) => pair.fused.length > 0);
}

// unfused time ÷ the faster fused kernel's time.
function bestFusedSpeedup(pair: FusionPair): number {
  return Math.max(...pair.fused.map((result) => pair.unfused.latencyMs.median / result.latencyMs.median));
}

function checkSparseBandwidth(results: ResultsFile): ClaimCheck {
  const dense = timedResults(results, 'flash', ['attention', 'decode']);
  const pairs = timedResults(results, 'block-sparse', ['attention', 'decode'])
    .filter((sparse) => sparse.density !== undefined && sparse.density < 1)
    .map((sparse) => ({ sparse, dense: counterpart(sparse, dense), density: sparse.density ?? 1 }))
    .filter(
      (pair): pair is typeof pair & { dense: TimedResult } =>
        pair.dense !== undefined && pair.dense.bytes > 0,
    )
    .map((pair) => ({
      ...pair,
      bytesSaved: 1 - pair.sparse.bytes / pair.dense.bytes,
      timeSaved: 1 - pair.sparse.latencyMs.median / pair.dense.latencyMs.median,
    }))
    .sort((a, b) => a.density - b.density);
  if (pairs.length === 0) return noData('block-sparse result with a dense flash result on the same problem');
  // The article's 40% is what keeping about 60% of the blocks gives: compare there first.
  const closest = pairs.reduce((best, pair) =>
    Math.abs(pair.density - 0.6) < Math.abs(best.density - 0.6) ? pair : best,
  );
  const idealSaving = 1 - closest.density;
  const turnsIntoTime = closest.timeSaved >= 0.75 * idealSaving && closest.bytesSaved > 0;
  const all = pairs
    .map(
      (pair) =>
        `density ${pair.density}: ${percent(pair.bytesSaved)} fewer bytes, ${percent(pair.timeSaved)} less time`,
    )
    .join('; ');
  return {
    verdict: turnsIntoTime ? 'consistent' : 'not-reproduced',
    measured: `keeping ${percent(closest.density)} of blocks: ${percent(closest.bytesSaved)} fewer bytes, ${percent(closest.timeSaved)} less time than dense flash`,
    detail:
      `On this GPU, the block-sparse kernel against the dense flash kernel on the same problem: ${all}. ` +
      (turnsIntoTime
        ? 'Skipping blocks saves memory traffic and time roughly in proportion to the blocks skipped, which is the mechanism the sentence describes; '
        : `At ${percent(closest.density)} of blocks kept, less than three quarters of the ideal saving (${percent(idealSaving)}) reached the run time, so on this GPU the saved traffic does not fully turn into time; `) +
      'a 40% cut corresponds to keeping about 60% of the blocks. ' +
      (closest.bytesSaved < 0.8 * idealSaving
        ? 'Bytes fall by less than the share of blocks skipped because queries and outputs are still read and written in full. '
        : '') +
      "The figure itself depends on how sparse GLM's attention patterns are and on what accuracy is given up, which the article does not say and a kernel benchmark cannot test (here every kernel computes the same masked attention)." +
      softwareCaveat(results),
  };
}

function checkSingleCycle(results: ResultsFile): ClaimCheck {
  const pairs = fusionPairs(results);
  if (pairs.length === 0)
    return noData('unfused result with a fused-softmax or flash result on the same problem');
  // Each fused kernel's median speed-up over unfused, the fastest first.
  const parts = FUSION.fused
    .flatMap((name) => {
      const ratios = pairs.flatMap((pair) =>
        pair.fused
          .filter((fused) => fused.kernel === name)
          .map((fused) => pair.unfused.latencyMs.median / fused.latencyMs.median),
      );
      return ratios.length > 0 ? [{ name, speedup: median(ratios) }] : [];
    })
    .sort((a, b) => b.speedup - a.speedup)
    .map(({ name, speedup }) => `${name} ${times(speedup)}`);
  const best = median(pairs.map(bestFusedSpeedup));
  const largest = pairs.reduce((a, b) => (b.unfused.bytes > a.unfused.bytes ? b : a));
  // The traffic fusion avoids: the fused kernel that moves the fewest bytes.
  const avoidedBytes = largest.unfused.bytes - Math.min(...largest.fused.map((result) => result.bytes));
  const faster = best >= 1.05;
  return {
    verdict: faster ? 'consistent' : 'not-reproduced',
    measured: `${parts.join(', ')} the speed of unfused (median over ${pairs.length} problem${pairs.length === 1 ? '' : 's'})`,
    detail:
      `On this GPU, fusing the score matmul with the softmax ${faster ? 'makes attention faster' : 'does not make attention clearly faster'} than three separate kernels` +
      (avoidedBytes > 0
        ? `; on the largest problem (${describeProblem(largest.unfused.params)}) it avoids ${megabytes(avoidedBytes)} of memory traffic per call. `
        : '. ') +
      '"In a single cycle" cannot be literal: QKᵀ for one head of a 4,096-token sequence with head dimension 128 is already 2.1 billion multiply-adds, thousands of times what any chip completes in one clock cycle. ' +
      'What fusion really saves is writing the score matrix to memory and reading it back (heads × seqQ × seqK values, twice for scores and probabilities) plus kernel launches; that is what is measured here.' +
      softwareCaveat(results),
  };
}

/** The attention kernels whose bandwidth utilisation is compared with the article's 88% (no variants). */
const BANDWIDTH_KERNELS = kernelNames({ kinds: ['dense', 'decode'] });

function checkBandwidthUtilisation(results: ResultsFile): ClaimCheck {
  const bestPerKernel = BANDWIDTH_KERNELS.flatMap((kernel) => {
    const measured = timedResults(results, kernel, ['attention', 'decode']).filter(
      (result) => result.bwUtil !== undefined && Number.isFinite(result.bwUtil),
    );
    if (measured.length === 0) return [];
    return [{ kernel, bwUtil: Math.max(...measured.map((result) => result.bwUtil ?? 0)) }];
  });
  if (bestPerKernel.length === 0) return noData('attention or decode result with a bandwidth utilisation');
  const best = bestPerKernel.reduce((a, b) => (b.bwUtil > a.bwUtil ? b : a));
  const reaches = best.bwUtil >= 0.88;
  return {
    verdict: reaches ? 'consistent' : 'not-reproduced',
    measured: bestPerKernel.map((entry) => `${entry.kernel} ${percent(entry.bwUtil)}`).join(', '),
    detail:
      `On this GPU, the best share of the measured copy bandwidth is ${percent(best.bwUtil)} (${best.kernel}); ` +
      (reaches
        ? "so a utilisation like the article's 88% is reached here by a plain WebGPU kernel, without a special chip. "
        : "the article's 88% was not reached here. ") +
      (best.bwUtil > 1.05
        ? 'Above 100% means caches served part of the traffic the byte model counts, so the figure overstates what memory delivered. '
        : '') +
      'Utilisation here is traffic ÷ the copy probe of the same run (what this memory really delivers), not the datasheet peak; the article does not say what it divides by. ' +
      'High utilisation is not a goal in itself: flash moves far fewer bytes than unfused and can be faster at a lower utilisation; only memory-bound work such as decode should approach 100%.' +
      readCeiling(results) +
      softwareCaveat(results),
  };
}

// What the read probe says about read-mostly kernels (decode), when the run has one.
function readCeiling(results: ResultsFile): string {
  const copyGBps = results.ceilings.copyGBps;
  const best = readGBps(results.results);
  if (!(best > 0) || !(copyGBps > 0)) return '';
  return ` A kernel that only reads (the read probe) reached ${percent(best / copyGBps)} of copy here: that, not 100%, bounds a read-mostly kernel such as decode on this memory system.`;
}

function auditModel(inputs: ClaimInputs | undefined): Omit<DecodeFloorInputs, 'bytesPerParam' | 'copyGBps'> {
  return {
    params: inputs?.model?.params ?? ARTICLE_MODEL.params,
    cards: inputs?.model?.cards ?? ARTICLE_MODEL.cards,
    memoryGB: inputs?.model?.memoryGB ?? A100_80GB_SXM.memoryGB,
    bandwidthGBps: inputs?.model?.bandwidthGBps ?? A100_80GB_SXM.bandwidthGBps,
  };
}

/** The floor of one decode step at each usual precision (or the one the inputs name), on the article's card. */
export function latencyAudit(results: ResultsFile, inputs?: ClaimInputs): DecodeFloor[] {
  const copyGBps = results.ceilings.copyGBps > 0 ? results.ceilings.copyGBps : undefined;
  const precisions =
    inputs?.model?.bytesPerParam === undefined
      ? PRECISIONS.map((p) => p.bytesPerParam)
      : [inputs.model.bytesPerParam];
  return precisions.map((bytesPerParam) => decodeFloor({ ...auditModel(inputs), bytesPerParam, copyGBps }));
}

function describeFloor(floor: DecodeFloor): string {
  const name = precisionName(floor.inputs.bytesPerParam);
  const fit = floor.fits ? 'fits' : `does not fit (needs ${floor.cardsNeeded} cards)`;
  const here =
    floor.measuredFloorMs === undefined ? '' : `, ${ms(floor.measuredFloorMs)} at this GPU's copy bandwidth`;
  return `${name}: ${floor.weightsGB.toFixed(0)} GB, ${fit}, ≥ ${ms(floor.floorMs)} per token${here}`;
}

const cardsLabel = (cards: number) => (cards === 1 ? '1 card' : `${cards} cards`);

function precisionName(bytesPerParam: number): string {
  return PRECISIONS.find((p) => p.bytesPerParam === bytesPerParam)?.name ?? `${bytesPerParam} bytes/param`;
}

// What the floors say about the article's 120 ms and 85 ms, in a sentence or two.
function auditSummary(floors: DecodeFloor[]): string {
  const fitting = floors.filter((floor) => floor.fits);
  const tooSlow = floors
    .filter((floor) => floor.floorMs > 120)
    .map((floor) => precisionName(floor.inputs.bytesPerParam));
  const sentences: string[] = [];
  if (fitting.length === 0)
    sentences.push('None of these fits in that memory, so the model cannot run on those cards at all.');
  else {
    const widest = fitting.reduce((a, b) => (b.inputs.bytesPerParam > a.inputs.bytesPerParam ? b : a));
    sentences.push(
      `Only ${fitting.map((floor) => precisionName(floor.inputs.bytesPerParam)).join(' and ')} fit${fitting.length === 1 ? 's' : ''}; ` +
        `in ${precisionName(widest.inputs.bytesPerParam)}, 120 ms is ${(120 / widest.floorMs).toFixed(1)}× the floor, and the co-designed chip's 85 ms needs at least ${(widest.weightsGB / 0.085).toFixed(0)} GB/s of memory bandwidth.`,
    );
  }
  if (tooSlow.length > 0)
    sentences.push(`In ${tooSlow.join(' and ')}, streaming the weights alone takes longer than 120 ms.`);
  return `${sentences.join(' ')} `;
}

function checkLatency(results: ResultsFile, inputs?: ClaimInputs): ClaimCheck {
  const floors = latencyAudit(results, inputs);
  const model = auditModel(inputs);
  const audit =
    `Physical floor for ${(model.params / 1e9).toFixed(0)}B parameters on ${cardsLabel(model.cards)} of ${model.memoryGB} GB at ${model.bandwidthGBps} GB/s, ` +
    `reading every weight once per token: ${floors.map(describeFloor).join('; ')}. ` +
    auditSummary(floors) +
    'The article does not say whether "latency" is per token or per request, nor the batch, sequence length or precision. ' +
    `Its own arithmetic: (120 − 85) ÷ 120 = ${Math.abs(percentChange(120, 85)).toFixed(1)}%, not 29.4%.`;
  const pairs = fusionPairs(results);
  if (pairs.length === 0) {
    return {
      verdict: 'no-data',
      detail: `No verified unfused/fused pair in these results to compare. ${audit}`,
    };
  }
  const improvement = 1 - 1 / median(pairs.map(bestFusedSpeedup));
  const matches = improvement >= 0.294;
  return {
    verdict: matches ? 'consistent' : 'not-reproduced',
    measured: `fused vs unfused attention: ${percent(improvement)} less time (median over ${pairs.length} problem${pairs.length === 1 ? '' : 's'})`,
    detail:
      `On this GPU, the faster fused kernel takes ${percent(improvement)} less time than unfused attention, ` +
      `${matches ? 'at least' : 'less than'} the article's 29.4%. That is one layer's attention, not a whole model: in a decode step of a 130B model reading the weights dominates, so an attention speed-up shrinks in the end-to-end figure. ` +
      audit +
      softwareCaveat(results),
  };
}

function checkTensorCores(results: ResultsFile): ClaimCheck {
  const withUtil = (list: BenchResult[]) =>
    list.filter((result) => result.computeUtil !== undefined && Number.isFinite(result.computeUtil));
  const tiled = withUtil(timedResults(results, 'tiled', ['matmul']));
  if (tiled.length === 0) return noData('tiled matmul result with a compute utilisation');
  const best = tiled.reduce((a, b) => ((b.computeUtil ?? 0) > (a.computeUtil ?? 0) ? b : a));
  const bestUtil = best.computeUtil ?? 0;
  const peers = withUtil(
    results.results.filter(
      (result) =>
        result.verified &&
        result.impl !== 'attnscope' &&
        result.op === 'matmul' &&
        result.latencyMs !== undefined,
    ),
  );
  const peerBest = peers.length > 0 ? Math.max(...peers.map((result) => result.computeUtil ?? 0)) : undefined;
  const reaches = bestUtil >= 0.9;
  return {
    verdict: reaches ? 'consistent' : 'not-reproduced',
    measured:
      `tiled matmul ${percent(bestUtil)} of the FMA ceiling (${describeProblem(best.params)})` +
      (peerBest === undefined ? '' : `; best peer library ${percent(peerBest)}`),
    detail:
      `On this GPU, the tiled matmul reaches ${percent(bestUtil)} of the compute ceiling measured by the FMA probe` +
      (peerBest === undefined ? '' : `, a generic library (peer) ${percent(peerBest)}`) +
      `; ${reaches ? 'so a utilisation near 95% is reachable here' : "the article's 95% was not reached here"}. ` +
      'WebGPU gives no access to tensor cores, so the ceiling here is the ordinary shader cores, and the two figures are not the same kind. ' +
      'Sustained utilisation above 90% of peak is rare even for large matrix multiplications in vendor libraries; the article gives neither the operation, the sizes, nor what the "industry average of 70%" measures.' +
      softwareCaveat(results),
  };
}

function checkCost(results: ResultsFile, inputs?: ClaimInputs): ClaimCheck {
  const decodes = timedResults(results, 'decode', ['decode', 'attention']).filter(
    (result) => result.gbps !== undefined && Number.isFinite(result.gbps) && result.gbps > 0,
  );
  if (decodes.length === 0) return noData('decode result with a bandwidth');
  const decodeGBps = Math.max(...decodes.map((result) => result.gbps ?? 0));
  const price = inputs?.pricePerGpuHour ?? DEFAULT_PRICE_PER_GPU_HOUR;
  const batch = inputs?.batch ?? 1;
  const model = auditModel(inputs);
  const bytesPerParam = inputs?.model?.bytesPerParam ?? DEFAULT_BYTES_PER_PARAM;
  const bytesPerToken = model.params * bytesPerParam;
  const tokensPerSecond = tokensPerSecondAtBandwidth({ bandwidthGBps: decodeGBps, bytesPerToken, batch });
  const cost = costPerMillionTokens({ tokensPerSecond, pricePerGpuHour: price });
  const singleStream = tokensPerSecond / batch;
  const batchForArticle = Math.ceil(
    price / breakEvenPricePerGpuHour({ tokensPerSecond: singleStream, dollarsPerMillionTokens: 0.85 }),
  );
  const articlePrice = breakEvenPricePerGpuHour({
    tokensPerSecond: 1000 / 85,
    dollarsPerMillionTokens: 0.85,
  });
  const matches = cost.dollarsPerMillionTokens <= 0.85;
  return {
    verdict: matches ? 'consistent' : 'not-reproduced',
    measured: `$${cost.dollarsPerMillionTokens.toFixed(2)} per 1M tokens at $${price.toFixed(2)}/GPU-hour, batch ${batch}; $0.85 needs a batch of about ${batchForArticle}`,
    detail:
      `On this GPU, the decode kernel streamed ${decodeGBps.toFixed(1)} GB/s; a ${(model.params / 1e9).toFixed(0)}B model at ${bytesPerParam} bytes per parameter reads ${(bytesPerToken / 1e9).toFixed(1)} GB per step, ` +
      `so at most ${tokensPerSecond.toFixed(2)} tokens/s (batch ${batch}, if the weights fitted in this GPU's memory, which a web page cannot see). ${cost.formula}. ` +
      'The price per GPU-hour and the batch are assumptions: edit them. ' +
      `The article's own figures: at 85 ms per token for one sequence, $0.85 per 1M tokens means $${articlePrice.toFixed(3)} per GPU-hour, or batching many sequences; its cost ratio (0.85 ÷ 1.20) equals its latency ratio (85 ÷ 120), as if the cost were derived from the latency at one price.` +
      softwareCaveat(results),
  };
}

// ---------------------------------------------------------------------------------------------------
// The claims

const referenceOnly =
  'A figure the article reports without a source or a method; a kernel benchmark on this GPU cannot check it.';

export const claims: readonly Claim[] = [
  {
    id: 'efficiency-30',
    title: 'About 30% more inference efficiency',
    quote:
      'This yields a nearly 30% boost in inference efficiency at the same power envelope, directly addressing the hardware uncertainty imposed by export controls.',
    articleFigure: { kind: 'percent', percent: 30, of: 'inference efficiency' },
    whatWeMeasure: 'Nothing directly: the headline number summarises the latency and cost rows below.',
    check: () => ({
      verdict: 'reference',
      detail:
        'The headline figure; the table behind it gives 120 → 85 ms and $1.20 → $0.85 (both 29.2% lower). "At the same power envelope" does not match the same table, which gives 400 W → 350 W.',
    }),
  },
  {
    id: 'sparse-bandwidth-40',
    title: 'Sparse attention: 40% less memory bandwidth',
    quote:
      "The key innovation is a sparse attention kernel that exploits the inherent sparsity in GLM's attention patterns, reducing memory bandwidth requirements by 40% compared to dense implementations.",
    articleFigure: { kind: 'percent', percent: -40, of: 'memory bandwidth requirements vs dense' },
    whatWeMeasure:
      'Bytes moved and time taken by the block-sparse kernel against the dense flash kernel on the same problem, at each density run (40% less traffic ≈ keeping 60% of the blocks).',
    check: checkSparseBandwidth,
  },
  {
    id: 'single-cycle-fusion',
    title: 'Matmul and softmax "in a single cycle"',
    quote:
      'This is achieved through a custom instruction set extension that allows the chip to execute matrix multiplications and softmax operations in a single cycle, bypassing the overhead of general-purpose GPU kernels.',
    articleFigure: { kind: 'statement', statement: 'matrix multiplication and softmax in a single cycle' },
    whatWeMeasure:
      'The fused-softmax and flash kernels (matmul and softmax in one kernel) against unfused (separate kernels) on the same problems.',
    check: checkSingleCycle,
  },
  {
    id: 'bandwidth-utilisation-65-88',
    title: 'Memory bandwidth utilisation 65% → 88%',
    quote: '| Memory Bandwidth Utilization | 65% | 88% | 35.4% increase |',
    articleFigure: { kind: 'change', before: 65, after: 88, unit: '%', statedChangePercent: 35.4 },
    whatWeMeasure:
      "Each attention kernel's traffic as a share of this GPU's measured copy bandwidth (unfused, fused-softmax, flash, decode).",
    check: checkBandwidthUtilisation,
  },
  {
    id: 'latency-120-85',
    title: 'Latency 120 ms → 85 ms for a 130B model on one card',
    quote:
      'When combined with chip-level systolic array optimizations, the end-to-end inference latency for a 130B-parameter GLM-4 model drops from 120ms to 85ms on a single accelerator card—a 29.4% improvement.',
    articleFigure: { kind: 'change', before: 120, after: 85, unit: 'ms', statedChangePercent: -29.4 },
    whatWeMeasure:
      "The time saved by fused attention kernels over unfused ones, and a physical audit: one decode step cannot beat the model's bytes ÷ memory bandwidth (inputs editable).",
    check: checkLatency,
  },
  {
    id: 'tensor-core-95',
    title: '95% tensor-core utilisation vs an industry 70%',
    quote:
      "Zhipu has integrated GLM's inference engine with Enflame's 'Blaze' software stack, achieving 95% utilization of the chip's tensor cores—a significant improvement over the industry average of 70% for generic models.",
    articleFigure: {
      kind: 'percent',
      percent: 95,
      of: 'tensor-core utilisation',
      baseline: { percent: 70, of: 'industry average' },
    },
    whatWeMeasure:
      "The tiled matmul's GFLOP/s as a share of this GPU's FMA ceiling (and a peer library's, where one ran).",
    check: checkTensorCores,
  },
  {
    id: 'cost-per-million-tokens',
    title: 'Cost per 1M tokens $1.20 → $0.85',
    quote: '| Cost per 1M tokens (inference) | $1.20 | $0.85 | 29.2% reduction |',
    articleFigure: {
      kind: 'change',
      before: 1.2,
      after: 0.85,
      unit: '$ per 1M tokens',
      statedChangePercent: -29.2,
    },
    whatWeMeasure:
      'Tokens per second from the bandwidth the decode kernel reached and the model size, times an editable price per GPU-hour, with the formula shown.',
    check: checkCost,
  },
  {
    id: 'power-400-350',
    title: 'Power 400 W → 350 W',
    quote: '| Power Consumption | 400W | 350W | 12.5% reduction |',
    articleFigure: { kind: 'change', before: 400, after: 350, unit: 'W', statedChangePercent: -12.5 },
    whatWeMeasure: 'Nothing: a web page cannot measure power.',
    check: () => ({
      verdict: 'not-measurable',
      detail:
        "Not measurable from a web page: WebGPU exposes no power, energy or clock counters, and a page cannot read the GPU's sensors (nvidia-smi, RAPL); it needs a power meter or vendor tools. The figures also belong to two different chips. (400 → 350 W is indeed 12.5% less.)",
    }),
  },
  {
    id: 'partner-cambricon',
    title: 'Cambricon MLU370: sparse attention kernel, 29% latency reduction',
    quote:
      '| Cambricon | MLU370 | Sparse attention kernel | 29% latency reduction | 500+ nodes in government cloud |',
    articleFigure: { kind: 'percent', percent: -29, of: 'latency' },
    whatWeMeasure:
      'Nothing on that chip; the sparse-attention row shows what block sparsity does on this GPU.',
    check: () => ({ verdict: 'reference', detail: referenceOnly }),
  },
  {
    id: 'partner-enflame',
    title: 'Enflame Tianjiao 200: tensor-core utilisation, 25% more throughput',
    quote:
      '| Enflame | Tianjiao 200 | Tensor core utilization | 25% throughput increase | 200+ nodes in financial sector |',
    articleFigure: { kind: 'percent', percent: 25, of: 'throughput' },
    whatWeMeasure: 'Nothing on that chip; the tensor-core row shows matmul utilisation on this GPU.',
    check: () => ({ verdict: 'reference', detail: referenceOnly }),
  },
  {
    id: 'partner-horizon',
    title: 'Horizon Robotics Journey 5: GLM-2B at the edge, 40% less power',
    quote:
      '| Horizon Robotics | Journey 5 | Edge inference for GLM-2B | 40% power reduction | 10,000+ edge devices in smart city |',
    articleFigure: { kind: 'percent', percent: -40, of: 'power' },
    whatWeMeasure: 'Nothing: power cannot be measured from a web page.',
    check: () => ({
      verdict: 'reference',
      detail: `${referenceOnly} The three partner gains measure different things (latency, throughput, power), so they cannot be ranked against one another.`,
    }),
  },
  {
    id: 'state-grid',
    title: 'State Grid load forecasting: 200 ms → 140 ms',
    quote:
      'The system processes 10TB of sensor data daily, and the co-designed chip reduces inference latency from 200ms to 140ms, enabling sub-second response for grid balancing decisions.',
    articleFigure: { kind: 'change', before: 200, after: 140, unit: 'ms', statedChangePercent: -30 },
    whatWeMeasure: 'Nothing: a deployment case study.',
    check: () => ({
      verdict: 'reference',
      detail: `${referenceOnly} 200 → 140 ms is 30% less; 200 ms was already well under a second, so the sub-second response does not depend on this gain.`,
    }),
  },
  {
    id: 'multimodal-agent',
    title: 'Multimodal agent: 35% faster task completion',
    quote:
      'This hybrid architecture reduces end-to-end task completion time by 35% compared to monolithic models.',
    articleFigure: { kind: 'percent', percent: -35, of: 'task completion time' },
    whatWeMeasure: 'Nothing: out of scope.',
    check: () => ({
      verdict: 'out-of-scope',
      detail:
        "Out of scope: an agent system's task completion time is not something an attention-kernel benchmark measures.",
    }),
  },
];

export interface ClaimOutcome {
  claim: Claim;
  outcome: ClaimCheck;
}

/** Runs every claim's check; a check that fails on bad inputs gives a 'no-data' outcome that says why. */
export function checkClaims(results: ResultsFile, inputs?: ClaimInputs): ClaimOutcome[] {
  return claims.map((claim) => {
    try {
      return { claim, outcome: claim.check(results, inputs) };
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'unknown error';
      return { claim, outcome: { verdict: 'no-data', detail: `Could not be checked: ${reason}` } };
    }
  });
}
