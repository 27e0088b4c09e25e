// Page automation hooks (contract: ../shared/design.md "Page automation hooks"): the page's state on
// <html data-state>, the results of the run that ended at window.attnscopeResults, and an
// `attnscope:done` event on window. Only a complete run is 'done'; a cancelled one is 'cancelled' and a
// failed one 'error', and the file they leave carries that status, so nothing partial looks finished.

import type { ResultsFile } from '../results/types.ts';

export type PageState =
  | 'loading'
  | 'ready'
  | 'no-webgpu'
  | 'verifying'
  | 'running'
  | 'done'
  | 'cancelled'
  | 'error';

declare global {
  interface Window {
    attnscopeResults?: ResultsFile;
  }
}

export function setState(state: PageState): void {
  document.documentElement.dataset.state = state;
}

export function getState(): PageState | undefined {
  return document.documentElement.dataset.state as PageState | undefined;
}

/** Marks the end of a run: state, results (possibly partial, with their status) and the event. */
export function runEnded(
  state: 'done' | 'cancelled' | 'error',
  results: ResultsFile | undefined,
  message?: string,
): void {
  window.attnscopeResults = results;
  setState(state);
  window.dispatchEvent(
    new CustomEvent('attnscope:done', { detail: { state, status: results?.status, message } }),
  );
}

/** The preset asked for by `?run=quick|standard|full`, if any. */
export function requestedRun(search: string): 'quick' | 'standard' | 'full' | undefined {
  const value = new URLSearchParams(search).get('run');
  return value === 'quick' || value === 'standard' || value === 'full' ? value : undefined;
}
