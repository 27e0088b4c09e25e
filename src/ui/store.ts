// Keeps the person's own runs in localStorage (the newest few, complete or partial), so a reload, a
// crash of the tab or opening someone's shared link never loses what was measured here. What comes
// back out is validated like any imported file (storage can be edited by hand, or written by another
// version of the page); what fails is said, and kept.

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

/** What storage holds: the runs that pass the schema, newest first, and the entries that do not. */
interface Stored {
  runs: ResultsFile[];
  /**
   * Entries the schema refuses (another version's, or edited by hand), every one of them, kept as they
   * are: they are only ever written back, so they never grow in number.
   */
  unreadable: unknown[];
  /** Why the first of them was refused. */
  firstError?: string;
}

function readStored(): Stored {
  const raw = storage()?.getItem(KEY);
  const stored: Stored = { runs: [], unreadable: [] };
  if (!raw) return stored;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { ...stored, unreadable: [raw], firstError: 'the stored text is not JSON' };
  }
  if (!Array.isArray(parsed))
    return { ...stored, unreadable: [parsed], firstError: 'expected a list of runs' };
  for (const item of parsed) {
    const checked = parseResults(item);
    if (checked.ok) {
      if (stored.runs.length < KEEP) stored.runs.push(checked.value);
    } else {
      stored.unreadable.push(item);
      stored.firstError ??= checked.error;
    }
  }
  return stored;
}

/**
 * The runs kept, newest first, and why some entries in storage cannot be shown (undefined when all
 * can): those stay in storage (saving a new run does not drop them), so a later version of the page
 * may read them. Storage is read and checked once.
 */
export function loadOwnRuns(): { runs: ResultsFile[]; unreadable?: string } {
  const { runs, unreadable, firstError } = readStored();
  if (unreadable.length === 0) return { runs };
  const n = unreadable.length;
  return {
    runs,
    unreadable:
      `${n} run${n === 1 ? '' : 's'} kept by this browser cannot be shown ` +
      `(${firstError}); ${n === 1 ? 'it stays' : 'they stay'} in local storage`,
  };
}

/**
 * Saves a run as the newest (replacing an entry with the same createdAt, so a run saved while in
 * progress is updated in place). Returns an error message when storage refused it.
 */
export function saveOwnRun(file: ResultsFile, replacing?: string): string | undefined {
  const store = storage();
  if (!store) return 'this browser does not allow the page to keep data (local storage is off)';
  const stored = readStored();
  const runs = stored.runs.filter((run) => run.createdAt !== file.createdAt && run.createdAt !== replacing);
  let kept = [file, ...runs].slice(0, KEEP);
  let unreadable = stored.unreadable;
  for (;;) {
    try {
      store.setItem(KEY, JSON.stringify([...kept, ...unreadable]));
      return undefined;
    } catch (error) {
      // Make room: the oldest runs first, then what could not be read; the new run last of all.
      if (kept.length > 1) kept = kept.slice(0, -1);
      else if (unreadable.length > 0) unreadable = unreadable.slice(0, -1);
      else return `local storage refused the results (${error instanceof Error ? error.name : 'error'})`;
    }
  }
}
