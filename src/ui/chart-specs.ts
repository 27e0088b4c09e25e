// What each chart under the results table shows, worked out from a results file without drawing
// anything (so it can be tested without a browser): latency against sequence length per kernel (or,
// with one sequence length, each kernel's time at it); block-sparse speed-up over dense flash and
// sparse decode speed-up over dense decode, against density, one series per kernel and pattern; a
// roofline with one point per verified configuration.

import type uPlot from 'uplot';
import type { BenchResult, ResultsFile } from '../results/types.ts';
import { duration, percent, ratio, sig } from './format.ts';
import { kernelLabel } from './results-model.ts';

export const PALETTE = [
  '#0b5cad',
  '#d1495b',
  '#00876c',
  '#8e44ad',
  '#c77700',
  '#3a8fd6',
  '#444444',
  '#a05a2c',
];

export function timed(results: readonly BenchResult[]): BenchResult[] {
  return results.filter((r) => r.verified && r.latencyMs && r.latencyMs.median > 0);
}

export interface PointSeries {
  label: string;
  points: [number, number][];
  /** Drawn as a line through its points (else points only). */
  line: boolean;
  dash?: number[];
  color?: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  caption: string;
  xLabel: string;
  yLabel: string;
  xLog: boolean;
  yLog: boolean;
  series: PointSeries[];
  xFormat: (v: number) => string;
  yFormat: (v: number) => string;
}

/**
 * A chart's text alternative (its drawing is an image to a screen reader, legend included): what it
 * plots, its series by name, and where the figures are. The caption is shown beside it, not repeated.
 */
export function chartAlternative(spec: ChartSpec): string {
  const names = spec.series.map((s) => s.label);
  return `${spec.title}: ${spec.yLabel} against ${spec.xLabel}${spec.xLog || spec.yLog ? ' (log scale)' : ''}; ${names.length} series: ${names.join(', ')}. Each point is a row of the results table.`;
}

// Two points of one series at the same x would share one slot of uPlot's x array (the second
// overwriting the first); each repeat moves this much further along x instead, invisible on the chart.
const REPEAT_NUDGE = 1e-9;

/**
 * uPlot wants one shared, sorted x array; each series gets nulls where it has no point. Points of one
 * series at the same x each keep a slot of their own (x nudged by a relative 1e-9 per repeat), so no
 * point overwrites another.
 */
export function alignSeries(series: readonly PointSeries[]): uPlot.AlignedData {
  const placed = series.map((s) => {
    const seen = new Map<number, number>();
    return s.points.map(([x, y]): [number, number] => {
      const repeat = seen.get(x) ?? 0;
      seen.set(x, repeat + 1);
      return [repeat === 0 ? x : x * (1 + REPEAT_NUDGE * repeat) || REPEAT_NUDGE * repeat, y];
    });
  });
  const xs = [...new Set(placed.flatMap((points) => points.map(([x]) => x)))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const columns = placed.map((points) => {
    const column: (number | null)[] = new Array(xs.length).fill(null);
    for (const [x, y] of points) column[index.get(x) ?? 0] = y;
    return column;
  });
  return [xs, ...columns] as uPlot.AlignedData;
}

/** How many points of the point-only series (not lines, not the roof) the aligned data draws. */
export function plottedPoints(spec: ChartSpec, data: uPlot.AlignedData): number {
  let count = 0;
  spec.series.forEach((s, i) => {
    if (s.line) return;
    for (const y of data[i + 1] as (number | null)[]) if (y !== null && y !== undefined) count++;
  });
  return count;
}

function distinctSeqLengths(results: readonly BenchResult[]): number[] {
  const lengths = new Set<number>();
  for (const r of denseAttention(results)) lengths.add(r.params.seqQ as number);
  return [...lengths].sort((a, b) => a - b);
}

/** Attention over every key: no block-sparse kernel, and no dense kernel run under a mask pattern. */
function denseAttention(results: readonly BenchResult[]): BenchResult[] {
  return timed(results).filter(
    (r) =>
      r.op === 'attention' &&
      r.density === undefined &&
      r.params.pattern === undefined &&
      typeof r.params.seqQ === 'number',
  );
}

/**
 * One series per label, in the order labels first appear, coloured from the palette in turn. `point`
 * gives a result's label and point, or undefined to leave it out; a line's points are sorted by x.
 */
function seriesBy(
  results: readonly BenchResult[],
  point: (r: BenchResult) => [label: string, x: number, y: number] | undefined,
  line: boolean,
): PointSeries[] {
  const groups = new Map<string, [number, number][]>();
  for (const r of results) {
    const found = point(r);
    if (!found) continue;
    const [label, x, y] = found;
    const points = groups.get(label) ?? [];
    points.push([x, y]);
    groups.set(label, points);
  }
  return [...groups].map(([label, points], i) => ({
    label,
    points: line ? points.sort((a, b) => a[0] - b[0]) : points,
    line,
    color: PALETTE[i % PALETTE.length],
  }));
}

function latencyLabel(r: BenchResult): string {
  return `${kernelLabel(r)}${r.params.causal === true ? ' (causal)' : ''}`;
}

/**
 * A bar of the bandwidth chart: the kernel and the problem it ran, so that flash on prefill and on a
 * decode problem, or decode over dense and over sparse KV, are not one bar.
 */
export function bandwidthLabel(r: BenchResult): string {
  if (r.op !== 'decode') return `${kernelLabel(r)} · prefill`;
  const sparse = r.density !== undefined || r.params.pattern !== undefined;
  return `${kernelLabel(r)} · decode, ${sparse ? 'sparse' : 'dense'} KV`;
}

/** Latency against sequence length, one line per kernel: only with two or more sequence lengths. */
export function latencySpec(results: readonly BenchResult[]): ChartSpec | undefined {
  if (distinctSeqLengths(results).length < 2) return undefined;
  const series = seriesBy(
    denseAttention(results),
    (r) => [latencyLabel(r), r.params.seqQ as number, r.latencyMs?.median ?? 0],
    true,
  );
  return {
    id: 'latency',
    title: 'Latency against sequence length',
    caption:
      'Dense attention, one line per kernel. Lower is faster. Unfused attention grows with the square of the sequence length in time and memory; flash keeps the scores out of memory.',
    xLabel: 'sequence length (queries = keys)',
    yLabel: 'time per call',
    xLog: true,
    yLog: true,
    series,
    xFormat: (v) => sig(v),
    yFormat: (v) => duration(v),
  };
}

/**
 * With exactly one sequence length, the dense attention times at it, one bar per kernel (a line
 * against sequence length needs two lengths or more).
 */
export function latencyAtOneLength(
  results: readonly BenchResult[],
): { seqLen: number; bars: { label: string; ms: number }[] } | undefined {
  const lengths = distinctSeqLengths(results);
  if (lengths.length !== 1) return undefined;
  const bars = denseAttention(results).map((r) => ({ label: latencyLabel(r), ms: r.latencyMs?.median ?? 0 }));
  return { seqLen: lengths[0], bars };
}

const SPARSE_CHARTS = {
  attention: {
    id: 'sparse',
    title: 'Block-sparse speed-up against density',
    caption:
      'Speed-up of each block-sparse kernel over dense flash on the same problem, against the share of blocks kept, one line per kernel and mask pattern. The dashed line is the ideal 1/density: time falling exactly with the work skipped.',
  },
  decode: {
    id: 'sparse-decode',
    title: 'Sparse decode speed-up against density',
    caption:
      'Speed-up of decode over a block mask against dense decode on the same shape, against the share of blocks kept, one line per kernel and mask pattern. The dashed line is the ideal 1/density.',
  },
} as const;

/** Sparse speed-up against density for one op: block-sparse over dense flash, or sparse decode over dense decode. */
export function sparseSpec(
  results: readonly BenchResult[],
  op: 'attention' | 'decode',
): ChartSpec | undefined {
  const measured = seriesBy(
    timed(results),
    (r) => {
      if (r.op !== op || r.density === undefined || r.speedupVsDense === undefined) return undefined;
      const label =
        typeof r.params.pattern === 'string' ? `${kernelLabel(r)} · ${r.params.pattern}` : kernelLabel(r);
      return [label, r.density, r.speedupVsDense];
    },
    true,
  );
  if (measured.length === 0) return undefined;
  const densities = measured.flatMap((s) => s.points.map(([d]) => d));
  const lo = Math.max(0.02, Math.min(...densities) * 0.8);
  const ideal: [number, number][] = [];
  for (let i = 0; i <= 40; i++) {
    const d = lo + ((1 - lo) * i) / 40;
    ideal.push([d, 1 / d]);
  }
  for (const d of densities) ideal.push([d, 1 / d]);
  return {
    ...SPARSE_CHARTS[op],
    xLabel: 'density (share of blocks kept)',
    yLabel: op === 'decode' ? 'speed-up over dense decode' : 'speed-up over dense flash',
    xLog: false,
    yLog: false,
    series: [
      {
        label: 'ideal 1/density',
        points: [...new Map(ideal.map(([d, y]) => [d, y]))].sort((a, b) => a[0] - b[0]),
        line: true,
        dash: [6, 5],
        color: '#777777',
      },
      ...measured,
    ],
    xFormat: (v) => percent(v),
    yFormat: (v) => ratio(v),
  };
}

/** The results the roofline shows: every verified, timed configuration with FLOPs and bytes (probes aside). */
export function rooflineResults(results: readonly BenchResult[]): BenchResult[] {
  return timed(results).filter(
    (r) => r.op !== 'probe' && r.flops > 0 && r.bytes > 0 && r.gflops !== undefined,
  );
}

/** A roofline series: each peer, sparse attention, or the op (attention, decode, matmul, gemv …). */
function rooflineGroup(r: BenchResult): string {
  if (r.impl !== 'attnscope') return `peers (${r.impl})`;
  return r.op === 'attention' && r.density !== undefined ? 'sparse attention' : r.op;
}

export function rooflineSpec(file: ResultsFile): ChartSpec | undefined {
  const series = seriesBy(
    rooflineResults(file.results),
    (r) => [rooflineGroup(r), r.intensity ?? r.flops / r.bytes, r.gflops ?? 0],
    false,
  );
  if (series.length === 0) return undefined;
  const { copyGBps, fmaGflops } = file.ceilings;
  if (copyGBps > 0 && fmaGflops > 0) series.unshift(roof(series, copyGBps, fmaGflops));
  return {
    id: 'roofline',
    title: 'Roofline',
    caption:
      'Each point is one verified configuration: useful FLOP per byte of compulsory traffic against GFLOP/s, log-log. The dashed roof is the measuring GPU’s own limit, measured by the copy (bandwidth) and FMA (compute) probes in the same run. Points on the slope are memory-bound; under the flat part, compute-bound.',
    xLabel: 'arithmetic intensity (FLOP per byte)',
    yLabel: 'GFLOP/s',
    xLog: true,
    yLog: true,
    series,
    xFormat: (v) => sig(v),
    yFormat: (v) => sig(v),
  };
}

function roof(series: readonly PointSeries[], copyGBps: number, fmaGflops: number): PointSeries {
  const xs = series.flatMap((s) => s.points.map(([x]) => x));
  const lo = Math.min(...xs, fmaGflops / copyGBps) / 4;
  const hi = Math.max(...xs, fmaGflops / copyGBps) * 4;
  const points = new Map<number, number>();
  for (let i = 0; i <= 48; i++) {
    const x = lo * (hi / lo) ** (i / 48);
    points.set(x, Math.min(copyGBps * x, fmaGflops));
  }
  points.set(fmaGflops / copyGBps, fmaGflops);
  for (const x of xs) points.set(x, Math.min(copyGBps * x, fmaGflops));
  return {
    label: `ceiling: ${sig(copyGBps)} GB/s copy, ${sig(fmaGflops)} GFLOP/s FMA`,
    points: [...points].sort((a, b) => a[0] - b[0]),
    line: true,
    color: '#777777',
    dash: [6, 5],
  };
}
