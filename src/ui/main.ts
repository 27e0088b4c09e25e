// The page's entry: finds the GPU and shows it, offers the correctness check and the benchmark run, and
// shows results measured here, shared through a link, or imported from a file — with the article's
// claims held against them. Runs are kept in local storage so that nothing measured here is lost.

import { version } from '../../package.json';
import { NoAdapterError } from '../gpu/errors.ts';
import type { Gpu } from '../gpu/gpu.ts';
import { openGpu } from '../gpu/open.ts';
import { PRESET_NAMES, type PresetName } from '../measure/presets.ts';
import { decodeShareFragment } from '../results/share-link.ts';
import type { BenchResult, ResultsFile } from '../results/types.ts';
import { type AdapterChoice, adapterPanel, displayName, findAdapterChoices } from './adapter-panel.ts';
import { takeInputsFromLink } from './article-inputs.ts';
import { articleView } from './article-view.ts';
import type { DrawnCharts } from './charts.ts';
import { claimsView } from './claims-view.ts';
import { compareView } from './compare-view.ts';
import { byId, h, replaceChildren, show } from './dom.ts';
import { messageOf, showError } from './error-area.ts';
import { duration, integer, sig, when } from './format.ts';
import { runBenchmarks } from './harness.ts';
import { requestedRun, runEnded, setState } from './hooks.ts';
import { importPanel } from './import-panel.ts';
import { detectMissingApi, explainMissingWebGpu, type MissingWebGpu } from './no-webgpu.ts';
import { keepWorkingOffline } from './offline.ts';
import { environmentOf, partialFile } from './results-model.ts';
import type { TableState } from './results-table.ts';
import { type Origin, resultsView } from './results-view.ts';
import { type RunPanel, type RunRequest, runPanel } from './run-panel.ts';
import { loadOwnRuns, saveOwnRun } from './store.ts';
import { VERIFY_PROBLEM, VERIFY_TOLERANCE, verifyUnfused } from './verify.ts';

// ---------------------------------------------------------------------------------------------------
// The device

interface DeviceState {
  gpu: Gpu | undefined;
  opening: Promise<Gpu | undefined> | undefined;
  powerPreference: GPUPowerPreference | undefined;
  choices: AdapterChoice[];
  missing: MissingWebGpu | undefined;
  /** Why the last device went away; shown until a new one opens. */
  lostMessage: string | undefined;
  /** The device that was lost, still shown (its adapter, features and limits) until a new one opens. */
  lastGpu: Gpu | undefined;
  failure: string | undefined;
}

const device: DeviceState = {
  gpu: undefined,
  opening: undefined,
  powerPreference: undefined,
  choices: [],
  missing: undefined,
  lostMessage: undefined,
  lastGpu: undefined,
  failure: undefined,
};

declare global {
  interface Window {
    /** Test hooks beyond the contract: lets an end-to-end test lose the device mid-run. */
    attnscopeDebug?: { loseDevice(): boolean };
  }
}

window.attnscopeDebug = {
  loseDevice() {
    if (!device.gpu) return false;
    device.gpu.device.destroy();
    return true;
  },
};

function renderAdapter(): void {
  const body = byId('adapter-body');
  const gpu = device.gpu ?? device.lastGpu;
  const onChoose = (powerPreference: GPUPowerPreference) => {
    device.powerPreference = powerPreference;
    void reopenDevice();
  };
  if (device.lostMessage && !device.gpu) {
    const reopen = h(
      'button',
      { type: 'button', class: 'secondary', testid: 'reopen' },
      'Open a fresh device now',
    );
    reopen.addEventListener('click', () => void ensureGpu());
    replaceChildren(
      body,
      h(
        'div',
        { class: 'callout danger', testid: 'device-lost' },
        h('p', {}, device.lostMessage),
        h('div', { class: 'actions' }, reopen),
      ),
      gpu ? adapterPanel(gpu, device.choices, device.powerPreference, onChoose) : null,
    );
  } else if (gpu) {
    replaceChildren(body, adapterPanel(gpu, device.choices, device.powerPreference, onChoose));
  } else if (device.missing) {
    replaceChildren(body, explainMissingWebGpu(device.missing, device.failure), gpujsBaselineBlock());
  } else {
    replaceChildren(body, h('p', { class: 'muted' }, 'Looking for a WebGPU adapter…'));
  }
}

/** openGpu with a couple of retries (a device just lost can fail to reopen once); no adapter is final. */
async function openWithRetries(attempts = 3): Promise<Gpu> {
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await openGpu({ powerPreference: device.powerPreference });
    } catch (error) {
      lastError = error;
      if (error instanceof NoAdapterError) break;
    }
  }
  throw lastError;
}

/** Without WebGPU: one measurement gpu.js can still make, through WebGL where the browser has it. */
function gpujsBaselineBlock(): HTMLElement {
  const button = h(
    'button',
    { type: 'button', class: 'secondary', testid: 'gpujs-baseline' },
    'Run the gpu.js baseline',
  );
  const outcome = h('div', { testid: 'gpujs-result', 'aria-live': 'polite' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    replaceChildren(outcome, h('p', { class: 'muted' }, 'Loading gpu.js and running a matmul…'));
    try {
      const { runGpujsBaseline, BASELINE_SIZE } = await import('./gpujs-baseline.ts');
      const result = await runGpujsBaseline();
      outcome.dataset.mode = result.mode;
      outcome.dataset.verified = String(result.ok);
      const onCpu = result.mode === 'cpu';
      replaceChildren(
        outcome,
        h(
          'p',
          { class: result.ok ? 'callout ok' : 'callout danger' },
          h(
            'strong',
            {},
            `gpu.js ran in ${result.mode} mode${onCpu ? ' (plain JavaScript on the CPU: this browser has no WebGL either)' : ''}. `,
          ),
          `A ${BASELINE_SIZE}³ matmul took ${duration(result.medianMs)} per call including read-back (median of 7), `,
          `${sig(result.gflops)} GFLOP/s; it ${result.ok ? 'matches' : 'does NOT match'} the CPU reference `,
          `(largest difference ${sig(result.maxAbsErr, 2)}).`,
        ),
        h(
          'p',
          { class: 'muted small' },
          'Timed by the wall clock around calls that also read their output back, so this is an upper bound on the GPU time.',
        ),
      );
    } catch (error) {
      outcome.dataset.verified = 'false';
      replaceChildren(
        outcome,
        h('p', { class: 'callout danger' }, `gpu.js could not run here: ${messageOf(error)}`),
      );
    } finally {
      button.disabled = false;
    }
  });
  return h(
    'div',
    { class: 'gpujs-baseline' },
    h('h3', {}, 'What can still run: the gpu.js baseline'),
    h(
      'p',
      {},
      'gpu.js, one of the peer libraries attnscope compares against, can run a matrix multiplication through WebGL ',
      'instead of WebGPU. It is not attention and not comparable with a WebGPU run, but it shows what this browser’s GPU path does.',
    ),
    h('div', { class: 'actions' }, button),
    outcome,
  );
}

async function openDevice(): Promise<Gpu | undefined> {
  try {
    const gpu = await openWithRetries();
    gpu.onLost((lost) => {
      if (device.gpu !== gpu) return;
      device.gpu = undefined;
      device.lastGpu = gpu;
      device.lostMessage =
        `The GPU device was lost (${lost.reason}${lost.detail ? `: ${lost.detail}` : ''}). ` +
        'Results measured before stay on the page; the next run or check opens a fresh device.';
      renderAdapter();
    });
    device.gpu = gpu;
    device.lastGpu = undefined;
    device.missing = undefined;
    device.failure = undefined;
    device.lostMessage = undefined;
    renderAdapter();
    return gpu;
  } catch (error) {
    device.gpu = undefined;
    device.missing = error instanceof NoAdapterError ? 'no-adapter' : 'device-failed';
    device.failure = messageOf(error);
    renderAdapter();
    return undefined;
  }
}

/** The open device, or a fresh one when the last was lost; undefined without WebGPU. */
function ensureGpu(): Promise<Gpu | undefined> {
  if (device.gpu && !device.gpu.isLost) return Promise.resolve(device.gpu);
  if (device.missing === 'insecure-context' || device.missing === 'no-api') return Promise.resolve(undefined);
  device.opening ??= openDevice().finally(() => {
    device.opening = undefined;
  });
  return device.opening;
}

async function reopenDevice(): Promise<void> {
  const old = device.gpu;
  device.gpu = undefined;
  old?.close();
  await ensureGpu();
}

// ---------------------------------------------------------------------------------------------------
// Results on display

interface Other {
  file: ResultsFile;
  origin: Exclude<Origin, 'here'>;
  /** The imported file's name. */
  name?: string;
}

type View = 'own' | 'other' | 'compare';

const app = {
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

let renderQueued = false;
/** Re-renders at most once per frame (a live run reports often). */
function queueRender(): void {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderResults();
  });
}

function onError(message: string, title: string): void {
  showError(message, title);
}

function renderResults(): void {
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

function renderClaims(file: ResultsFile | undefined, origin: Origin = 'here'): void {
  const section = byId('claims-section');
  if (!file) {
    show(section, false);
    return;
  }
  show(section, true);
  try {
    replaceChildren(byId('claims-body'), claimsView(file, { origin }));
  } catch (error) {
    replaceChildren(
      byId('claims-body'),
      h('p', { class: 'callout danger' }, `The claims could not be checked: ${messageOf(error)}`),
    );
  }
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
    void startRun({ preset }, true);
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

function showOther(file: ResultsFile, origin: Exclude<Origin, 'here'>, name?: string): void {
  app.other = { file, origin, name };
  app.view = 'other';
  app.compareRun = undefined;
  renderResults();
}

// ---------------------------------------------------------------------------------------------------
// Running

async function startRun(request: RunRequest, compare = false): Promise<void> {
  if (app.live) return;
  const panel = app.panel;
  const gpu = await ensureGpu();
  if (!gpu) {
    const message = 'No WebGPU device is available, so nothing can run here (see “Your GPU”).';
    showError(message, 'Run');
    runEnded('error', undefined, message);
    return;
  }
  const controller = new AbortController();
  app.controller = controller;
  const environment = environmentOf(gpu);
  const seen: BenchResult[] = [];
  const preset = request.preset ?? 'custom';
  app.live = partialFile(environment, seen, undefined, preset, version);
  const interimKey = app.live.createdAt;
  app.view = 'own';
  setState('running');
  panel?.setRunning(true);
  renderResults();
  let lastSave = 0;
  const started = performance.now();

  let file: ResultsFile;
  try {
    file = await runBenchmarks(gpu, {
      preset: request.preset,
      config: request.config,
      signal: controller.signal,
      onProgress: (progress) => {
        panel?.progress(progress.done, progress.total, progress.step, progress.etaMs);
        if (progress.result) {
          seen.push(progress.result);
          app.live = { ...partialFile(environment, seen, undefined, preset, version), createdAt: interimKey };
          queueRender();
          // Keep what was measured even if the tab is closed mid-run: an interrupted run reads as cancelled.
          if (performance.now() - lastSave > 2000) {
            lastSave = performance.now();
            saveOwnRun({ ...app.live, status: 'cancelled' });
          }
        }
      },
    });
  } catch (error) {
    const lost = gpu.isLost;
    file = partialFile(
      environment,
      seen,
      controller.signal.aborted && !lost ? 'cancelled' : 'failed',
      preset,
      version,
    );
    showError(messageOf(error), 'Run');
  }
  // Never show a run as complete when it was cancelled or lost its device, whatever the harness said.
  if (controller.signal.aborted && file.status === 'complete') file = { ...file, status: 'cancelled' };
  if (gpu.isLost && file.status !== 'cancelled') file = { ...file, status: 'failed' };
  file.status ??= 'complete';

  app.live = undefined;
  app.controller = undefined;
  const saveError = saveOwnRun(file, interimKey);
  if (saveError)
    showError(`This run could not be kept in the browser: ${saveError}. Export it to keep it.`, 'Storage');
  app.ownRuns = [
    file,
    ...app.ownRuns.filter((run) => run.createdAt !== interimKey && run.createdAt !== file.createdAt),
  ].slice(0, 3);
  app.ownIndex = 0;
  if (compare && app.other) {
    app.compareRun = file;
    app.view = 'compare';
  } else app.view = 'own';
  panel?.setRunning(false);
  const counts = `${integer(file.results.length)} results in ${duration(performance.now() - started)}`;
  const state = file.status === 'complete' ? 'done' : file.status === 'cancelled' ? 'cancelled' : 'error';
  panel?.finished(
    state === 'done'
      ? `Finished: ${counts}.`
      : state === 'cancelled'
        ? `Cancelled: ${counts} kept, labelled partial.`
        : `Failed: ${counts} kept, labelled partial.${gpu.isLost ? ' The GPU device was lost; the next run opens a fresh one.' : ''}`,
  );
  renderResults();
  if (state === 'error' && gpu.isLost)
    showError(
      'The GPU device was lost during the run. The results measured before are kept and labelled partial.',
      'Run',
    );
  runEnded(state, file);
}

function cancelRun(): void {
  app.controller?.abort();
}

// ---------------------------------------------------------------------------------------------------
// Sections

function renderVerify(): void {
  const { heads, seqQ, headDim } = VERIFY_PROBLEM;
  const button = h('button', { type: 'button', class: 'secondary', testid: 'verify' }, 'Check correctness');
  const outcome = h('div', { class: 'verify-outcome', testid: 'verify-result', 'aria-live': 'polite' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    replaceChildren(outcome, h('p', { class: 'muted' }, 'Running unfused attention and the CPU reference…'));
    delete outcome.dataset.verified;
    try {
      const gpu = await ensureGpu();
      if (!gpu) throw new Error('No WebGPU device is available (see “Your GPU” above).');
      const result = await verifyUnfused(gpu);
      outcome.dataset.verified = String(result.ok);
      replaceChildren(
        outcome,
        h(
          'p',
          { class: result.ok ? 'callout ok' : 'callout danger' },
          h('strong', {}, result.ok ? 'Matches the reference. ' : 'Does NOT match the reference. '),
          `${integer(result.values)} output values; largest difference ${sig(result.maxAbsErr, 2)} `,
          `(allowed: ${VERIFY_TOLERANCE.atol} + ${VERIFY_TOLERANCE.rtol} × |reference|). `,
          `Took ${duration(result.wallMs)} including upload and read-back.`,
        ),
        result.failure ? h('pre', { class: 'failure' }, result.failure) : null,
      );
    } catch (error) {
      outcome.dataset.verified = 'false';
      replaceChildren(
        outcome,
        h('p', { class: 'callout danger' }, `The check could not run: ${messageOf(error)}`),
      );
    } finally {
      button.disabled = false;
    }
  });
  replaceChildren(
    byId('verify-body'),
    h(
      'p',
      {},
      `Runs the plain three-pass (unfused) attention kernel once on a small problem — ${heads} heads, `,
      `${seqQ} queries and keys, head size ${headDim}, causal — and compares every output with a CPU `,
      'reference computed in double precision. Odd sizes on purpose: they catch kernels that only work on round numbers.',
    ),
    h('div', { class: 'actions' }, button),
    outcome,
  );
  show(byId('verify-section'), true);
}

function renderRunSection(gpu: Gpu): void {
  app.panel = runPanel(gpu.adapter, gpu.limits, (request) => void startRun(request, false), cancelRun);
  replaceChildren(byId('run-body'), app.panel.element);
  show(byId('run-section'), true);
}

async function openSharedLink(hash: string): Promise<void> {
  if (!/(^#?|&)r=/.test(hash.replace(/^#/, ''))) return;
  const decoded = await decodeShareFragment(hash);
  const badInputs = takeInputsFromLink(hash);
  if (badInputs) showError(badInputs, 'Share link');
  if (decoded.ok) showOther(decoded.value, 'link');
  else showError(decoded.error, 'Share link');
}

// ---------------------------------------------------------------------------------------------------
// Start

async function boot(): Promise<void> {
  setState('loading');
  replaceChildren(
    byId('import-body'),
    importPanel(
      (file, name) => showOther(file, 'import', name),
      (message) => showError(message, 'Import'),
    ),
  );
  app.ownRuns = loadOwnRuns();
  byId('import-section').before(articleView());
  const shared = openSharedLink(location.hash);
  window.addEventListener('hashchange', () => void openSharedLink(location.hash));

  device.missing = detectMissingApi();
  if (!device.missing) {
    device.choices = await findAdapterChoices().catch(() => []);
    await ensureGpu();
  }
  renderAdapter();
  await shared;
  renderResults();
  const gpu = device.gpu;
  if (gpu) {
    renderVerify();
    renderRunSection(gpu);
  }
  // After the page is up: cache the rest of the build so that it keeps working offline.
  void keepWorkingOffline();
  const preset = requestedRun(location.search);
  if (preset) {
    app.panel?.selectPreset(preset);
    await startRun({ preset }, app.other !== undefined);
    return;
  }
  setState(gpu ? 'ready' : 'no-webgpu');
}

boot().catch((error) => {
  showError(messageOf(error), 'The page failed to start');
  setState('error');
});
