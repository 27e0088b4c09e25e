// The page's own runs in local storage: kept across loads, newest first, and nothing dropped that
// this version cannot read (a run from another version, or storage edited by hand) — it is said and
// kept.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResultsFile } from '../../src/results/types.ts';
import { loadOwnRuns, saveOwnRun } from '../../src/ui/store.ts';
import { makeResult, makeResultsFile } from './results-fixtures.ts';

const KEY = 'attnscope.own-runs.v1';

class MemoryStorage {
  items = new Map<string, string>();
  quota = Number.POSITIVE_INFINITY;
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    if (value.length > this.quota) throw new DOMException('full', 'QuotaExceededError');
    this.items.set(key, value);
  }
}

let storage: MemoryStorage;
beforeEach(() => {
  storage = new MemoryStorage();
  (globalThis as { window?: unknown }).window = { localStorage: storage };
});
afterEach(() => {
  delete (globalThis as { window?: unknown }).window;
});

const run = (createdAt: string): ResultsFile => ({ ...makeResultsFile([makeResult()]), createdAt });

describe('own runs in local storage', () => {
  it('keeps the newest three, newest first', () => {
    for (const day of ['01', '02', '03', '04'])
      expect(saveOwnRun(run(`2026-12-${day}T10:00:00Z`))).toBeUndefined();
    expect(loadOwnRuns().runs.map((r) => r.createdAt.slice(8, 10))).toEqual(['04', '03', '02']);
    expect(loadOwnRuns().unreadable).toBeUndefined();
  });

  it('says what it cannot read, and keeps it when a new run is saved', () => {
    const foreign = { ...run('2026-12-01T10:00:00Z'), schema: 'attnscope.results/2' };
    storage.setItem(KEY, JSON.stringify([foreign]));
    expect(loadOwnRuns().runs).toEqual([]);
    expect(loadOwnRuns().unreadable).toMatch(
      /^1 run kept by this browser cannot be shown \(schema: .*newer attnscope.*\); it stays in local storage$/,
    );
    expect(saveOwnRun(run('2026-12-02T10:00:00Z'))).toBeUndefined();
    const stored = JSON.parse(storage.getItem(KEY) ?? '[]') as { schema: string }[];
    expect(stored.map((entry) => entry.schema)).toEqual(['attnscope.results/1', 'attnscope.results/2']);
    expect(loadOwnRuns().runs).toHaveLength(1);
  });

  it('keeps every entry it cannot read, however many, and counts them all', () => {
    const foreign = ['01', '02', '03', '04', '05'].map((day) => ({
      ...run(`2026-12-${day}T10:00:00Z`),
      schema: 'attnscope.results/2',
    }));
    storage.setItem(KEY, JSON.stringify(foreign));
    expect(loadOwnRuns().unreadable).toMatch(/^5 runs kept by this browser cannot be shown/);
    expect(saveOwnRun(run('2026-12-06T10:00:00Z'))).toBeUndefined();
    const stored = JSON.parse(storage.getItem(KEY) ?? '[]') as ResultsFile[];
    expect(stored.map((entry) => entry.createdAt.slice(8, 10))).toEqual(['06', '01', '02', '03', '04', '05']);
    expect(loadOwnRuns().unreadable).toMatch(/^5 runs kept/);
  });

  it('when storage is full, makes room with old runs, then unreadable ones, and keeps the new run', () => {
    const foreign = { ...run('2026-12-01T10:00:00Z'), schema: 'attnscope.results/2' };
    storage.setItem(KEY, JSON.stringify([foreign]));
    storage.quota = JSON.stringify([run('2026-12-05T10:00:00Z')]).length + 10;
    expect(saveOwnRun(run('2026-12-05T10:00:00Z'))).toBeUndefined();
    expect(loadOwnRuns().runs.map((r) => r.createdAt)).toEqual(['2026-12-05T10:00:00Z']);
    expect(loadOwnRuns().unreadable).toBeUndefined();
  });
});
