// The charts under the results table, drawn with uPlot (loaded only when there is something to draw)
// from the specs in chart-specs.ts: latency against sequence length per kernel; sparse speed-up
// against density with the ideal 1/density; a roofline (log-log intensity against GFLOP/s under the
// measured bandwidth and compute ceilings). Bandwidth use per kernel beside the article's 65 % and
// 88 %, and latency per kernel when a run has one sequence length, are plain HTML bar charts.

import type uPlot from 'uplot';
import type { BenchResult, ResultsFile } from '../results/types.ts';
import {
  alignSeries,
  bandwidthLabel,
  type ChartSpec,
  chartAlternative,
  latencyAtOneLength,
  latencySpec,
  plottedPoints,
  rooflineSpec,
  sparseSpec,
  timed,
} from './chart-specs.ts';
import { h } from './dom.ts';
import { duration, integer, percent } from './format.ts';

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
    const label = bandwidthLabel(r);
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

/** With one sequence length the latency chart has nothing to draw a line through: a bar per kernel instead. */
function latencyBarsFigure(results: readonly BenchResult[]): HTMLElement | undefined {
  const single = latencyAtOneLength(results);
  if (!single || single.bars.length === 0) return undefined;
  const longest = Math.max(...single.bars.map((bar) => bar.ms));
  const rows = single.bars.map(({ label, ms }) =>
    h(
      'div',
      { class: 'bar-row', role: 'listitem' },
      h('span', { class: 'bar-label' }, label),
      h('span', { class: 'bar-track' }, barFill(`${((ms / longest) * 100).toFixed(2)}%`)),
      h('span', { class: 'bar-value num' }, duration(ms)),
    ),
  );
  return figure(
    {
      id: 'latency',
      title: `Latency at sequence length ${integer(single.seqLen)}`,
      caption: `Dense attention, one bar per kernel: time per call at the only sequence length this run measured (${integer(single.seqLen)}). Shorter is faster. A line against sequence length needs two lengths or more: run the standard preset, or a custom run with several sequence lengths.`,
    },
    h(
      'div',
      { class: 'bars' },
      h('div', { role: 'list', 'aria-label': 'Time per call per kernel' }, ...rows),
    ),
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

/** A plot as wide as its box, within 240–1060 px (a phone's screen is about 360). */
function plotWidth(available: number): number {
  return Math.max(240, Math.min(available, 1060));
}

export interface DrawnCharts {
  element: HTMLElement;
  destroy(): void;
}

/** The charts for a results file; uPlot is fetched on first use. */
export async function drawCharts(file: ResultsFile, container: HTMLElement): Promise<DrawnCharts> {
  const specs = [
    latencySpec(file.results),
    sparseSpec(file.results, 'attention'),
    sparseSpec(file.results, 'decode'),
    rooflineSpec(file),
  ].filter((s): s is ChartSpec => s !== undefined);
  const element = h('div', { class: 'charts', testid: 'charts' });
  container.replaceChildren(element);
  const latencyBars = latencyBarsFigure(file.results);
  if (latencyBars) {
    latencyBars.dataset.drawn = 'true';
    element.append(latencyBars);
  }
  const plots: uPlot[] = [];
  if (specs.length > 0) {
    const UPlot = await loadUPlot();
    for (const spec of specs) {
      const target = h('div', { class: 'plot', role: 'img', 'aria-label': chartAlternative(spec) });
      const fig = figure(spec, target);
      element.append(fig);
      const width = plotWidth(target.clientWidth || element.clientWidth || 900);
      const data = alignSeries(spec.series);
      plots.push(new UPlot(chartOptions(spec, width), data, target));
      fig.dataset.points = String(plottedPoints(spec, data));
      fig.dataset.drawn = 'true';
    }
  }
  const bars = bandwidthFigure(file.results);
  if (bars) {
    bars.dataset.drawn = 'true';
    element.append(bars);
  }
  if (specs.length === 0 && !bars && !latencyBars) {
    element.append(h('p', { class: 'muted' }, 'No verified timings to chart yet.'));
  }
  const onResize = () => {
    for (const plot of plots) {
      const parent = plot.root.parentElement;
      if (parent) plot.setSize({ width: plotWidth(parent.clientWidth), height: 300 });
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
