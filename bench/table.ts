// The table `npm run bench` prints at the end: one row per result, speeds only for verified ones.
// Pure (string in, string out), so it can be tested and reused by scripts.

import { formatPeerTarget, peerTargets } from '../src/peers/targets.ts';
import type { BenchResult, ResultsFile } from '../src/results/types.ts';

const COLUMNS = [
  'kernel',
  'problem',
  'median ± CI (ms)',
  'GB/s',
  '% of copy',
  'GFLOP/s',
  'speed-up',
  'check',
] as const;

function num(x: number | undefined, digits = 3): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  if (x === 0) return '0';
  if (Math.abs(x) >= 1000) return x.toFixed(0);
  return x.toPrecision(digits);
}

function density(x: unknown): string {
  return String(Number(Number(x).toFixed(2)));
}

/** "h=2 s=256 d=64 sliding-window(w=5) 0.53", "256×256×256 +bias+gelu", "16 MiB", "12288×12288 int4/g32 ×1 read 93%". */
export function formatProblem(r: BenchResult): string {
  const p = r.params;
  if (r.op === 'probe') return `${Number(p.bytes) / (1024 * 1024)} MiB`;
  if (r.op === 'decode-step') {
    const group = p.groupSize ? `/g${p.groupSize}` : '';
    const tp = Number(p.tp) > 1 ? ` 1/${p.tp}` : '';
    const kv = p.kv === 'sparse' ? ` kv ${density(p.kvDensity)}` : '';
    const share = r.ceilingPair ? ` read ${(100 * r.ceilingPair.ratio).toFixed(0)}%` : '';
    return `${p.model} ${p.format}${group} ctx=${p.context} b=${p.batch}${tp}${kv}${share}`;
  }
  if (r.op === 'gemv') {
    const share = r.ceilingPair ? ` read ${(100 * r.ceilingPair.ratio).toFixed(0)}%` : '';
    return `${p.k}×${p.n} ${p.format}${p.groupSize ? `/g${p.groupSize}` : ''} ×${p.rows}${share}`;
  }
  if (r.op === 'matmul') {
    const epilogue = p.bias ? ` +bias${p.activation === 'gelu' ? '+gelu' : ''}` : '';
    return `${p.m}×${p.k}×${p.n}${epilogue}`;
  }
  const seq = p.seqQ === p.seqK ? `s=${p.seqK}` : `q=${p.seqQ} kv=${p.seqK}`;
  const readShare = r.ceilingPair ? ` read ${(100 * r.ceilingPair.ratio).toFixed(0)}%` : '';
  const asked =
    typeof p.targetDensity === 'number' &&
    typeof p.maskDensity === 'number' &&
    Math.abs(p.maskDensity - p.targetDensity) > 0.05
      ? ` (asked ${density(p.targetDensity)})`
      : '';
  const mask = p.mask
    ? ` ${String(p.mask)} ${density(p.maskDensity)}${asked}`
    : p.pattern
      ? ` ${String(p.pattern)} ~${density(p.targetDensity)}`
      : '';
  return `h=${p.heads} ${seq} d=${p.headDim}${p.causal ? ' causal' : ''}${mask}${readShare}`;
}

export function formatKernel(r: BenchResult): string {
  return r.impl === 'attnscope' ? r.kernel : `${r.impl} ${r.kernel}`;
}

/**
 * "1.42× vs 3.78 paired": the median of the per-pair ratios, and the dense baseline's median (ms) in
 * the same interleaved pairs that gave this row's median; "1.42× separate" when the two rows' own
 * medians gave it.
 */
export function speedupCell(r: BenchResult): string {
  if (r.speedupVsDense === undefined) return '';
  const value = `${r.speedupVsDense.toFixed(2)}×`;
  return r.pairedBaselineMs !== undefined
    ? `${value} vs ${num(r.pairedBaselineMs, 4)} paired`
    : `${value} separate`;
}

/** The lines under the table that say which samples each speed-up comes from (none without one). */
export function speedupFootnote(results: readonly BenchResult[]): string[] {
  const shown = results.filter((r) => r.verified && r.latencyMs && r.speedupVsDense !== undefined);
  if (shown.length === 0) return [];
  const lines = [
    'speed-up: sparse kernels against their dense baseline (block-sparse: flash; sparse decode: decode).',
  ];
  if (shown.some((r) => r.pairedBaselineMs !== undefined))
    lines.push(
      '  "vs X paired": timed interleaved with the baseline; the ratio is the median of the per-pair ratios and',
      "  X is the baseline's median (ms) in those same pairs, beside this row's median from them. The",
      "  baseline's own row is a separate measurement, so its median can differ.",
    );
  if (shown.some((r) => r.pairedBaselineMs === undefined))
    lines.push('  "separate": the ratio of the two rows\' own medians (the pair could not be timed).');
  return lines;
}

function row(r: BenchResult): string[] {
  if (!r.verified || !r.latencyMs) {
    const error = (r.error ?? 'not verified').split('\n')[0];
    return [formatKernel(r), formatProblem(r), '—', '—', '—', '—', '—', `FAILED: ${error}`];
  }
  const l = r.latencyMs;
  const halfWidth = Math.max(l.median - l.ci95[0], l.ci95[1] - l.median);
  const median = `${num(l.median, 4)} ± ${num(halfWidth, 2)}${l.noisy ? ' noisy' : ''}`;
  const pct = r.bwUtil === undefined ? '—' : `${(100 * r.bwUtil).toFixed(1)}%`;
  const speedup = speedupCell(r);
  const check = r.aboveCeiling ? '✓ ABOVE ITS CEILING (see below)' : '✓';
  return [formatKernel(r), formatProblem(r), median, num(r.gbps), pct, num(r.gflops), speedup, check];
}

/** The lines under the table naming each result above 100 % of its paired ceiling, and why (none without one). */
export function ceilingFootnote(results: readonly BenchResult[]): string[] {
  const flagged = results.filter((r) => r.verified && r.latencyMs && r.aboveCeiling);
  return flagged.map((r) => `! ${formatKernel(r)} ${formatProblem(r)}: ${r.aboveCeiling}`);
}

/** The results as an aligned text table. */
export function formatTable(file: Pick<ResultsFile, 'results'>, maxWidth = 160): string {
  const rows = file.results.map(row);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  // Let the last column (check) run long; cap the problem column so rows stay readable.
  widths[1] = Math.min(widths[1], 44);
  const clip = (cell: string, w: number) => (cell.length > w ? `${cell.slice(0, w - 1)}…` : cell.padEnd(w));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : clip(c, widths[i])))
      .join('  ')
      .slice(0, maxWidth)
      .trimEnd();
  const header = line(COLUMNS);
  return [
    header,
    '-'.repeat(Math.min(header.length, maxWidth)),
    ...rows.map(line),
    ...speedupFootnote(file.results),
    ...ceilingFootnote(file.results),
  ].join('\n');
}

/**
 * The targets against ONNX Runtime Web, one line each (ratio and problem, or why there is none);
 * empty when the run has neither ORT results nor any of the three kernels they are held against.
 */
export function peerTargetLines(results: readonly BenchResult[]): string[] {
  const targets = peerTargets(results);
  const relevant = results.some(
    (r) => r.impl.startsWith('onnxruntime-web') || targets.some((t) => t.ours === r.kernel),
  );
  if (!relevant) return [];
  return [
    'Targets against ONNX Runtime Web (ORT median ÷ ours at the largest problem both verified; ≥ 1.0× holds):',
    ...targets.map((t) => `  ${formatPeerTarget(t)}`),
  ];
}
