// One results file on the page: where it was measured and how the run ended, the actions that take it
// elsewhere (link, JSON, CSV), the table, and the charts.

import { readGBps } from '../measure/ceilings.ts';
import type { ResultsFile } from '../results/types.ts';

import { displayName, softwareWarning } from './adapter-panel.ts';
import { h } from './dom.ts';
import { messageOf } from './error-area.ts';
import { duration, integer, sig, when } from './format.ts';
import { linkSetting } from './link-setting.ts';
import { peerTargetsView } from './peer-targets-view.ts';
import { STATUS_TEXT, statusOf, tally } from './results-model.ts';
import { resultsTable, type TableState } from './results-table.ts';
import { copyText, downloadCsv, downloadJson, shareLinkFor } from './share.ts';

export type Origin = 'here' | 'link' | 'import';

export interface ViewOptions {
  origin: Origin;
  running?: boolean;
  tableState?: TableState;
  onError: (message: string, title: string) => void;
}

/** "Chrome 156" from a user agent string, or the first words of it. */
export function browserName(userAgent: string): string {
  const match =
    /(Edg|Firefox|Chrome|Chromium)\/(\d+)/.exec(userAgent) ?? /Version\/(\d+).*(Safari)/.exec(userAgent);
  if (!match) return userAgent.slice(0, 40) || 'unknown browser';
  if (match[2] === 'Safari') return `Safari ${match[1]}`;
  return `${match[1] === 'Edg' ? 'Edge' : match[1]} ${match[2]}`;
}

function statusBadge(file: ResultsFile, running: boolean): HTMLElement {
  const status = statusOf(file, running);
  const kind = status === 'complete' ? 'ok' : status === 'running' || status === 'unknown' ? '' : 'warn';
  return h(
    'span',
    { class: `badge ${kind}`, testid: 'run-status', 'data-status': status },
    STATUS_TEXT[status],
  );
}

/** Where and how a run was measured, and how it ended. */
export function resultsSummary(file: ResultsFile, options: ViewOptions): HTMLElement {
  const counts = tally(file);
  const env = file.environment;
  const read = readGBps(file.results);
  const status = statusOf(file, options.running);
  const partial = status === 'cancelled' || status === 'failed';
  return h(
    'div',
    { class: 'summary' },
    h(
      'p',
      { class: 'summary-line' },
      statusBadge(file, options.running === true),
      options.origin !== 'here' ? h('span', { class: 'badge shared' }, 'not measured here') : null,
      h(
        'span',
        { class: 'summary-counts' },
        ` ${file.preset ? `${file.preset} preset · ` : ''}${integer(counts.total)} results: `,
        h('span', { class: 'ok-text' }, `${integer(counts.verified)} verified`),
        counts.failed > 0 ? h('span', { class: 'danger-text' }, `, ${integer(counts.failed)} failed`) : null,
        counts.noisy > 0 ? `, ${integer(counts.noisy)} noisy` : null,
        ` · ${when(file.createdAt)}`,
      ),
    ),
    h(
      'dl',
      { class: 'facts compact' },
      h('dt', {}, 'Measured on'),
      h(
        'dd',
        { testid: 'results-adapter' },
        displayName(env.adapter),
        env.adapter.isSoftware ? h('span', { class: 'badge warn' }, 'software') : null,
        h(
          'span',
          { class: 'muted' },
          ` · ${browserName(env.userAgent)} · ${env.runtime} · attnscope ${file.tool.version}`,
        ),
      ),
      h('dt', {}, 'Ceilings'),
      h(
        'dd',
        {},
        file.ceilings.copyGBps > 0
          ? `copy ${sig(file.ceilings.copyGBps)} GB/s`
          : 'copy bandwidth not measured',
        ' · ',
        read > 0 ? `read ${sig(read)} GB/s (what read-mostly decode can approach) · ` : '',
        file.ceilings.fmaGflops > 0
          ? `FMA ${sig(file.ceilings.fmaGflops)} GFLOP/s`
          : 'FMA compute not measured',
        h('span', { class: 'muted' }, ' (measured by the probes in the same run)'),
      ),
      h('dt', {}, 'Timer'),
      h(
        'dd',
        {},
        env.timing.source === 'timestamp-query' ? 'GPU timestamps' : 'wall clock',
        env.timing.quantized
          ? ` (rounded to ${duration(env.timing.resolutionMs)}; several calls per sample)`
          : '',
      ),
    ),
    partial
      ? h(
          'p',
          { class: 'callout warn', testid: 'partial-warning' },
          h(
            'strong',
            {},
            status === 'cancelled' ? 'Cancelled before the end. ' : 'The run failed before the end. ',
          ),
          `These ${integer(counts.total)} results were measured before it stopped; configurations it did not reach are missing. `,
          'The run is labelled partial wherever it goes, links and exports included.',
        )
      : null,
    env.adapter.isSoftware ? softwareWarning(env.adapter, options.origin === 'here') : null,
  );
}

/** Copy link, Export JSON, Export CSV. */
export function resultsActions(file: ResultsFile, options: ViewOptions): HTMLElement {
  const output = h('input', {
    type: 'text',
    readonly: true,
    class: 'share-url',
    testid: 'share-url',
    'aria-label': 'Share link',
    hidden: true,
  });
  const note = h('span', { class: 'muted share-note', 'aria-live': 'polite' });
  const copy = h('button', { type: 'button', testid: 'share-link' }, 'Copy link');
  // No link while a copy is under way, or while the link setting holds an address it refuses (the
  // setting says why).
  let blocked = false;
  let copying = false;
  copy.addEventListener('click', async () => {
    copying = true;
    copy.disabled = true;
    try {
      const link = await shareLinkFor(file);
      output.value = link;
      output.hidden = false;
      copy.dataset.href = link;
      const copied = await copyText(link);
      note.textContent = copied
        ? `Copied: ${integer(link.length)} characters. The results travel inside the link; no server sees them.`
        : `${integer(link.length)} characters; select and copy it.`;
      // The link selected for a copy by hand, unless the visitor has moved to another control while
      // the copy was under way (selecting it would take the focus, and their typing, from there).
      const focused = document.activeElement;
      if (focused === null || focused === document.body || focused === copy) output.select();
    } catch (error) {
      options.onError(messageOf(error), 'Copy link');
    } finally {
      copying = false;
      copy.disabled = blocked;
    }
  });
  const json = h('button', { type: 'button', class: 'secondary', testid: 'export-json' }, 'Export JSON');
  json.addEventListener('click', () => downloadJson(file));
  const csv = h('button', { type: 'button', class: 'secondary', testid: 'export-csv' }, 'Export CSV');
  csv.addEventListener('click', () => downloadCsv(file));
  const setting = linkSetting((ready) => {
    blocked = !ready;
    copy.disabled = blocked || copying;
    output.hidden = true;
    output.value = '';
    delete copy.dataset.href;
    note.textContent = '';
  });
  return h('div', { class: 'share' }, h('div', { class: 'actions' }, copy, json, csv, note), output, setting);
}

/** Summary, actions and table of one file; the charts go in the returned chart slot. */
export function resultsView(
  file: ResultsFile,
  options: ViewOptions,
): { element: HTMLElement; chartSlot: HTMLElement } {
  const chartSlot = h('div', { class: 'chart-slot' });
  const element = h(
    'div',
    {
      class: 'results-view',
      'data-origin': options.origin,
      'data-running': options.running ? 'true' : undefined,
    },
    resultsSummary(file, options),
    options.running ? null : resultsActions(file, options),
    resultsTable(file, options.tableState),
    peerTargetsView(file),
    chartSlot,
  );
  return { element, chartSlot };
}
