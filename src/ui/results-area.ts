// What the results area shows and when: this browser's runs, a run in progress, results shared
// through a link or imported from a file, and the two side by side; the tabs between them, the banner
// over shared results, and the charts drawn once a run has ended. The claims follow whatever is shown.

import type { PresetName } from '../measure/presets.ts';
import { PRESET_NAMES } from '../measure/presets.ts';
import type { ResultsFile } from '../results/types.ts';
import { displayName } from './adapter-panel.ts';
import type { DrawnCharts } from './charts.ts';
import { renderClaims } from './claims-area.ts';
import { compareView } from './compare-view.ts';
import { device } from './device.ts';
import { byId, h, keepFocus, replaceChildren, show } from './dom.ts';
import { messageOf, showError } from './error-area.ts';
import { integer, when } from './format.ts';
import type { TableState } from './results-table.ts';
import { type Origin, resultsView } from './results-view.ts';
import type { RunPanel, RunRequest } from './run-panel.ts';

interface Other {
  file: ResultsFile;
  origin: Exclude<Origin, 'here'>;
  /** The imported file's name. */
  name?: string;
}

type View = 'own' | 'other' | 'compare';

export const app = {
  /** This browser's runs, newest first (kept in local storage). */
  ownRuns: [] as ResultsFile[],
  ownIndex: 0,
  other: undefined as Other | undefined,
  view: 'own' as View,
  /** The run in progress: its results so far. */
  live: undefined as ResultsFile | undefined,
  controller: undefined as AbortController | undefined,
  /** The own run to compare the other with (the run started from the shared banner). */
  compareRun: undefined as ResultsFile | undefined,
  tableState: { sortKey: undefined, descending: false } as TableState,
  charts: undefined as DrawnCharts | undefined,
  panel: undefined as RunPanel | undefined,
  /** Starts a run (set by run-control.ts); compare: show it beside the other results when it ends. */
  startRun: undefined as ((request: RunRequest, compare: boolean) => void) | undefined,
};

function displayed(): { file: ResultsFile; origin: Origin; running: boolean } | undefined {
  if (app.live) return { file: app.live, origin: 'here', running: true };
  if (app.view === 'other' && app.other)
    return { file: app.other.file, origin: app.other.origin, running: false };
  const own = app.ownRuns[app.ownIndex];
  if (own) return { file: own, origin: 'here', running: false };
  if (app.other) return { file: app.other.file, origin: app.other.origin, running: false };
  return undefined;
}

function viewTabs(): HTMLElement | null {
  if (app.live || !app.other || app.ownRuns.length === 0) return null;
  const otherName =
    app.other.origin === 'link'
      ? 'Shared with you'
      : `Imported${app.other.name ? `: ${app.other.name}` : ''}`;
  const tabs: [View, string][] = [
    ['own', 'Measured here'],
    ['other', otherName],
  ];
  if (app.compareRun || app.ownRuns.length > 0) tabs.push(['compare', 'Side by side']);
  const current = app.view === 'other' ? 'other' : app.view;
  return h(
    'div',
    { class: 'tabs', role: 'group', 'aria-label': 'Which results to show' },
    ...tabs.map(([view, label]) => {
      const button = h(
        'button',
        {
          type: 'button',
          class: view === current ? 'tab active' : 'tab',
          'aria-pressed': String(view === current),
          testid: `view-${view}`,
        },
        label,
      );
      button.addEventListener('click', () => {
        app.view = view;
        renderResults();
      });
      return button;
    }),
  );
}

function ownRunPicker(): HTMLElement | null {
  if (app.live || app.view !== 'own' || app.ownRuns.length < 2) return null;
  const select = h('select', { id: 'own-run', 'aria-label': 'Which of your runs' });
  app.ownRuns.forEach((run, index) => {
    const option = h(
      'option',
      { value: String(index) },
      `${when(run.createdAt)} · ${run.preset ?? 'custom'} · ${run.status ?? 'status unknown'} · ${displayName(run.environment.adapter)}`,
    );
    option.selected = index === app.ownIndex;
    select.append(option);
  });
  select.addEventListener('change', () => {
    app.ownIndex = Number(select.value);
    renderResults();
  });
  return h('p', { class: 'own-runs' }, h('label', { for: 'own-run' }, 'Your runs in this browser: '), select);
}

/** The frame of a queued redraw; a redraw made before it comes takes its place. */
let queuedFrame: number | undefined;
/** Re-renders at most once per frame (a live run reports often). */
export function queueRender(): void {
  if (queuedFrame !== undefined) return;
  queuedFrame = requestAnimationFrame(() => {
    queuedFrame = undefined;
    renderResults();
  });
}

function onError(message: string, title: string): void {
  showError(message, title);
}

/**
 * Draws the results area for what is shown now. A live run re-draws it with every result, and the
 * tabs, the run picker and the banner re-draw it too: the keyboard focus stays on the control of the
 * same name (keepFocus), or goes to the results heading when that control is gone.
 */
export function renderResults(): void {
  // A redraw queued by a live run would come after this one and draw the same view anew (closing
  // what was opened since, taking the share link's address away): it is not needed any more.
  if (queuedFrame !== undefined) cancelAnimationFrame(queuedFrame);
  queuedFrame = undefined;
  keepFocus(drawResults, () => {
    const heading = byId('results-section').hidden ? byId('run-heading') : byId('results-heading');
    heading.tabIndex = -1;
    return heading;
  });
}

/** Whether the results area has been drawn since the page loaded. */
let drawnOnce = false;

/**
 * Once the page knows its adapter. Only the banner's run button depends on it: results drawn before
 * (from a share link, while the adapter was looked for) are left as they are, with what was opened
 * or scrolled in them since; otherwise this is the area's first draw.
 */
export function renderOnAdapter(): void {
  if (drawnOnce) keepFocus(renderBanner);
  else renderResults();
}

function drawResults(): void {
  drawnOnce = true;
  const section = byId('results-section');
  const body = byId('results-body');
  app.charts?.destroy();
  app.charts = undefined;
  const shown = displayed();
  renderBanner();
  placeResultSections(
    !app.live && app.other !== undefined && (app.view !== 'own' || shown?.origin !== 'here'),
  );
  if (!shown) {
    show(section, false);
    show(byId('claims-section'), false);
    return;
  }
  show(section, true);
  if (app.view === 'compare' && app.other && !app.live) {
    const ours = app.compareRun ?? app.ownRuns[0];
    replaceChildren(body, viewTabs(), ours ? compareView(app.other.file, ours) : null);
    renderClaims(undefined);
    return;
  }
  const view = resultsView(shown.file, {
    origin: shown.origin,
    running: shown.running,
    tableState: app.tableState,
    onError,
  });
  replaceChildren(body, viewTabs(), ownRunPicker(), view.element);
  if (!shown.running) {
    const file = shown.file;
    drawChartsLazily(file, view.chartSlot);
    renderClaims(file, shown.origin);
  } else {
    renderClaims(undefined);
  }
}

/** Results from elsewhere come first (under their banner); one's own come after the run section. */
function placeResultSections(first: boolean): void {
  const results = byId('results-section');
  const claims = byId('claims-section');
  const anchor = first ? byId('shared-banner') : byId('run-section');
  if (anchor.nextElementSibling !== results) anchor.after(results, claims);
  // Numbered steps read 1, 2, 3… only in their own order.
  results.classList.toggle('shown-first', first);
  claims.classList.toggle('shown-first', first);
}

function drawChartsLazily(file: ResultsFile, slot: HTMLElement): void {
  slot.replaceChildren(h('p', { class: 'muted' }, 'Drawing the charts…'));
  import('./charts.ts')
    .then(async ({ drawCharts }) => {
      if (!slot.isConnected) return;
      app.charts = await drawCharts(file, slot);
    })
    .catch((error) => {
      slot.replaceChildren(
        h('p', { class: 'callout danger' }, `The charts could not be drawn: ${messageOf(error)}`),
      );
    });
}

function renderBanner(): void {
  const banner = byId('shared-banner');
  const other = app.other;
  if (!other) {
    show(banner, false);
    return;
  }
  const file = other.file;
  const canRun = device.gpu !== undefined || (!device.missing && !app.live);
  const preset = sharedPreset(file);
  const runSame = h(
    'button',
    { type: 'button', testid: 'run-same', disabled: !canRun || app.live !== undefined },
    `Run the ${preset} preset here and compare`,
  );
  runSame.addEventListener('click', () => {
    app.panel?.selectPreset(preset);
    app.startRun?.({ preset }, true);
  });
  const close = h('button', { type: 'button', class: 'secondary' }, 'Close');
  close.addEventListener('click', () => {
    app.other = undefined;
    app.view = 'own';
    if (location.hash) history.replaceState(null, '', `${location.pathname}${location.search}`);
    renderResults();
  });
  const adapter = file.environment.adapter;
  replaceChildren(
    banner,
    h(
      'p',
      { class: 'title' },
      other.origin === 'link'
        ? 'Shared results — shared, not measured here'
        : 'Imported results — not measured here',
    ),
    h(
      'p',
      {},
      'Measured on ',
      h('strong', {}, displayName(adapter)),
      adapter.isSoftware ? h('span', { class: 'badge warn' }, 'software') : null,
      ` on ${when(file.createdAt)}${file.preset ? `, ${file.preset} preset` : ''}, ${integer(file.results.length)} results`,
      file.status && file.status !== 'complete'
        ? h('span', { class: 'badge warn' }, `${file.status}: partial`)
        : null,
      other.name ? h('span', { class: 'muted' }, ` · from ${other.name}`) : null,
      '. Read-only: nothing here was run on your GPU.',
    ),
    h(
      'div',
      { class: 'actions' },
      runSame,
      close,
      !canRun
        ? h('span', { class: 'muted' }, 'No WebGPU here, so the comparison cannot run in this browser.')
        : null,
    ),
  );
  show(banner, true);
}

function sharedPreset(file: ResultsFile): PresetName {
  return PRESET_NAMES.find((name) => name === file.preset) ?? 'quick';
}

export function showOther(file: ResultsFile, origin: Exclude<Origin, 'here'>, name?: string): void {
  app.other = { file, origin, name };
  app.view = 'other';
  app.compareRun = undefined;
  renderResults();
  // A file chosen from the import panel at the foot of the page shows at its top: the keyboard (and a
  // screen reader) is taken to the banner that says what was opened.
  if (origin === 'import') byId('shared-banner').focus();
}
