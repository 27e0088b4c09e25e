// The charts under the results table, drawn with uPlot (loaded only when there is something to draw):
// latency against sequence length per kernel; block-sparse speed-up against density with the ideal
// 1/density; a roofline (log-log intensity against GFLOP/s under the measured bandwidth and compute
// ceilings). Bandwidth use per kernel beside the article's 65 % and 88 % is a plain HTML bar chart.

import type uPlot from 'uplot';
import type { BenchResult, ResultsFile } from '../results/types.ts';
import { h } from './dom.ts';
import { duration, percent, ratio, sig } from './format.ts';
import { kernelLabel } from './results-model.ts';

const PALETTE = ['#0b5cad', '#d1495b', '#00876c', '#8e44ad', '#c77700', '#3a8fd6', '#444444', '#a05a2c'];
const INK = '#1a1d21';
const GRID = '#e3e6ea';

/** The article's figures for memory bandwidth utilisation (A100 → co-designed chip). */
export const ARTICLE_BANDWIDTH_UTILISATION = { a100: 0.65, coDesigned: 0.88 } as const;

type UPlotClass = typeof uPlot;
let uplotModule: Promise<UPlotClass> | undefined;

function loadUPlot(): Promise<UPlotClass> {
  uplotModule ??= Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(
    ([module]) =>
      (module as unknown as { default?: UPlotClass }).default ?? (module as unknown as UPlotClass),
  );
  return uplotModule;
}

function timed(results: readonly BenchResult[]): BenchResult[] {
  return results.filter((r) => r.verified && r.latencyMs && r.latencyMs.median > 0);
}

interface PointSeries {
  label: string;
  points: [number, number][];
  /** Drawn as a line through its points (else points only). */
  line: boolean;
  dash?: number[];
  color?: string;
}

/** uPlot wants one shared, sorted x array; each series gets nulls where it has no point. */
function alignSeries(series: PointSeries[]): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.points.map(([x]) => x)))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const columns = series.map((s) => {
    const column: (number | null)[] = new Array(xs.length).fill(null);
    for (const [x, y] of s.points) column[index.get(x) ?? 0] = y;
    return column;
  });
  return [xs, ...columns] as uPlot.AlignedData;
}

interface ChartSpec {
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

function latencySpec(results: readonly BenchResult[]): ChartSpec | undefined {
  const groups = new Map<string, [number, number][]>();
  for (const r of timed(results)) {
    if (r.op !== 'attention' || r.density !== undefined || typeof r.params.seqQ !== 'number') continue;
    const label = `${kernelLabel(r)}${r.params.causal === true ? ' (causal)' : ''}`;
    const points = groups.get(label) ?? [];
    points.push([r.params.seqQ, r.latencyMs?.median ?? 0]);
    groups.set(label, points);
  }
  if (groups.size === 0) return undefined;
  return {
    id: 'latency',
    title: 'Latency against sequence length',
    caption:
      'Dense attention, one line per kernel. Lower is faster. Unfused attention grows with the square of the sequence length in time and memory; flash keeps the scores out of memory.',
    xLabel: 'sequence length (queries = keys)',
    yLabel: 'time per call',
    xLog: true,
    yLog: true,
    series: [...groups].map(([label, points], i) => ({
      label,
      points: points.sort((a, b) => a[0] - b[0]),
      line: true,
      color: PALETTE[i % PALETTE.length],
    })),
    xFormat: (v) => sig(v),
    yFormat: (v) => duration(v),
  };
}

function sparseSpec(results: readonly BenchResult[]): ChartSpec | undefined {
  const groups = new Map<string, [number, number][]>();
  for (const r of timed(results)) {
    if (r.density === undefined || r.speedupVsDense === undefined) continue;
    const label = typeof r.params.pattern === 'string' ? r.params.pattern : kernelLabel(r);
    const points = groups.get(label) ?? [];
    points.push([r.density, r.speedupVsDense]);
    groups.set(label, points);
  }
  if (groups.size === 0) return undefined;
  const densities = [...groups.values()].flat().map(([d]) => d);
  const lo = Math.max(0.02, Math.min(...densities) * 0.8);
  const ideal: [number, number][] = [];
  for (let i = 0; i <= 40; i++) {
    const d = lo + ((1 - lo) * i) / 40;
    ideal.push([d, 1 / d]);
  }
  for (const d of densities) ideal.push([d, 1 / d]);
  return {
    id: 'sparse',
    title: 'Block-sparse speed-up against density',
    caption:
      'Speed-up of block-sparse attention over dense flash on the same problem, against the share of blocks kept. The dashed line is the ideal 1/density: time falling exactly with the work skipped.',
    xLabel: 'density (share of blocks kept)',
    yLabel: 'speed-up over dense',
    xLog: false,
    yLog: false,
    series: [
      {
        label: 'ideal 1/density',
        points: ideal.sort((a, b) => a[0] - b[0]),
        line: true,
        dash: [6, 5],
        color: '#777777',
      },
      ...[...groups].map(([label, points], i) => ({
        label,
        points: points.sort((a, b) => a[0] - b[0]),
        line: true,
        color: PALETTE[i % PALETTE.length],
      })),
    ],
    xFormat: (v) => percent(v),
    yFormat: (v) => ratio(v),
  };
}

function rooflineSpec(file: ResultsFile): ChartSpec | undefined {
  const groups = new Map<string, [number, number][]>();
  for (const r of timed(file.results)) {
    if (r.op === 'probe' || !(r.flops > 0) || !(r.bytes > 0) || r.gflops === undefined) continue;
    const label =
      r.impl !== 'attnscope'
        ? `peers (${r.impl})`
        : r.op === 'attention' && r.density !== undefined
          ? 'block-sparse'
          : r.op;
    const points = groups.get(label) ?? [];
    points.push([r.intensity ?? r.flops / r.bytes, r.gflops]);
    groups.set(label, points);
  }
  if (groups.size === 0) return undefined;
  const { copyGBps, fmaGflops } = file.ceilings;
  const series: PointSeries[] = [...groups].map(([label, points], i) => ({
    label,
    points,
    line: false,
    color: PALETTE[i % PALETTE.length],
  }));
  if (copyGBps > 0 && fmaGflops > 0) {
    const xs = series.flatMap((s) => s.points.map(([x]) => x));
    const lo = Math.min(...xs, fmaGflops / copyGBps) / 4;
    const hi = Math.max(...xs, fmaGflops / copyGBps) * 4;
    const roof: [number, number][] = [];
    for (let i = 0; i <= 48; i++) {
      const x = lo * (hi / lo) ** (i / 48);
      roof.push([x, Math.min(copyGBps * x, fmaGflops)]);
    }
    roof.push([fmaGflops / copyGBps, fmaGflops]);
    for (const x of xs) roof.push([x, Math.min(copyGBps * x, fmaGflops)]);
    series.unshift({
      label: `ceiling: ${sig(copyGBps)} GB/s copy, ${sig(fmaGflops)} GFLOP/s FMA`,
      points: roof.sort((a, b) => a[0] - b[0]),
      line: true,
      color: '#777777',
      dash: [6, 5],
    });
  }
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

function chartOptions(spec: ChartSpec, width: number): uPlot.Options {
  const axis = (label: string, format: (v: number) => string): uPlot.Axis => ({
    label,
    stroke: INK,
    grid: { stroke: GRID, width: 1 },
    ticks: { stroke: GRID, width: 1 },
    values: (_u, splits) => splits.map((v) => (v === null || v === undefined ? '' : format(v))),
    font: '12px system-ui, sans-serif',
    labelFont: '13px system-ui, sans-serif',
    size: 56,
  });
  return {
    width,
    height: 300,
    scales: {
      x: spec.xLog ? { time: false, distr: 3, log: spec.id === 'latency' ? 2 : 10 } : { time: false },
      y: spec.yLog ? { distr: 3, log: 10 } : { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
    },
    axes: [axis(spec.xLabel, spec.xFormat), { ...axis(spec.yLabel, spec.yFormat), size: 72 }],
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
    series: [
      { label: spec.xLabel, value: (_u, v) => (v === null || v === undefined ? '' : spec.xFormat(v)) },
      ...spec.series.map(
        (s): uPlot.Series => ({
          label: s.label,
          stroke: s.color,
          width: s.line ? 2 : 0,
          dash: s.dash,
          spanGaps: true,
          paths: s.line ? undefined : () => null,
          points: { show: !s.dash, size: s.line ? 6 : 9, fill: s.color, stroke: s.color },
          value: (_u, v) => (v === null || v === undefined ? '–' : spec.yFormat(v)),
        }),
      ),
    ],
  };
}

function figure(spec: { id: string; title: string; caption: string }, body: Node): HTMLElement {
  return h(
    'figure',
    { class: 'chart', 'data-chart': spec.id },
    h('h3', {}, spec.title),
    body,
    h('figcaption', { class: 'muted' }, spec.caption),
  );
}

function bandwidthFigure(results: readonly BenchResult[]): HTMLElement | undefined {
  const best = new Map<string, { util: number; count: number }>();
  for (const r of timed(results)) {
    if ((r.op !== 'attention' && r.op !== 'decode') || r.bwUtil === undefined) continue;
    const label = r.density !== undefined ? `${kernelLabel(r)}` : kernelLabel(r);
    const entry = best.get(label) ?? { util: 0, count: 0 };
    best.set(label, { util: Math.max(entry.util, r.bwUtil), count: entry.count + 1 });
  }
  if (best.size === 0) return undefined;
  const { a100, coDesigned } = ARTICLE_BANDWIDTH_UTILISATION;
  const scaleMax = Math.max(1, ...[...best.values()].map((b) => b.util));
  const at = (value: number) => `${((value / scaleMax) * 100).toFixed(2)}%`;
  const rows = [...best].map(([label, { util, count }]) =>
    h(
      'div',
      { class: 'bar-row', role: 'listitem' },
      h('span', { class: 'bar-label' }, label),
      h(
        'span',
        { class: 'bar-track' },
        barFill(at(util)),
        marker(at(a100), 'a100'),
        marker(at(coDesigned), 'codesign'),
      ),
      h(
        'span',
        { class: 'bar-value num' },
        percent(util),
        h('span', { class: 'muted small' }, ` best of ${count}`),
      ),
    ),
  );
  const body = h(
    'div',
    { class: 'bars' },
    h(
      'p',
      { class: 'bar-legend' },
      h('span', { class: 'key a100' }, ''),
      ` article, NVIDIA A100: ${percent(a100)}`,
      h('span', { class: 'key codesign' }, ''),
      ` article, co-designed chip: ${percent(coDesigned)}`,
    ),
    h('div', { role: 'list', 'aria-label': 'Best share of the copy bandwidth per kernel' }, ...rows),
  );
  return figure(
    {
      id: 'bandwidth',
      title: 'Memory bandwidth use per kernel',
      caption:
        'Each kernel’s best share of the copy probe’s bandwidth (compulsory bytes ÷ time ÷ copy GB/s), beside the utilisation the article reports for an A100 (65 %) and the co-designed chip (88 %). Not the same measurement as the article’s — the article does not say how it measured — but the same idea.',
    },
    body,
  );
}

// Bar widths and marker positions are data-driven, so they are set through the CSSOM (allowed by the CSP).
function barFill(width: string): HTMLElement {
  const fill = h('span', { class: 'bar-fill' });
  fill.style.width = width;
  return fill;
}

function marker(left: string, kind: string): HTMLElement {
  const line = h('span', { class: `bar-marker ${kind}`, 'aria-hidden': 'true' });
  line.style.left = left;
  return line;
}

export interface DrawnCharts {
  element: HTMLElement;
  destroy(): void;
}

/** The charts for a results file; uPlot is fetched on first use. */
export async function drawCharts(file: ResultsFile, container: HTMLElement): Promise<DrawnCharts> {
  const specs = [latencySpec(file.results), sparseSpec(file.results), rooflineSpec(file)].filter(
    (s): s is ChartSpec => s !== undefined,
  );
  const element = h('div', { class: 'charts', testid: 'charts' });
  container.replaceChildren(element);
  const plots: uPlot[] = [];
  if (specs.length > 0) {
    const UPlot = await loadUPlot();
    for (const spec of specs) {
      const target = h('div', { class: 'plot', role: 'img', 'aria-label': `${spec.title}: ${spec.caption}` });
      const fig = figure(spec, target);
      element.append(fig);
      const width = Math.max(320, Math.min(target.clientWidth || element.clientWidth || 900, 1060));
      plots.push(new UPlot(chartOptions(spec, width), alignSeries(spec.series), target));
      fig.dataset.drawn = 'true';
    }
  }
  const bars = bandwidthFigure(file.results);
  if (bars) {
    bars.dataset.drawn = 'true';
    element.append(bars);
  }
  if (specs.length === 0 && !bars) {
    element.append(h('p', { class: 'muted' }, 'No verified timings to chart yet.'));
  }
  const onResize = () => {
    for (const plot of plots) {
      const parent = plot.root.parentElement;
      if (parent) plot.setSize({ width: Math.max(320, Math.min(parent.clientWidth, 1060)), height: 300 });
    }
  };
  window.addEventListener('resize', onResize);
  return {
    element,
    destroy() {
      window.removeEventListener('resize', onResize);
      for (const plot of plots) plot.destroy();
    },
  };
}
