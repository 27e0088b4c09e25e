// What the page derives from a results file before showing it: labels for kernels and problems, the
// baseline each speed-up is taken against, a key that matches the same configuration across two runs,
// and the results file of a run still in progress (or one that ended without the harness's file).

import type { Gpu } from '../gpu/gpu.ts';
import { entryWithRole } from '../kernels/registry.ts';
import { ceilingsFrom } from '../measure/ceilings.ts';
import { describeEnvironment } from '../measure/environment.ts';
import { applyCeilings } from '../measure/models.ts';
import type { BenchResult, Environment, ParamValue, ResultsFile } from '../results/types.ts';
import { RESULTS_SCHEMA } from '../results/types.ts';
import { bytes, integer, sig } from './format.ts';

/** "flash", or "matmul (tfjs-webgpu)" for a peer library. */
export function kernelLabel(result: BenchResult): string {
  return result.impl === 'attnscope' ? result.kernel : `${result.kernel} (${result.impl})`;
}

function num(params: Record<string, ParamValue>, key: string): number | undefined {
  const value = params[key];
  return typeof value === 'number' ? value : undefined;
}

/** How far a mask's density may sit from the one asked for before the table says so (absolute). */
const DENSITY_SLACK = 0.05;

/**
 * "asked 30 %: sliding-window reaches 17 %" when a pattern could not give the density asked for (its
 * blocks come in whole windows, strides or rows); undefined when it came close.
 */
export function densityShortfall(result: BenchResult): string | undefined {
  const asked = result.params.targetDensity;
  const got = result.density;
  if (typeof asked !== 'number' || got === undefined || Math.abs(got - asked) <= DENSITY_SLACK)
    return undefined;
  const pattern = typeof result.params.pattern === 'string' ? result.params.pattern : 'the pattern';
  return `asked ${sig(asked * 100, 2)} %: ${pattern} reaches ${sig(got * 100, 2)} %`;
}

/** Parameters that say how a result was made, not what problem it is: never part of its description. */
const BOOKKEEPING = new Set(['scaledForSoftware', 'verifiedOn', 'seed', 'tuned', 'mask', 'maskDensity']);

/** The decode step: "GLM-130B · 1 row · context 2,048", then the weights' format and the KV cache. */
function weightsParts(p: Record<string, ParamValue>, main: string[], detail: string[]): void {
  if (typeof p.model === 'string') main.push(p.model);
  const rows = num(p, 'rows') ?? num(p, 'batch');
  if (rows !== undefined) main.push(`${integer(rows)} row${rows === 1 ? '' : 's'}`);
  const [k, n] = [num(p, 'k'), num(p, 'n')];
  if (k !== undefined && n !== undefined) main.push(`${integer(k)} → ${integer(n)}`);
  const context = num(p, 'context');
  if (context !== undefined) main.push(`context ${integer(context)}`);
  if (typeof p.format === 'string') detail.push(p.format);
  const groupSize = num(p, 'groupSize');
  if (groupSize !== undefined) detail.push(`groups of ${groupSize}`);
  if (p.kv === 'sparse') detail.push('sparse KV');
  const tp = num(p, 'tp');
  if (tp !== undefined && tp > 1) detail.push(`${tp} cards`);
}

/** The problem in a few words: main "h8 · 512 × 512 · d64", detail "bigbird · 25 % of blocks · block 64". */
export function problemParts(result: BenchResult): { main: string; detail: string } {
  const p = result.params;
  const main: string[] = [];
  const detail: string[] = [];
  const heads = num(p, 'heads');
  const seqQ = num(p, 'seqQ');
  const seqK = num(p, 'seqK');
  const headDim = num(p, 'headDim');
  if (result.op === 'attention' || result.op === 'decode') {
    if (heads !== undefined) main.push(`h${heads}`);
    if (seqQ !== undefined && seqK !== undefined) {
      main.push(
        result.op === 'decode' || seqQ !== seqK
          ? `q ${integer(seqQ)} · kv ${integer(seqK)}`
          : `${integer(seqQ)} × ${integer(seqK)}`,
      );
    }
    if (headDim !== undefined) main.push(`d${headDim}`);
    if (p.causal === true) main.push('causal');
    if (typeof p.pattern === 'string') detail.push(p.pattern);
    if (result.density !== undefined) detail.push(`${sig(result.density * 100, 2)} % of blocks`);
    const shortfall = densityShortfall(result);
    if (shortfall) detail.push(shortfall);
    const blockSize = num(p, 'blockSize');
    if (blockSize !== undefined) detail.push(`block ${blockSize}`);
  } else if (result.op === 'matmul') {
    const [m, k, n] = [num(p, 'm'), num(p, 'k'), num(p, 'n')];
    if (m !== undefined && k !== undefined && n !== undefined) {
      main.push(
        m === k && k === n
          ? `${integer(m)}³`
          : `${integer(m)} × ${integer(k)} · ${integer(k)} × ${integer(n)}`,
      );
    }
    if (p.bias === true) detail.push('bias');
    if (typeof p.activation === 'string' && p.activation !== 'none') detail.push(p.activation);
  } else if (result.op === 'gemv') {
    const [k, n, rows, group] = [num(p, 'k'), num(p, 'n'), num(p, 'rows'), num(p, 'groupSize')];
    if (k !== undefined && n !== undefined) main.push(`${integer(k)} × ${integer(n)}`);
    if (typeof p.format === 'string') main.push(group ? `${p.format}/g${group}` : p.format);
    if (rows !== undefined) main.push(`${rows} row${rows > 1 ? 's' : ''}`);
    if (typeof p.model === 'string')
      detail.push(`${p.model} ${typeof p.matrix === 'string' ? p.matrix : ''}`.trim());
  } else if (result.op === 'probe') {
    const size = num(p, 'bytes');
    if (size !== undefined) main.push(bytes(size));
    const threads = num(p, 'threads');
    if (threads !== undefined) main.push(`${integer(threads)} threads`);
  } else if (result.op === 'decode-step') {
    weightsParts(p, main, detail);
  }
  if (result.ceilingPair && (result.op === 'gemv' || result.op === 'decode')) {
    detail.push(`${sig(result.ceilingPair.ratio * 100, 2)} % of the read probe`);
  }
  if (result.residency) {
    detail.push(`resident ÷ streamed time per byte ${sig(result.residency.ratio, 2)}`);
  }
  if (main.length === 0 && detail.length === 0) {
    main.push(
      Object.entries(p)
        .filter(([key]) => !BOOKKEEPING.has(key))
        .map(([key, value]) => `${key} ${typeof value === 'number' ? sig(value) : String(value)}`)
        .join(' · '),
    );
  }
  return { main: main.join(' · '), detail: detail.join(' · ') };
}

/**
 * The warning a result above 100 % of its paired ceiling carries on the page (its label, and the
 * result's aboveCeiling text as the explanation); undefined for every other result.
 */
export function ceilingWarning(result: BenchResult): { label: string; title: string } | undefined {
  if (!result.verified || !result.latencyMs || !result.aboveCeiling) return undefined;
  const share = result.ceilingPair ? ` (${sig(result.ceilingPair.ratio * 100, 3)} % of the read probe)` : '';
  return { label: `⚠ above its ceiling${share}`, title: result.aboveCeiling };
}

/** The problem on one line. */
export function problemLabel(result: BenchResult): string {
  const { main, detail } = problemParts(result);
  return detail ? `${main} · ${detail}` : main;
}

/** What makes two results the same problem: the shape, and the mask when there is one. */
const SHAPE_KEYS = [
  'heads',
  'seqQ',
  'seqK',
  'headDim',
  'causal',
  'pattern',
  'blockSize',
  'targetDensity',
  'm',
  'k',
  'n',
  'bias',
  'activation',
  'bytes',
];

function shapeKey(result: BenchResult): string {
  return SHAPE_KEYS.map((key) => `${key}=${String(result.params[key] ?? '')}`).join(';');
}

/** Matches the same configuration in two runs (the sharer's and this one). */
export function configurationKey(result: BenchResult): string {
  const entries = Object.entries(result.params)
    .filter(([key]) => key !== 'seed')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${String(value)}`);
  return `${result.op}|${result.kernel}|${result.impl}|${result.density ?? ''}|${entries.join(';')}`;
}

export interface SpeedUp {
  value: number;
  against: string;
  /** For block-sparse: the ideal 1/density. */
  ideal?: number;
  /**
   * Which samples the ratio comes from: 'paired' (timed interleaved with the baseline: the median of the
   * per-pair ratios, the baseline's median in those pairs beside it) or 'separate' (the two rows' medians).
   */
  samples: 'paired' | 'separate';
  /** The baseline's median time in the samples the ratio comes from (ms). */
  baselineMs?: number;
  /** This result's median time in those samples (ms): its own median. */
  candidateMs: number;
  /** The paired ratio's 95 % interval, when the harness recorded it. */
  ci95?: [number, number];
}

/** The dense kernel a sparse result's speedupVsDense is taken against, by op (run.ts linkSparseResults). */
export function denseBaselineName(result: BenchResult): string {
  return result.op === 'decode' ? 'dense decode' : 'dense flash';
}

/** The baseline kernel a result's speed-up is measured against, by op. */
const BASELINE: Record<string, string> = {
  attention: entryWithRole('dense', 'baseline').name,
  matmul: entryWithRole('matmul', 'baseline').name,
};

/**
 * The speed-up shown in the table: block-sparse against dense flash (from the harness), other attention
 * kernels against unfused, matmul kernels against naive, on the same problem in the same run.
 */
export function speedUpOf(result: BenchResult, all: readonly BenchResult[]): SpeedUp | undefined {
  if (!result.verified || !result.latencyMs) return undefined;
  if (result.speedupVsDense !== undefined) {
    const paired = result.pairedBaselineMs !== undefined;
    return {
      value: result.speedupVsDense,
      against: denseBaselineName(result),
      ideal: result.density ? 1 / result.density : undefined,
      samples: paired ? 'paired' : 'separate',
      baselineMs: paired ? result.pairedBaselineMs : result.latencyMs.median * result.speedupVsDense,
      candidateMs: result.latencyMs.median,
      ci95: result.speedupCi95,
    };
  }
  const baselineName = BASELINE[result.op];
  if (!baselineName || (result.kernel === baselineName && result.impl === 'attnscope')) return undefined;
  if (result.density !== undefined) return undefined;
  const key = shapeKey(result);
  const baseline = all.find(
    (other) =>
      other.op === result.op &&
      other.kernel === baselineName &&
      other.impl === 'attnscope' &&
      other.density === undefined &&
      other.verified &&
      other.latencyMs &&
      shapeKey(other) === key,
  );
  if (!baseline?.latencyMs || result.latencyMs.median <= 0) return undefined;
  return {
    value: baseline.latencyMs.median / result.latencyMs.median,
    against: baselineName,
    samples: 'separate',
    baselineMs: baseline.latencyMs.median,
    candidateMs: result.latencyMs.median,
  };
}

export type RunStatus = 'running' | 'complete' | 'cancelled' | 'failed' | 'unknown';

export function statusOf(file: ResultsFile, running = false): RunStatus {
  if (running) return 'running';
  return file.status ?? 'unknown';
}

export const STATUS_TEXT: Record<RunStatus, string> = {
  running: 'Running — results so far',
  complete: 'Complete run',
  cancelled: 'Cancelled — partial results',
  failed: 'Failed — partial results',
  unknown: 'Run status not recorded',
};

/** The environment as the page sees it, for a run that ended without the harness's own file. */
export function environmentOf(gpu: Gpu): Environment {
  const timestamps = gpu.features.has('timestamp-query');
  return describeEnvironment(gpu, {
    source: timestamps ? 'timestamp-query' : 'wall-clock',
    quantized: timestamps && gpu.timestampQuantized,
    resolutionMs: timestamps ? (gpu.timestampQuantized ? 0.1 : 0.001) : 0.1,
  });
}

/**
 * A results file from the results seen so far. The harness fills GB/s, GFLOP/s and the shares of the
 * ceilings only at the end; here they are derived as the harness does, from the probes seen so far
 * (the results passed in are copied, not changed), so that a run in progress shows them too.
 */
export function partialFile(
  environment: Environment,
  results: BenchResult[],
  status: 'cancelled' | 'failed' | undefined,
  preset: string | undefined,
  version: string,
): ResultsFile {
  // As the harness does: the best verified probe of each kind.
  const ceilings = ceilingsFrom(results);
  const derived = results.map((result) => ({ ...result }));
  applyCeilings(
    derived.filter((result) => (result.latencyMs?.median ?? 0) > 0),
    ceilings,
  );
  return {
    schema: RESULTS_SCHEMA,
    createdAt: new Date().toISOString(),
    tool: { name: 'attnscope', version },
    status,
    preset,
    environment,
    ceilings,
    results: derived,
  };
}

/** Counts for the summary line. */
export function tally(file: ResultsFile): { total: number; verified: number; failed: number; noisy: number } {
  let verified = 0;
  let failed = 0;
  let noisy = 0;
  for (const result of file.results) {
    if (result.verified) verified++;
    else failed++;
    if (result.verified && result.latencyMs?.noisy) noisy++;
  }
  return { total: file.results.length, verified, failed, noisy };
}
