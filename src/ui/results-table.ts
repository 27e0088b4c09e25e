// The results table (data-testid="results"): one row per configuration, sortable by any column, numbers
// right-aligned with their units. A result that did not match the reference shows its error and never a
// speed; a noisy timing is marked. What a cell's tooltip (title) adds also reaches readers without a
// pointer: as text for screen readers (srOnly), or behind a disclosure that the keyboard opens.

import type { BenchResult, ResultsFile } from '../results/types.ts';
import { cutText } from '../util/text.ts';
import { type Child, disclosure, h, keepFocus, replaceChildren, srOnly, tableWrap } from './dom.ts';
import { duration, percent, ratio, sig } from './format.ts';
import {
  ceilingWarning,
  kernelLabel,
  problemLabel,
  problemParts,
  type SpeedUp,
  speedUpOf,
} from './results-model.ts';

interface Row {
  index: number;
  result: BenchResult;
  speedUp: SpeedUp | undefined;
}

interface Column {
  key: string;
  label: string;
  title?: string;
  numeric: boolean;
  /** Sort value; undefined sorts last. */
  value: (row: Row) => number | string | undefined;
  cell: (row: Row) => Child | Child[];
}

function timed(row: Row): BenchResult | undefined {
  return row.result.verified ? row.result : undefined;
}

function spreadPercent(result: BenchResult): number | undefined {
  const latency = result.latencyMs;
  if (!latency || latency.median <= 0) return undefined;
  return Math.max(latency.ci95[1] - latency.median, latency.median - latency.ci95[0]) / latency.median;
}

const NOISY = 'The samples vary by more than 5 %: read this figure with care';
/** Failure messages longer than this show their start, and the rest behind a disclosure. */
const SHORT_MESSAGE = 140;

function medianCell(row: Row): Child[] {
  const result = timed(row);
  const latency = result?.latencyMs;
  if (!latency) return ['—'];
  const spread = spreadPercent(result);
  const detail =
    `median of ${latency.samples} samples; 95% CI ${duration(latency.ci95[0])} – ${duration(latency.ci95[1])}; ` +
    `p10 ${duration(latency.p10)}, p90 ${duration(latency.p90)}` +
    (latency.cv !== undefined ? `; CV ${percent(latency.cv)}` : '') +
    (latency.outliers ? `; ${latency.outliers} outliers kept` : '');
  return [
    h('span', { title: detail }, duration(latency.median)),
    spread !== undefined
      ? h('span', { class: 'spread', title: detail }, ` ± ${sig(spread * 100, 2)} %`)
      : null,
    srOnly(`; ${detail}`),
    latency.noisy ? h('span', { class: 'sub noisy', title: NOISY }, 'noisy', srOnly(`: ${NOISY}`)) : null,
  ];
}

function problemCell(row: Row): Child[] {
  const { main, detail } = problemParts(row.result);
  return [main, detail ? h('span', { class: 'sub muted small' }, detail) : null];
}

function checkCell(row: Row): Child[] {
  const result = row.result;
  const errors = `max abs error ${sig(result.maxAbsErr, 2)}, max rel error ${sig(result.maxRelErr, 2)}`;
  if (result.verified) {
    const warning = ceilingWarning(result);
    return [
      h('span', { class: 'check ok', title: errors }, '✓ matches', srOnly(` (${errors})`)),
      result.latencyMs ? null : h('span', { class: 'muted' }, ' (not timed)'),
      warning
        ? disclosure(
            { class: 'sub above-ceiling', title: warning.title, 'data-above-ceiling': 'true' },
            warning.label,
            h('span', { class: 'small' }, warning.title),
          )
        : null,
    ];
  }
  const message = result.error ?? 'did not match the reference';
  const full = `${message} (${errors})`;
  return [
    h('span', { class: 'check failed' }, '✗ failed'),
    message.length > SHORT_MESSAGE
      ? disclosure(
          { class: 'error-text', title: full, 'data-error': 'long' },
          cutText(message, SHORT_MESSAGE),
          h('span', { class: 'small' }, full),
        )
      : h('span', { class: 'error-text', title: full }, message, srOnly(` (${errors})`)),
  ];
}

/** Where a speed-up comes from, in words: which samples, and the two medians that give it. */
export function speedUpSource(speedUp: SpeedUp): string {
  const base = speedUp.baselineMs !== undefined ? duration(speedUp.baselineMs) : '—';
  if (speedUp.samples === 'paired') {
    return (
      `${speedUp.against} ${base} and this ${duration(speedUp.candidateMs)}, timed interleaved in the same pairs ` +
      `(same load); the speed-up is the median of the per-pair ratios${speedUp.ci95 ? `, 95 % CI ${ratio(speedUp.ci95[0])}–${ratio(speedUp.ci95[1])}` : ''}. ` +
      `The ${speedUp.against} row is a separate measurement.`
    );
  }
  return `${speedUp.against} ${base} ÷ this ${duration(speedUp.candidateMs)}: the two rows’ medians, same problem, same run`;
}

function speedUpCell(row: Row): Child[] {
  const speedUp = row.speedUp;
  if (!speedUp) return [''];
  const source = speedUpSource(speedUp);
  return [
    h('span', { title: source, 'data-speedup': String(speedUp.value) }, ratio(speedUp.value)),
    srOnly(`: ${source}`),
    speedUp.samples === 'paired' && speedUp.baselineMs !== undefined
      ? h(
          'span',
          { class: 'sub muted small', title: source, 'data-paired-baseline': String(speedUp.baselineMs) },
          `dense ${duration(speedUp.baselineMs)} in pairs`,
        )
      : null,
    speedUp.ideal !== undefined
      ? h('span', { class: 'sub muted small' }, `ideal ${ratio(speedUp.ideal)}`)
      : null,
  ];
}

/** A rate of a verified row, shown where the result has the work it divides (bytes or FLOPs), else '—'. */
function rateColumn(
  key: 'gbps' | 'bwUtil' | 'gflops',
  label: string,
  title: string,
  work: 'bytes' | 'flops',
  format: (value: number) => string,
): Column {
  return {
    key,
    label,
    title,
    numeric: true,
    value: (r) => timed(r)?.[key],
    cell: (r) => {
      const value = timed(r)?.[key];
      return value !== undefined && r.result[work] > 0 ? format(value) : '—';
    },
  };
}

const COLUMNS: Column[] = [
  {
    key: 'kernel',
    label: 'Kernel',
    numeric: false,
    value: (r) => kernelLabel(r.result),
    cell: (r) => h('span', { class: 'kernel', title: kernelLabel(r.result) }, kernelLabel(r.result)),
  },
  {
    key: 'problem',
    label: 'Problem',
    numeric: false,
    value: (r) => problemLabel(r.result),
    cell: problemCell,
  },
  {
    key: 'median',
    label: 'Median ± CI',
    title: 'GPU time per call: the median of the samples, ± the half-width of its 95 % confidence interval',
    numeric: true,
    value: (r) => timed(r)?.latencyMs?.median,
    cell: medianCell,
  },
  rateColumn('gbps', 'GB/s', 'Compulsory memory traffic of the algorithm ÷ time', 'bytes', sig),
  rateColumn(
    'bwUtil',
    '% of copy',
    'GB/s as a share of the copy probe’s bandwidth measured in the same run',
    'bytes',
    percent,
  ),
  rateColumn(
    'gflops',
    'GFLOP/s',
    'Useful floating-point operations (2 per multiply-add) ÷ time',
    'flops',
    sig,
  ),
  {
    key: 'speedup',
    label: 'Speed-up',
    title:
      'Block-sparse against dense flash, sparse decode against dense decode (timed interleaved in pairs: the baseline’s median in those pairs is shown beside); other attention kernels against unfused; matmul against naive (the two rows’ medians)',
    numeric: true,
    value: (r) => r.speedUp?.value,
    cell: speedUpCell,
  },
  {
    key: 'check',
    label: 'Check',
    title: 'Compared with the CPU reference (f64)',
    numeric: false,
    value: (r) => (r.result.verified ? 1 : 0),
    cell: checkCell,
  },
];

export interface TableState {
  sortKey: string | undefined;
  descending: boolean;
}

function compare(a: number | string | undefined, b: number | string | undefined): number {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), 'en', { numeric: true });
}

/** The table for file, sortable in place; `state` keeps the sort across re-renders of a live run. */
export function resultsTable(
  file: ResultsFile,
  state: TableState = { sortKey: undefined, descending: false },
): HTMLElement {
  const rows: Row[] = file.results.map((result, index) => ({
    index,
    result,
    speedUp: speedUpOf(result, file.results),
  }));
  const table = h('table', { class: 'results', testid: 'results' });
  const caption = h(
    'caption',
    { class: 'visually-hidden' },
    'Benchmark results; column headers sort the table',
  );
  const headRow = h('tr', {});
  const body = h('tbody', {});

  const render = () => {
    const sorted = [...rows];
    const column = COLUMNS.find((c) => c.key === state.sortKey);
    if (column) {
      sorted.sort((a, b) => {
        const va = column.value(a);
        const vb = column.value(b);
        if (va === undefined || vb === undefined) return compare(va, vb);
        const order = compare(va, vb);
        return (state.descending ? -order : order) || a.index - b.index;
      });
    }
    replaceChildren(
      body,
      ...sorted.map((row) =>
        h(
          'tr',
          {
            class: row.result.verified ? undefined : 'failed',
            'data-kernel': row.result.kernel,
            'data-op': row.result.op,
          },
          ...COLUMNS.map((c) => {
            const content = c.cell(row);
            return h(
              'td',
              { class: c.numeric ? 'num' : undefined, 'data-col': c.key, 'data-label': c.label },
              ...(Array.isArray(content) ? content : [content]),
            );
          }),
        ),
      ),
    );
    replaceChildren(
      headRow,
      ...COLUMNS.map((c) => {
        const sorted = state.sortKey === c.key;
        const button = h(
          'button',
          { type: 'button', class: 'sort', title: c.title, testid: `sort-${c.key}` },
          c.label,
          h(
            'span',
            { class: 'sort-mark', 'aria-hidden': 'true' },
            sorted ? (state.descending ? ' ▼' : ' ▲') : ' ↕',
          ),
        );
        button.addEventListener('click', () => {
          if (state.sortKey === c.key) state.descending = !state.descending;
          else {
            state.sortKey = c.key;
            state.descending = c.numeric && c.key !== 'median';
          }
          keepFocus(render);
        });
        return h(
          'th',
          {
            scope: 'col',
            class: c.numeric ? 'num' : undefined,
            'data-col': c.key,
            'aria-sort': sorted ? (state.descending ? 'descending' : 'ascending') : undefined,
          },
          button,
        );
      }),
    );
  };
  render();
  table.append(caption, h('thead', {}, headRow), body);
  return tableWrap(table);
}
