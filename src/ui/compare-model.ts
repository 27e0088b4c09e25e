// The side-by-side comparison of a shared run with one measured here, as figures: which results are
// the same configuration, each one's ratio with the range its two confidence intervals allow, and
// the geometric mean over all of them with its own 95 % interval. Recognises the same adapter seen
// from Node ("SwiftShader driver 5.0.0") and from a browser ("google swiftshader"). Pure.

import type { AdapterDescription, BenchResult, ResultsFile } from '../results/types.ts';
import { configurationKey } from './results-model.ts';

/** What names one adapter whatever runtime described it: vendor and architecture, else its description. */
export function adapterKey(adapter: AdapterDescription): string {
  const vendor = adapter.vendor.trim().toLowerCase();
  const architecture = adapter.architecture.trim().toLowerCase();
  if (vendor && architecture) return `${vendor}/${architecture}`;
  return (adapter.description || adapter.device || vendor || architecture).trim().toLowerCase();
}

export function sameAdapter(a: AdapterDescription, b: AdapterDescription): boolean {
  return adapterKey(a) !== '' && adapterKey(a) === adapterKey(b);
}

export interface ComparedRow {
  theirs: BenchResult;
  ours: BenchResult;
  /** Their median ÷ our median (above 1: faster here); undefined unless both are verified and timed. */
  ratio?: number;
  /** The ratio's range from the two medians' 95 % intervals: their low ÷ our high … their high ÷ our low. */
  range?: [number, number];
  /** The range covers 1×: the two cannot be told apart. */
  indistinguishable?: boolean;
}

export interface Comparison {
  rows: ComparedRow[];
  /**
   * Geometric mean of the ratios with a 95 % interval: the t-interval of the mean log ratio, widened to
   * the geometric means of the rows' own ranges; undefined without ratios.
   */
  geomean?: { value: number; ci95: [number, number]; count: number; indistinguishable: boolean };
  sameAdapter: boolean;
  /** Either side ran on a software adapter (its times measure a CPU and its load). */
  software: boolean;
}

/** Student's t for a two-sided 95 % interval, by degrees of freedom (1.96 beyond 30). */
function t95(df: number): number {
  const table = [12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23];
  if (df <= 0) return Number.POSITIVE_INFINITY;
  if (df <= table.length) return table[df - 1];
  return df <= 30 ? 2.04 + (2.23 - 2.04) * ((30 - df) / 20) : 1.96;
}

function rowFigures(theirs: BenchResult, ours: BenchResult): ComparedRow {
  const a = theirs.verified ? theirs.latencyMs : undefined;
  const b = ours.verified ? ours.latencyMs : undefined;
  if (!a || !b || !(a.median > 0) || !(b.median > 0)) return { theirs, ours };
  const range: [number, number] = [
    a.ci95[0] / Math.max(b.ci95[1], Number.MIN_VALUE),
    a.ci95[1] / Math.max(b.ci95[0], Number.MIN_VALUE),
  ];
  return {
    theirs,
    ours,
    ratio: a.median / b.median,
    range,
    indistinguishable: range[0] <= 1 && range[1] >= 1,
  };
}

/**
 * Pairs the configurations both runs measured and works out the ratios. Each configuration counts
 * once: a result repeated in a file (an id twice, or two results matched to one of ours) is compared
 * at its first appearance only, so it cannot weigh twice in the geometric mean or narrow its interval.
 */
export function compareRuns(theirs: ResultsFile, ours: ResultsFile): Comparison {
  // The harness's ids name a configuration; the parameter key is the fallback for files without them.
  const byId = new Map<string, BenchResult>();
  const byKey = new Map<string, BenchResult>();
  for (const r of ours.results) {
    if (!byId.has(r.id)) byId.set(r.id, r);
    if (!byKey.has(configurationKey(r))) byKey.set(configurationKey(r), r);
  }
  const rows: ComparedRow[] = [];
  // Each of ours pairs once; an id it already paired under (ids empty or alike) falls back to the key.
  const used = new Set<BenchResult>();
  for (const their of theirs.results) {
    const candidate = byId.get(their.id);
    const our =
      candidate && !used.has(candidate) && candidate.kernel === their.kernel && candidate.impl === their.impl
        ? candidate
        : byKey.get(configurationKey(their));
    if (!our || used.has(our)) continue;
    used.add(our);
    rows.push(rowFigures(their, our));
  }
  const timedRows = rows.filter((row) => row.ratio !== undefined && row.range !== undefined);
  const logs = timedRows.map((row) => Math.log(row.ratio ?? 1));
  let geomean: Comparison['geomean'];
  if (logs.length > 0) {
    const mean = logs.reduce((sum, x) => sum + x, 0) / logs.length;
    const variance =
      logs.length > 1 ? logs.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (logs.length - 1) : Number.NaN;
    const half =
      logs.length > 1 ? t95(logs.length - 1) * Math.sqrt(variance / logs.length) : Number.POSITIVE_INFINITY;
    // The spread between configurations, widened to the geometric mean of the rows' own ranges: the
    // noise of each measurement carries into the mean even when every row moved the same way.
    const meanLog = (pick: (range: [number, number]) => number) =>
      timedRows.reduce((sum, row) => sum + Math.log(pick(row.range ?? [1, 1])), 0) / timedRows.length;
    const ci95: [number, number] = [
      Math.min(Math.exp(mean - half), Math.exp(meanLog((range) => range[0]))),
      Math.max(Math.exp(mean + half), Math.exp(meanLog((range) => range[1]))),
    ];
    geomean = {
      value: Math.exp(mean),
      ci95,
      count: logs.length,
      indistinguishable: ci95[0] <= 1 && ci95[1] >= 1,
    };
  }
  return {
    rows,
    geomean,
    sameAdapter: sameAdapter(theirs.environment.adapter, ours.environment.adapter),
    software: theirs.environment.adapter.isSoftware || ours.environment.adapter.isSoftware,
  };
}
