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

const RUN_PRESETS = ['quick', 'standard', 'full'] as const;

/** The preset asked for by `?run=quick|standard|full`, if any. */
export function requestedRun(search: string): (typeof RUN_PRESETS)[number] | undefined {
  const value = new URLSearchParams(search).get('run');
  return RUN_PRESETS.find((preset) => preset === value);
}

/** Why `?run=` cannot start anything (an unknown value), or undefined when it is absent or valid. */
export function runParameterProblem(search: string): string | undefined {
  const value = new URLSearchParams(search).get('run');
  if (value === null || requestedRun(search)) return undefined;
  const shown = value.length > 40 ? `${value.slice(0, 39)}…` : value;
  return `The address asks for ?run=${shown}, which is not a preset: use ?run=quick, ?run=standard or ?run=full. Nothing was started.`;
}

/**
 * The address without `run` in its query, the rest (path, other parameters, fragment) kept: a run starts
 * once from the address, and a reload (after Cancel, say) does not start another.
 */
export function addressWithoutRun(href: string): string {
  const url = new URL(href);
  url.searchParams.delete('run');
  return `${url.pathname}${url.search}${url.hash}`;
}
