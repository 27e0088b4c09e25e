// Hand-made results for the article tests: a decode step of GLM-130B (one 1/8 tensor-parallel layer
// slice) with its per-op split and its read-probe pairing, sparse decode with its paired speed-up,
// and results files on a hardware or a software adapter.

import type { BenchResult, ParamValue, ResultsFile } from '../../src/results/types.ts';
import { makeResult, makeResultsFile } from './results-fixtures.ts';

export interface StepOptions {
  medianMs: number;
  ci95?: [number, number];
  format?: string;
  context?: number;
  batch?: number;
  share?: number;
  shareCi?: [number, number];
  workingSetBytes?: number;
  model?: string;
}

/** A verified decode-step result (fields from the agreed shape; the Op union may not list it yet). */
export function decodeStep(options: StepOptions): BenchResult {
  const ci = options.ci95 ?? [options.medianMs * 0.98, options.medianMs * 1.02];
  const ws = options.workingSetBytes ?? 2 ** 31;
  const share = options.share ?? 0.8;
  return {
    ...makeResult({
      id: `decode-step/${options.format ?? 'int4'}/${options.medianMs}`,
      kernel: 'decode-step',
      params: {
        model: options.model ?? 'glm-130b',
        format: options.format ?? 'int4',
        groupSize: 32,
        context: options.context ?? 2048,
        batch: options.batch ?? 1,
        tp: 8,
        kv: 'dense',
        layersCycled: 8,
        workingSetBytes: ws,
      },
      latencyMs: { median: options.medianMs, p10: ci[0], p90: ci[1], ci95: ci, samples: 40 },
      bytes: 130_000_000,
      flops: 0,
    }),
    op: 'decode-step',
    ceilingPair: {
      probe: 'read',
      ratio: share,
      ci95: options.shareCi ?? [share - 0.01, share + 0.01],
      workingSetBytes: ws,
    },
    ops: [
      { op: 'qkv', ms: options.medianMs * 0.2, bytes: 28e6 },
      { op: 'attention', ms: options.medianMs * 0.1, bytes: 7e6 },
      { op: 'out', ms: options.medianMs * 0.1, bytes: 9e6 },
      { op: 'ffn', ms: options.medianMs * 0.6, bytes: 86e6 },
    ],
  } as BenchResult;
}

/** A dense decode and a sparse decode keeping `density` of the KV blocks, paired, with its speed-up CI. */
export function sparseDecode(
  density: number,
  speedup: number,
  ci: [number, number] | undefined,
): BenchResult[] {
  const params: Record<string, ParamValue> = { heads: 32, seqQ: 1, seqK: 8192, headDim: 128, causal: false };
  const timing = (median: number) => ({
    median,
    p10: median,
    p90: median,
    ci95: [median, median] as [number, number],
    samples: 30,
  });
  const dense = makeResult({
    id: 'decode/dense',
    op: 'decode',
    kernel: 'decode',
    params,
    bytes: 1e8,
    latencyMs: timing(2),
  });
  const sparse = {
    ...makeResult({
      id: 'decode/sparse',
      op: 'decode',
      kernel: 'decode',
      params: { ...params, pattern: 'random', density, blockSize: 64 },
      bytes: 1e8 * (density + 0.005),
      latencyMs: timing(2 / speedup),
      density,
      speedupVsDense: speedup,
    }),
    ...(ci === undefined ? {} : { speedupCi95: ci }),
  } as BenchResult;
  return [dense, sparse];
}

/** A results file from a hardware adapter, or from SwiftShader when `software`. */
export function resultsOn(results: BenchResult[], software = false): ResultsFile {
  const file = makeResultsFile(results);
  file.environment.adapter = software
    ? file.environment.adapter
    : { vendor: 'nvidia', architecture: 'ampere', device: '', description: 'NVIDIA A100', isSoftware: false };
  return file;
}

/** A read probe of `gbps` (what the measured floor and the cost fall back to). */
export function readProbe(gbps: number): BenchResult {
  const bytes = 1e9;
  return makeResult({
    id: 'probe/read',
    op: 'probe',
    kernel: 'read',
    params: { bytes },
    bytes,
    flops: 0,
    latencyMs: {
      median: 1000 / gbps,
      p10: 1000 / gbps,
      p90: 1000 / gbps,
      ci95: [1000 / gbps, 1000 / gbps],
      samples: 10,
    },
  });
}
