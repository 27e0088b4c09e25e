// Paired timings of a decode step beside the step's own pairing with the read probe: a sparse-KV layer
// against the same layer over dense KV, timed interleaved in one run (so machine load falls on both
// alike), reported as time saved against bytes saved with the CI of the per-pair ratios.

import type { DecodeStep } from '../model/decode-step.ts';
import type { SparseKvPair } from '../results/types.ts';
import { kernelSampler, measurePair, type PairedMeasurement } from './sample.ts';
import type { Timer } from './timing.ts';

/** A sampler that records one layer per call, cycling through the step's layers. */
export function layerSampler(timer: Timer, label: string, step: DecodeStep) {
  let layer = 0;
  return kernelSampler(timer, label, (pass) => {
    step.encodeLayer(pass, layer);
    layer = (layer + 1) % step.plan.layersCycled;
  });
}

/**
 * Time saved ÷ bytes saved from a pairing of the sparse layer (candidate) with the dense one
 * (baseline): the per-pair ratio r = dense ÷ sparse gives time saved 1 − 1/r, monotonic in r, so
 * the CI of r maps onto the CI of the ratio.
 */
export function sparseKvPair(
  ratio: PairedMeasurement['ratio'],
  denseMs: number,
  sparseBytes: number,
  denseBytes: number,
): SparseKvPair {
  const bytesSaved = 1 - sparseBytes / denseBytes;
  if (!(bytesSaved > 0)) {
    throw new Error(`sparse KV saves no bytes (${sparseBytes} of ${denseBytes}): nothing to compare`);
  }
  const saved = (r: number) => 1 - 1 / r;
  return {
    denseMs,
    timeSaved: saved(ratio.median),
    bytesSaved,
    ratio: saved(ratio.median) / bytesSaved,
    ci95: [saved(ratio.ci95[0]) / bytesSaved, saved(ratio.ci95[1]) / bytesSaved],
    pairs: ratio.pairs,
  };
}

/** Times the sparse-KV step interleaved with its dense-KV twin (both verified before). */
export async function timeSparseAgainstDense(
  timer: Timer,
  sparse: DecodeStep,
  dense: DecodeStep,
  label: string,
  options: { budgetMs: number; signal?: AbortSignal },
): Promise<{ pair: SparseKvPair; note: string }> {
  const paired = await measurePair(
    layerSampler(timer, 'decode-step', sparse),
    layerSampler(timer, 'decode-step-dense-kv', dense),
    `${label} vs dense KV`,
    options,
  );
  const pair = sparseKvPair(paired.ratio, paired.baseline.latencyMs.median, sparse.bytes, dense.bytes);
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  return {
    pair,
    note:
      `sparse KV timed interleaved with the same layer over dense KV (${pair.pairs} pairs, same load): ` +
      `time saved ${pct(pair.timeSaved)} for ${pct(pair.bytesSaved)} of the bytes saved, ratio ` +
      `${pair.ratio.toFixed(2)} (95% CI ${pair.ci95[0].toFixed(2)}–${pair.ci95[1].toFixed(2)}; target ≥ 0.9)`,
  };
}
