// The page's entry: finds the GPU and shows it, offers the correctness check and the benchmark run, and
// shows results measured here, shared through a link, or imported from a file — with the article's
// claims held against them. Runs are kept in local storage so that nothing measured here is lost.

import { decodeShareFragment } from '../results/share-link.ts';
import { findAdapterChoices } from './adapter-panel.ts';
import { takeInputsFromLink } from './article-inputs.ts';
import { articleView } from './article-view.ts';
import { device, ensureGpu, renderAdapter } from './device.ts';
import { byId, replaceChildren } from './dom.ts';
import { messageOf, showError } from './error-area.ts';
import { addressWithoutRun, requestedRun, runParameterProblem, setState } from './hooks.ts';
import { importPanel } from './import-panel.ts';
import { detectMissingApi } from './no-webgpu.ts';
import { keepWorkingOffline } from './offline.ts';
import { app, renderOnAdapter, showOther } from './results-area.ts';
import { renderRunSection, startRun } from './run-control.ts';
import { loadOwnRuns } from './store.ts';
import { renderVerify } from './verify-section.ts';

/** Links opened so far: a decode that ends after a newer link was opened is not shown. */
let linksOpened = 0;

async function openSharedLink(hash: string): Promise<void> {
  if (!/(^#?|&)r=/.test(hash.replace(/^#/, ''))) return;
  const opened = ++linksOpened;
  const decoded = await decodeShareFragment(hash);
  if (opened !== linksOpened) return;
  const badInputs = takeInputsFromLink(hash);
  if (badInputs) showError(badInputs, 'Share link');
  if (decoded.ok) showOther(decoded.value, 'link');
  else showError(decoded.error, 'Share link');
}

/**
 * The skip link takes the focus to the content without following its href: `#main` in the address
 * would replace a share link's fragment, and a reload or a copied address would lose the results.
 */
function skipWithoutTouchingAddress(): void {
  document.querySelector('.skip-link')?.addEventListener('click', (event) => {
    event.preventDefault();
    const main = byId('main');
    main.focus({ preventScroll: true });
    main.scrollIntoView();
  });
}

// ---------------------------------------------------------------------------------------------------
// Start

async function boot(): Promise<void> {
  setState('loading');
  skipWithoutTouchingAddress();
  replaceChildren(
    byId('import-body'),
    importPanel(
      (file, name) => showOther(file, 'import', name),
      (message) => showError(message, 'Import'),
    ),
  );
  const own = loadOwnRuns();
  app.ownRuns = own.runs;
  if (own.unreadable) showError(own.unreadable, 'Saved runs');
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
  renderOnAdapter();
  const gpu = device.gpu;
  if (gpu) {
    renderVerify();
    renderRunSection(gpu);
  }
  // After the page is up: cache the rest of the build so that it keeps working offline.
  void keepWorkingOffline();
  const preset = requestedRun(location.search);
  const problem = runParameterProblem(location.search);
  if (problem) showError(problem, 'Address');
  if (new URLSearchParams(location.search).has('run'))
    history.replaceState(history.state, '', addressWithoutRun(location.href));
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
