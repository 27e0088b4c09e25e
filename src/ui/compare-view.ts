// Side by side: a shared (or imported) run and the same configurations measured here, the ratio per
// row with the range its two confidence intervals allow, and the geometric mean with its 95 % interval.
// Says when both sides are the same adapter (then any difference is load and run-to-run variation)
// and when either is a software adapter.

import type { ResultsFile } from '../results/types.ts';
import { displayName } from './adapter-panel.ts';
import { type ComparedRow, type Comparison, compareRuns } from './compare-model.ts';
import { type Child, h, tableWrap } from './dom.ts';
import { duration, integer } from './format.ts';
import { kernelLabel, problemLabel } from './results-model.ts';

function ratioText(value: number): string {
  return `${value.toFixed(2)}×`;
}

// The ratio, and under it the range its two medians' intervals allow (shown, not a tooltip: it says
// whether the ratio means anything).
function ratioCell(row: ComparedRow): Child {
  if (row.ratio === undefined || !row.range) return '—';
  const range = `95 % range ${ratioText(row.range[0])}–${ratioText(row.range[1])}`;
  const title = `${range} (from the two medians’ intervals)`;
  const colour = row.indistinguishable ? undefined : row.ratio > 1 ? 'ok-text' : 'danger-text';
  return h(
    'span',
    { class: colour, title, 'data-ratio': String(row.ratio) },
    ratioText(row.ratio),
    h(
      'span',
      { class: 'sub muted small', 'data-range': 'true' },
      row.indistinguishable ? `indistinguishable: ${range}` : range,
    ),
  );
}

function timeCell(result: ComparedRow['theirs']): string {
  if (!result.verified) return '✗ failed';
  return result.latencyMs ? duration(result.latencyMs.median) : '—';
}

function summary(comparison: Comparison, theirs: ResultsFile, ours: ResultsFile): HTMLElement {
  const g = comparison.geomean;
  let verdict: Child = null;
  if (g) {
    const interval = Number.isFinite(g.ci95[1])
      ? ` (95 % interval ${ratioText(g.ci95[0])}–${ratioText(g.ci95[1])} over ${integer(g.count)} configurations)`
      : ' (one configuration: no interval)';
    verdict = h(
      'strong',
      { testid: 'compare-verdict', 'data-indistinguishable': String(g.indistinguishable) },
      `Geometric mean: ${ratioText(g.value)}${interval}. `,
      g.indistinguishable
        ? 'Indistinguishable: the interval covers 1×.'
        : g.value > 1
          ? 'This GPU is faster on these configurations.'
          : 'The shared GPU is faster on these configurations.',
    );
  }
  return h(
    'div',
    {},
    h(
      'p',
      {},
      `${integer(comparison.rows.length)} configurations ran in both. `,
      'The ratio is the shared time ÷ the time here: above 1× this GPU is faster. ',
      verdict,
    ),
    comparison.sameAdapter
      ? h(
          'p',
          { class: 'callout warn', testid: 'compare-same-adapter' },
          h('strong', {}, 'The same adapter on both sides '),
          `(${displayName(ours.environment.adapter)}${theirs.environment.runtime !== ours.environment.runtime ? `, one run from ${theirs.environment.runtime}, one from ${ours.environment.runtime}` : ''}): `,
          'any difference is load on the machine and run-to-run variation, not hardware.',
        )
      : null,
    comparison.software
      ? h(
          'p',
          { class: 'callout warn', testid: 'compare-software' },
          h('strong', {}, 'Software adapter: '),
          `${[theirs, ours]
            .filter((file) => file.environment.adapter.isSoftware)
            .map((file) => (file === theirs ? 'the shared run' : 'the run here'))
            .join(' and ')} ran on the CPU (${[theirs, ours]
            .filter((file) => file.environment.adapter.isSoftware)
            .map((file) => displayName(file.environment.adapter))
            .filter((name, i, all) => all.indexOf(name) === i)
            .join(', ')}), so its times measure a CPU and whatever else that CPU was doing.`,
        )
      : null,
  );
}

/** The side-by-side view of the shared run `theirs` and the run measured here, `ours`. */
export function compareView(theirs: ResultsFile, ours: ResultsFile): HTMLElement {
  const comparison = compareRuns(theirs, ours);
  const rows = comparison.rows.map((row) =>
    h(
      'tr',
      {},
      h('td', {}, kernelLabel(row.theirs)),
      h('td', {}, problemLabel(row.theirs)),
      h('td', { class: 'num' }, timeCell(row.theirs)),
      h('td', { class: 'num' }, timeCell(row.ours)),
      h('td', { class: 'num' }, ratioCell(row)),
    ),
  );
  return h(
    'div',
    { class: 'compare', testid: 'compare' },
    summary(comparison, theirs, ours),
    comparison.rows.length === 0
      ? h(
          'p',
          { class: 'callout warn' },
          'No configuration matches: the two runs used different sizes (a software adapter runs a scaled-down preset).',
        )
      : tableWrap(
          h(
            'table',
            { class: 'results' },
            h(
              'caption',
              { class: 'visually-hidden' },
              'Each configuration in both runs: their median times and the ratio, with its 95% range',
            ),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { scope: 'col' }, 'Kernel'),
                h('th', { scope: 'col' }, 'Problem'),
                h('th', { scope: 'col', class: 'num' }, `Shared: ${displayName(theirs.environment.adapter)}`),
                h('th', { scope: 'col', class: 'num' }, `Here: ${displayName(ours.environment.adapter)}`),
                h('th', { scope: 'col', class: 'num' }, 'Shared ÷ here'),
              ),
            ),
            h('tbody', {}, ...rows),
          ),
        ),
  );
}
