// Running the benchmarks from the page: the run panel, one run at a time through the harness, the
// results so far on screen and in local storage, and how the run ended (complete, cancelled, failed)
// on the page, in storage and in the automation hooks.

import { version } from '../../package.json';
import type { Gpu } from '../gpu/gpu.ts';
import type { BenchResult, ResultsFile } from '../results/types.ts';
import { ensureGpu } from './device.ts';
import { byId, replaceChildren, show } from './dom.ts';
import { messageOf, showError } from './error-area.ts';
import { duration, integer } from './format.ts';
import { runBenchmarks } from './harness.ts';
import { runEnded, setState } from './hooks.ts';
import { app, queueRender, renderResults } from './results-area.ts';
import { environmentOf, partialFile } from './results-model.ts';
import { type RunRequest, runPanel } from './run-panel.ts';
import { saveOwnRun } from './store.ts';

export async function startRun(request: RunRequest, compare = false): Promise<void> {
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
  // Started from the banner's "Run … and compare", whose button is now disabled: the keyboard goes
  // to Cancel.
  if (compare) panel?.focusCancel();
  const started = performance.now();
  // Keep what was measured even if the tab is closed or reloaded mid-run: an interrupted run reads as
  // cancelled. Saved as each result arrives (a step can take many seconds after it), and once more as
  // the page goes away.
  const keepPartial = () => {
    if (app.live) saveOwnRun({ ...app.live, status: 'cancelled' });
  };
  window.addEventListener('pagehide', keepPartial);

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
          keepPartial();
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

  window.removeEventListener('pagehide', keepPartial);
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

export function renderRunSection(gpu: Gpu): void {
  app.panel = runPanel(gpu.adapter, gpu.limits, (request) => void startRun(request, false), cancelRun);
  replaceChildren(byId('run-body'), app.panel.element);
  show(byId('run-section'), true);
}

app.startRun = (request, compare) => void startRun(request, compare);
