// Keeps the person's own runs in localStorage (the newest few, complete or partial), so a reload, a
// crash of the tab or opening someone's shared link never loses what was measured here. What comes
// back out is validated like any imported file: storage can be edited by hand.

import { parseResults } from '../results/schema.ts';
import type { ResultsFile } from '../results/types.ts';

const KEY = 'attnscope.own-runs.v1';
const KEEP = 3;

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined; // storage disabled (private mode, policies)
  }
}

/** The runs kept, newest first; anything unreadable is dropped. */
export function loadOwnRuns(): ResultsFile[] {
  const raw = storage()?.getItem(KEY);
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!Array.isArray(parsed)) return [];
    const runs: ResultsFile[] = [];
    for (const item of parsed.slice(0, KEEP)) {
      const checked = parseResults(item);
      if (checked.ok) runs.push(checked.value);
    }
    return runs;
  } catch {
    return [];
  }
}

/**
 * Saves a run as the newest (replacing an entry with the same createdAt, so a run saved while in
 * progress is updated in place). Returns an error message when storage refused it.
 */
export function saveOwnRun(file: ResultsFile, replacing?: string): string | undefined {
  const store = storage();
  if (!store) return 'this browser does not allow the page to keep data (local storage is off)';
  const runs = loadOwnRuns().filter((run) => run.createdAt !== file.createdAt && run.createdAt !== replacing);
  let kept = [file, ...runs].slice(0, KEEP);
  for (;;) {
    try {
      store.setItem(KEY, JSON.stringify(kept));
      return undefined;
    } catch (error) {
      if (kept.length <= 1)
        return `local storage refused the results (${error instanceof Error ? error.name : 'error'})`;
      kept = kept.slice(0, -1); // make room by forgetting the oldest
    }
  }
}
