// The checks of the measurable claims: each reads only the evidence its rule allows (evidence.ts),
// decides through verdicts.ts, and says in its detail what was compared, on whose GPU, and why.

import { ARTICLE_CARD_ASSUMPTION, ARTICLE_CARD_ID, chipById, chipFloor } from '../model/chips.ts';
import { printed, significant } from '../model/projection.ts';
import { kvBytesPerToken, WEIGHT_FORMATS } from '../model/shapes.ts';
import type { ResultsFile } from '../results/types.ts';
import type { DecoderEstimate } from './estimate.ts';
import { dollarsText } from './estimate.ts';
import {
  type Evidence,
  fusionPairs,
  isMemoryBound,
  MEMORY_BOUND_OPS,
  matmulShares,
  readProbeShare,
  sparseDecodePairs,
  timedResults,
  UNCACHED_WORKING_SET_BYTES,
  workingSetBytes,
} from './evidence.ts';
import {
  againstThreshold,
  forHardwareClaim,
  type Interval,
  timeSavedFromSpeedup,
  type Verdict,
} from './verdicts.ts';

export interface ClaimCheck {
  verdict: Verdict;
  /** The figure measured, in a few words; absent when nothing was measured. */
  measured?: string;
  detail: string;
}

/** What a check reads: the shown results, the one estimate of the decoder figures, and whose GPU ran. */
export interface CheckContext {
  results: ResultsFile;
  estimate: DecoderEstimate;
  /** "this GPU" for a run made here, "the sender’s GPU" for a shared or imported one. */
  gpu: string;
}

/** A fraction as a percentage, with `decimals` decimals (none by default). */
const pct = (fraction: number, decimals = 0) => `${(fraction * 100).toFixed(decimals)}%`;
const ciText = (interval: Interval, show: (value: number) => string) =>
  `${show(interval.estimate)} (95% CI ${show(interval.ci95[0])}–${show(interval.ci95[1])})`;

/**
 * The fewest extra decimals (up to 4) with which no bound of `interval` reads the same as a threshold
 * it differs from: a bound of 0.8796 beside an 88% threshold shows as 87.96%, not as 88%, so the text
 * agrees with the verdict beside it.
 */
function decimalsAgainst(
  interval: Interval,
  threshold: number,
  show: (value: number, decimals: number) => string,
): number {
  let decimals = 0;
  const clash = (bound: number) => bound !== threshold && show(bound, decimals) === show(threshold, decimals);
  while (decimals < 4 && interval.ci95.some(clash)) decimals += 1;
  return decimals;
}
const times = (value: number) => `${value.toFixed(2)}×`;
const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function softwareNote(ctx: CheckContext): string {
  return ctx.results.environment.adapter.isSoftware
    ? ` These results come from a software adapter (the CPU): the ratios are shown, no verdict about hardware is given.`
    : '';
}

function hardware(ctx: CheckContext, verdict: Verdict): Verdict {
  return forHardwareClaim(verdict, ctx.results.environment.adapter.isSoftware);
}

/** The share of KV blocks kept that saves the article's 40% of memory traffic, and how near a measured one must be. */
const CLAIMED_DENSITY = 0.6;
const DENSITY_TOLERANCE = 0.05;

/** Sparse decode at the density nearest 0.6, its paired speed-up and CI, against the bytes it saves. */
export function checkSparseBandwidth(ctx: CheckContext): ClaimCheck {
  const pairs = sparseDecodePairs(ctx.results);
  const prefill = timedResults(ctx.results, ['attention']).filter(
    (result) => result.density !== undefined && result.density < 1 && result.speedupVsDense !== undefined,
  );
  const prefillLine =
    prefill.length === 0
      ? ''
      : ` Secondary, prefill block-sparse attention: ${prefill
          .slice(0, 6)
          .map((result) => `density ${result.density}: ${times(result.speedupVsDense ?? 0)}`)
          .join(', ')} (speed-up against dense on the same problem).`;
  if (pairs.length === 0) {
    return {
      verdict: hardware(ctx, 'inconclusive'),
      detail: `No verified sparse decode with its dense baseline in these results: the claim is about decoding, where attention is memory-bound.${prefillLine}${softwareNote(ctx)}`,
    };
  }
  const pair = pairs.reduce((best, candidate) =>
    Math.abs(candidate.density - CLAIMED_DENSITY) < Math.abs(best.density - CLAIMED_DENSITY)
      ? candidate
      : best,
  );
  const bytes = `keeping ${pct(pair.density)} of KV blocks: ${pct(pair.bytesSaved)} fewer bytes`;
  if (Math.abs(pair.density - CLAIMED_DENSITY) > DENSITY_TOLERANCE) {
    return {
      verdict: hardware(ctx, 'inconclusive'),
      measured: bytes,
      detail: `On ${ctx.gpu}, the sparse decode nearest the article’s 40% less traffic keeps ${pct(pair.density)} of the KV blocks, not ${pct(CLAIMED_DENSITY)} (± ${pct(DENSITY_TOLERANCE)}): it is not the claim’s case and decides nothing.${prefillLine}${softwareNote(ctx)}`,
    };
  }
  if (pair.speedup === undefined) {
    return {
      verdict: hardware(ctx, 'inconclusive'),
      measured: bytes,
      detail: `On ${ctx.gpu}, the sparse decode was not timed as a pair with its dense baseline, so its speed-up has no interval and decides nothing.${prefillLine}${softwareNote(ctx)}`,
    };
  }
  const saved = timeSavedFromSpeedup(pair.speedup);
  const threshold = 0.9 * pair.bytesSaved;
  const d = decimalsAgainst(saved, threshold, pct);
  const savedPct = (fraction: number) => pct(fraction, d);
  const verdict = againstThreshold(saved, threshold, 'higher');
  return {
    verdict: hardware(ctx, verdict),
    measured: `${bytes}; speed-up ${ciText(pair.speedup, times)}, i.e. ${ciText(saved, savedPct)} less time`,
    detail:
      `On ${ctx.gpu}, sparse decode keeping ${pct(pair.density)} of the KV blocks (${pair.sparse.kernel}, ${String(pair.sparse.params.seqK ?? '?')} keys) moves ${pct(pair.bytesSaved)} fewer bytes than dense decode and, timed interleaved with it, runs ${times(pair.speedup.estimate)} as fast (95% CI ${times(pair.speedup.ci95[0])}–${times(pair.speedup.ci95[1])}): ${savedPct(saved.estimate)} less time. ` +
      `The saved traffic counts as turning into time when the time saved is at least 0.9 × the bytes saved (${savedPct(threshold)}); ` +
      (verdict === 'consistent'
        ? 'the whole interval is above that.'
        : verdict === 'not-reproduced'
          ? 'the whole interval is below that.'
          : 'the interval straddles it.') +
      ' A 40% cut of attention traffic is what keeping about 60% of the blocks gives; how sparse GLM’s attention really is, and what accuracy that costs, a kernel benchmark cannot tell.' +
      prefillLine +
      softwareNote(ctx),
  };
}

/** "In a single cycle": the arithmetic of why not, and what fusion saves on the GPU that ran. */
export function checkSingleCycle(ctx: CheckContext): ClaimCheck {
  const model = ctx.estimate.model;
  const context = ctx.estimate.inputs.context;
  const macs = model.heads * model.headDim * context;
  const kBytes = (kvBytesPerToken(model) / model.layers / 2) * context;
  const card = chipById(ARTICLE_CARD_ID);
  const readUs = significant((kBytes / (card.bandwidthGBps * 1e9)) * 1e6);
  const pairs = fusionPairs(ctx.results);
  const speedups = pairs.map((pair) => pair.unfused.latencyMs.median / pair.fused.latencyMs.median);
  const largest = pairs.reduce<(typeof pairs)[number] | undefined>(
    (best, pair) => (best === undefined || pair.unfused.bytes > best.unfused.bytes ? pair : best),
    undefined,
  );
  const fusion =
    largest === undefined
      ? ' No unfused/fused pair ran in these results.'
      : ` On ${ctx.gpu}, fused kernels ran ${times(Math.min(...speedups))}–${times(Math.max(...speedups))} as fast as three separate passes over ${pairs.length} pair${pairs.length === 1 ? '' : 's'}; on the largest problem fusion avoided ${printed(Math.max(0, largest.unfused.bytes - largest.fused.bytes) / 1e6)} MB of memory traffic per call (the score matrix written and read back).`;
  return {
    verdict: 'mechanism-only',
    measured: largest === undefined ? undefined : `fused ${times(Math.max(...speedups))} unfused at best`,
    detail:
      `"In a single cycle" cannot be literal. One decode step of one ${model.name} layer at ${context} tokens computes QKᵀ as ${model.heads} heads × ${model.headDim} × ${context} = ${macs.toLocaleString('en-US')} multiply-adds, and must first read K: ${printed(kBytes / 1e6)} MB, which takes ${printed(readUs)} µs even at the ${card.name}’s ${printed(card.bandwidthGBps)} GB/s — ${printed(readUs * 1000, 3)} cycles of a chip clocked at 1 GHz. ` +
      'The softmax needs the maximum of all scores before it can normalise any, another dependency no single cycle holds. What fusion really saves is writing the scores to memory and reading them back, plus kernel launches; that is the mechanism shown here.' +
      fusion,
  };
}

/** Bandwidth utilisation from memory-bound results paired with the read probe, caches excluded. */
export function checkBandwidthUtilisation(ctx: CheckContext): ClaimCheck {
  const isSoftware = ctx.results.environment.adapter.isSoftware;
  const memoryBound = timedResults(ctx.results, MEMORY_BOUND_OPS).filter(isMemoryBound);
  const paired = memoryBound.flatMap((result) => {
    const share = readProbeShare(result);
    return share === undefined ? [] : [{ result, share, ws: workingSetBytes(result) ?? 0 }];
  });
  const inflated = paired.filter((entry) => entry.share.estimate > 1);
  const large = paired.filter(
    (entry) => entry.share.estimate <= 1 && (isSoftware || entry.ws >= UNCACHED_WORKING_SET_BYTES),
  );
  // A decode step is named by its model and weight format; other results by op and kernel.
  const label = (result: Evidence) =>
    result.op === result.kernel
      ? [result.op, result.params.model, result.params.format].filter((part) => part !== undefined).join(' ')
      : `${result.op} ${result.kernel}`;
  const inflatedLine =
    inflated.length === 0
      ? ''
      : ` Above 100% of the read probe (a cache served part of the traffic, or load slowed the probe more than the kernel), so not counted: ${inflated
          .slice(0, 4)
          .map((entry) => `${label(entry.result)} ${pct(entry.share.estimate)}`)
          .join(', ')}.`;
  const unpaired = memoryBound.length - paired.length;
  const unpairedLine =
    unpaired > 0
      ? ` ${unpaired} memory-bound result${unpaired === 1 ? ' was' : 's were'} not timed beside the read probe and do not count.`
      : '';
  if (large.length === 0) {
    return {
      verdict: hardware(ctx, 'inconclusive'),
      detail: `No memory-bound result (GEMV, decode attention, decode step) in these results was timed interleaved with the read probe at a working set of at least ${UNCACHED_WORKING_SET_BYTES / 2 ** 20} MiB and stayed at or under 100% of it.${inflatedLine}${unpairedLine}${softwareNote(ctx)}`,
    };
  }
  const steps = large.filter((entry) => entry.result.op === 'decode-step');
  const pool = steps.length > 0 ? steps : large;
  const best = pool.reduce((a, b) => (b.share.estimate > a.share.estimate ? b : a));
  const verdict = againstThreshold(best.share, 0.88, 'higher');
  const d = decimalsAgainst(best.share, 0.88, pct);
  const sharePct = (fraction: number) => pct(fraction, d);
  return {
    verdict: hardware(ctx, verdict),
    measured: `${label(best.result)}: ${ciText(best.share, sharePct)} of the read probe`,
    detail:
      `On ${ctx.gpu}, ${label(best.result)} streamed ${ciText(best.share, sharePct)} of the read probe’s bandwidth, timed interleaved with it at a ${printed(best.ws / 2 ** 20)} MiB working set; against the article’s 88%: ${verdict === 'consistent' ? 'the whole interval is at or above it' : verdict === 'not-reproduced' ? 'the whole interval is below it' : 'the interval straddles it'}. ` +
      'Utilisation here is traffic ÷ what this memory delivers to a plain read, not ÷ the datasheet; the article does not say what it divides by.' +
      inflatedLine +
      unpairedLine +
      softwareNote(ctx),
  };
}

/** The floors of the physical audit on the article's (assumed) card, one line per weight format. */
export function auditLines(estimate: DecoderEstimate): string[] {
  const card = chipById(ARTICLE_CARD_ID);
  return WEIGHT_FORMATS.filter((format) => format !== 'f32').map((format) => {
    const floor = chipFloor(card, {
      model: estimate.model,
      format,
      context: estimate.inputs.context,
      batch: estimate.inputs.batch,
      cards: 1,
    });
    return `${format}: ${printed(floor.neededGB)} GB needed, ${floor.fits ? 'fits' : `does not fit (${floor.cardsNeeded} cards)`}; floor ${printed(floor.floorMs)} ms per step`;
  });
}

/** Latency from the projected GLM-130B decode step, with the physical audit that needs no GPU. */
export function checkLatency(ctx: CheckContext): ClaimCheck {
  const { estimate } = ctx;
  const { inputs } = estimate;
  const audit = ` Physical audit, ${estimate.model.name} at context ${inputs.context}, batch ${inputs.batch} on one ${chipById(ARTICLE_CARD_ID).name}: ${auditLines(estimate).join('; ')}. ${ARTICLE_CARD_ASSUMPTION}`;
  const projection = estimate.projection;
  const ci = estimate.msPerTokenCi;
  if (projection === undefined || ci === undefined) {
    return {
      verdict: hardware(ctx, 'inconclusive'),
      detail: `No verified ${estimate.model.name} decode step in ${inputs.format} in these results${estimate.measuredFormats.length > 0 ? ` (measured in ${estimate.measuredFormats.join(', ')}: choose that precision)` : ''}, so nothing was projected; one attention kernel says nothing about a whole model’s latency.${audit}${softwareNote(ctx)}`,
    };
  }
  const interval: Interval = { estimate: projection.msPerToken, ci95: ci };
  // A latency on a setup whose weights and KV cache do not fit cannot be reached: no verdict, as for
  // the cost.
  const verdict =
    inputs.cards === 1 && projection.fits ? againstThreshold(interval, 85, 'lower') : 'inconclusive';
  const step = estimate.step;
  return {
    verdict: hardware(ctx, verdict),
    measured: `projected ${ciText(interval, (v) => `${printed(v)} ms`)} per token on ${inputs.cards} card${inputs.cards === 1 ? '' : 's'} (${inputs.format}, context ${inputs.context}, batch ${inputs.batch})`,
    detail:
      `${capital(ctx.gpu)} as a ${estimate.model.name} decoder, projected from one measured layer${step?.tp && step.tp > 1 ? ` (a 1/${step.tp} tensor-parallel slice)` : ''}: ${projection.formulas.slice(0, 4).join('; ')}${step?.scaleFormula ? `; ${step.scaleFormula}` : ''}. ` +
      (inputs.cards !== 1
        ? 'The article’s figure is for one card; with more cards set, no verdict is given.'
        : !projection.fits
          ? `The weights and KV cache (${printed(projection.weightsGB + projection.kvCacheGB)} GB) do not fit in ${printed(inputs.memoryGB)} GiB (${printed(projection.capacityGB)} GB), so this latency cannot be reached on one card: no verdict is given.`
          : `Against the co-designed chip’s 85 ms on one card: ${verdict === 'consistent' ? 'the whole interval is at or under it' : verdict === 'not-reproduced' ? 'the whole interval is above it' : 'the interval straddles it'}.`) +
      audit +
      softwareNote(ctx),
  };
}

/** Tensor-core utilisation: not measurable from a page; the batch-1 arithmetic-intensity limit. */
export function checkTensorCores(ctx: CheckContext): ClaimCheck {
  const card = chipById(ARTICLE_CARD_ID);
  const tflops = card.fp16Tflops ?? 0;
  const batch = ctx.estimate.inputs.batch;
  const gemvTflops = significant((card.bandwidthGBps * batch) / 1000);
  const share = significant(gemvTflops / tflops, 3);
  const matmuls = matmulShares(ctx.results);
  const above = matmuls.filter((result) => (result.computeUtil ?? 0) > 1);
  const counted = matmuls.filter((result) => (result.computeUtil ?? 0) <= 1);
  const best = counted.reduce<Evidence | undefined>(
    (a, b) => (a === undefined || (b.computeUtil ?? 0) > (a.computeUtil ?? 0) ? b : a),
    undefined,
  );
  return {
    verdict: 'not-measurable',
    measured:
      best === undefined
        ? undefined
        : `${best.kernel} matmul ${pct(best.computeUtil ?? 0)} of the FMA probe (shader cores)`,
    detail:
      `WebGPU gives no access to tensor cores, so no page can measure their utilisation. The limit at decode: an fp16 GEMV does 2 FLOP per 2-byte weight, i.e. ${batch} FLOP per byte at batch ${batch}; at the ${card.name}’s ${printed(card.bandwidthGBps)} GB/s that is ${printed(gemvTflops)} TFLOP/s ${
        share <= 1
          ? `of its ${printed(tflops)} TFLOP/s fp16 tensor peak = ${printed(share * 100, 3)}%`
          : `, more than its ${printed(tflops)} TFLOP/s fp16 tensor peak: at this batch the weights are no longer the limit, the tensor cores are (compute-bound, up to 100%)`
      }. ` +
      'Batch-1 decoding cannot keep tensor cores above about 1% busy; a 95% figure can only describe large batches or prefill, which the article does not say.' +
      (best === undefined
        ? ''
        : ` On ${ctx.gpu}, the best matmul reached ${pct(best.computeUtil ?? 0)} of the FMA probe (ordinary shader cores, not the same kind of figure).`) +
      (above.length === 0
        ? ''
        : ` ${above.length} matmul result${above.length === 1 ? '' : 's'} above 100% of the FMA probe: flagged (the probe under-reads the ceiling) and not counted.`),
  };
}

/** Cost per 1M tokens from the projected step, KV cache counted in bytes and in memory. */
export function checkCost(ctx: CheckContext): ClaimCheck {
  const { estimate } = ctx;
  const { inputs } = estimate;
  const cost = estimate.cost;
  const floor = estimate.measuredFloor;
  const batches =
    floor === undefined
      ? ''
      : floor.maxBatch >= 1
        ? ` With ${inputs.cards} card${inputs.cards === 1 ? '' : 's'} of ${inputs.memoryGB} GB, batches 1–${floor.maxBatch} fit beside the weights (${printed(floor.weightsGB)} GB weights, ${printed(floor.kvGB / inputs.batch)} GB of KV cache per sequence).`
        : ` With ${inputs.cards} card${inputs.cards === 1 ? '' : 's'} of ${inputs.memoryGB} GB not even one sequence fits beside ${printed(floor.weightsGB)} GB of weights.`;
  if (cost === undefined) {
    return {
      verdict: hardware(ctx, 'inconclusive'),
      detail: `Neither a decode step nor the read probe ran in these results, so no throughput is known.${softwareNote(ctx)}`,
    };
  }
  const fits = estimate.projection?.fits ?? floor?.fits ?? false;
  const shown = `${dollarsText(cost.dollars)} per 1M tokens at $${printed(inputs.pricePerGpuHour)}/GPU-hour × ${inputs.cards}, batch ${inputs.batch}`;
  let verdict: Verdict = 'inconclusive';
  let why = `from ${cost.basis}, which decides nothing about $0.85`;
  if (!fits) why = `batch ${inputs.batch} does not fit in memory, so this cost cannot be reached`;
  else if (cost.ci95 !== undefined) {
    verdict = againstThreshold({ estimate: cost.dollars, ci95: cost.ci95 }, 0.85, 'lower');
    const d =
      2 +
      decimalsAgainst({ estimate: cost.dollars, ci95: cost.ci95 }, 0.85, (v, extra) =>
        dollarsText(v, 2 + extra),
      );
    why = `95% CI ${dollarsText(cost.ci95[0], d)}–${dollarsText(cost.ci95[1], d)} against the article’s $0.85: ${verdict === 'consistent' ? 'wholly at or under it' : verdict === 'not-reproduced' ? 'wholly above it' : 'straddling it'}`;
  }
  return {
    verdict: hardware(ctx, verdict),
    measured: shown,
    detail:
      `On ${ctx.gpu}: ${cost.throughput}; ${cost.formula} (${why}).${batches} ` +
      'The price per GPU-hour, precision, context, batch, cards and memory are your inputs: edit them. ' +
      'The article’s cost ratio (0.85 ÷ 1.20) equals its latency ratio (85 ÷ 120), as if the cost were derived from the latency at one price.' +
      softwareNote(ctx),
  };
}
