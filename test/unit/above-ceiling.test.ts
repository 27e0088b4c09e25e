// A result above 100 % of its paired ceiling (the kernel faster than the read probe streaming the
// same bytes over the same working set: a cache or compression served part of its traffic) is
// flagged in the results (aboveCeiling, set by applyCeilings), the CLI table and the page.

import { describe, expect, it } from 'vitest';
import { ceilingFootnote, formatProblem, formatTable } from '../../bench/table.ts';
import { applyCeilings, flagAboveCeiling } from '../../src/measure/models.ts';
import { parseResults } from '../../src/results/schema.ts';
import type { BenchResult, CeilingPair } from '../../src/results/types.ts';
import { ceilingWarning } from '../../src/ui/results-model.ts';
import { makeResult, makeResultsFile } from './results-fixtures.ts';

const pair = (ratio: number, ci95: [number, number]): CeilingPair => ({
  probe: 'read',
  ratio,
  ci95,
  workingSetBytes: 64 << 20,
});

function decode(ceilingPair?: CeilingPair): BenchResult {
  return makeResult({
    id: 'decode/decode/h4-q1-kv8192-d64',
    op: 'decode',
    kernel: 'decode',
    params: { heads: 4, seqQ: 1, seqK: 8192, headDim: 64, causal: false, workingSetBytes: 64 << 20 },
    bytes: 16 << 20,
    flops: 8 << 20,
    ...(ceilingPair ? { ceilingPair } : {}),
  });
}

const CEILINGS = { copyGBps: 2, fmaGflops: 10 };

describe('the results flag a result above its paired ceiling', () => {
  it.each([
    {
      name: 'well above (a cache served it)',
      pair: pair(1.46, [1.3, 1.6]),
      flag: /above its ceiling: 146 % of the paired probe; a cache/,
    },
    {
      name: 'above, within noise of 100 %',
      pair: pair(1.02, [0.97, 1.06]),
      flag: /102 % of the paired probe \(within noise of 100 %\)/,
    },
  ])('$name', ({ pair, flag }) => {
    const results = [decode(pair)];
    applyCeilings(results, CEILINGS);
    expect(results[0].aboveCeiling).toMatch(flag);
  });

  it.each([
    { name: 'below its ceiling', pair: pair(0.87, [0.81, 0.92]) },
    { name: 'exactly at it', pair: pair(1, [0.95, 1.05]) },
    { name: 'no paired ceiling (control)', pair: undefined },
  ])('not flagged: $name', ({ pair }) => {
    const results = [decode(pair)];
    applyCeilings(results, CEILINGS);
    expect(results[0].aboveCeiling).toBeUndefined();
    expect(results[0].gbps).toBeGreaterThan(0);
  });

  it('a flag left from an earlier pairing is cleared when the pairing no longer exceeds the ceiling', () => {
    const r = { ...decode(pair(0.9, [0.85, 0.95])), aboveCeiling: 'stale' };
    flagAboveCeiling(r);
    expect(r.aboveCeiling).toBeUndefined();
  });

  it('the strict schema keeps the field (a string), and refuses anything else', () => {
    const flagged = decode(pair(1.2, [1.1, 1.3]));
    applyCeilings([flagged], CEILINGS);
    const parsed = parseResults(JSON.parse(JSON.stringify(makeResultsFile([flagged]))));
    expect(parsed.ok && parsed.value.results[0].aboveCeiling).toMatch(/above its ceiling/);
    const bad = JSON.parse(JSON.stringify(makeResultsFile([{ ...flagged, aboveCeiling: 1.2 as never }])));
    const refused = parseResults(bad);
    expect(refused.ok).toBe(false);
    expect(refused.ok ? '' : refused.error).toMatch(/results\[0\]\.aboveCeiling/);
  });
});

describe('the CLI table shows the flag', () => {
  it('marks the row and explains it under the table; the share of the read probe is in the problem', () => {
    const flagged = decode(pair(1.46, [1.3, 1.6]));
    const fine = {
      ...decode(pair(0.87, [0.81, 0.92])),
      id: 'decode/other',
      params: { ...decode().params, seqK: 4096 },
    };
    applyCeilings([flagged, fine], CEILINGS);
    const table = formatTable({ results: [flagged, fine] }, 400);
    const lines = table.split('\n');
    const flaggedRow = lines.find((l) => l.includes('kv=8192'));
    const fineRow = lines.find((l) => l.includes('kv=4096'));
    expect(flaggedRow).toMatch(/✓ ABOVE ITS CEILING/);
    expect(fineRow).not.toMatch(/ABOVE/);
    expect(formatProblem(flagged)).toMatch(/read 146%$/);
    expect(formatProblem(fine)).toMatch(/read 87%$/);
    expect(ceilingFootnote([flagged, fine])).toEqual([
      expect.stringMatching(/^! decode h=4 q=1 kv=8192 d=64 read 146%: above its ceiling: 146 %/),
    ]);
    expect(lines.at(-1)).toMatch(/^! decode .*above its ceiling/);
  });

  it('no footnote without a flagged result (control)', () => {
    expect(ceilingFootnote([decode(pair(0.5, [0.4, 0.6])), decode()])).toEqual([]);
  });
});

describe('the page shows the flag', () => {
  it('a flagged result carries a warning with the share and the reason; others none', () => {
    const flagged = decode(pair(1.46, [1.3, 1.6]));
    applyCeilings([flagged], CEILINGS);
    expect(ceilingWarning(flagged)).toEqual({
      label: '⚠ above its ceiling (146 % of the read probe)',
      title: flagged.aboveCeiling,
    });
    expect(ceilingWarning(decode(pair(0.9, [0.8, 1])))).toBeUndefined();
    // A result that failed verification shows no speed, hence no warning either.
    expect(ceilingWarning({ ...flagged, verified: false })).toBeUndefined();
  });
});
