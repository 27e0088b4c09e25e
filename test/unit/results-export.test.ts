// JSON/CSV export and JSON import: round trips, CSV quoting and formula-injection neutralising, unverified
// results never exported as speeds, and an importer that never throws on hostile text.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, IMPORT_MAX_CHARS, parseImportedJson, toCsv, toJson } from '../../src/results/export.ts';
import type { BenchResult } from '../../src/results/types.ts';
import { makeResult, makeResultsFile, quickPresetRun, resultsFileArbitrary } from './results-fixtures.ts';

// A strict RFC 4180 reader, enough to prove that toCsv's cells split back exactly.
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"' && cell === '') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += char;
  }
  expect(quoted).toBe(false);
  expect(cell).toBe('');
  return rows;
}

function csvCells(result: BenchResult): Record<string, string> {
  const [header, row] = readCsv(toCsv(makeResultsFile([result])));
  return Object.fromEntries(header.map((column, index) => [column, row[index]]));
}

describe('toJson / parseImportedJson', () => {
  it('round-trips the quick-preset run', () => {
    const run = quickPresetRun();
    expect(parseImportedJson(toJson(run))).toEqual({ ok: true, value: JSON.parse(JSON.stringify(run)) });
  });

  it('round-trips any valid results file (property)', () => {
    fc.assert(
      fc.property(resultsFileArbitrary, (results) => {
        expect(parseImportedJson(toJson(results))).toEqual({
          ok: true,
          value: JSON.parse(JSON.stringify(results)),
        });
      }),
      { numRuns: 300 },
    );
  });

  it('accepts a byte-order mark', () => {
    expect(parseImportedJson(`\uFEFF${toJson(makeResultsFile())}`).ok).toBe(true);
  });

  it.each([
    ['empty text', '', 'not valid JSON'],
    ['not JSON', '<html>', 'not valid JSON'],
    ['a truncated file', toJson(makeResultsFile()).slice(0, 300), 'not valid JSON'],
    [
      // UTF-16 (little-endian) without a byte-order mark, decoded as UTF-8 the way a browser reads a file.
      'UTF-16 text without a byte-order mark',
      new TextDecoder().decode(new Uint8Array([...'{"schema"'].flatMap((c) => [c.charCodeAt(0), 0]))),
      'as UTF-16 text does: save it as UTF-8',
    ],
    [
      'JSON of another kind',
      '[1,2,3]',
      'not an attnscope results file: the results file: expected an object, got an array',
    ],
    [
      'a bad field',
      toJson(makeResultsFile()).replace('"verified": true', '"verified": 1'),
      'results[0].verified: expected true or false',
    ],
    [
      'a prototype key',
      toJson(makeResultsFile()).replace('"tool":', '"__proto__": {"polluted": 1}, "tool":'),
      '__proto__: unknown field',
    ],
  ])('refuses %s', (_name, text, message) => {
    expect(parseImportedJson(text)).toMatchObject({ ok: false, error: expect.stringContaining(message) });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a file over the size cap without parsing it', () => {
    const parsed = parseImportedJson(' '.repeat(IMPORT_MAX_CHARS + 1));
    expect(parsed).toMatchObject({ ok: false, error: expect.stringContaining('too large') });
  });

  it('never throws on arbitrary text (10,000 cases)', () => {
    const hostileText = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.json({ maxDepth: 5 }),
      fc.constantFrom('[', '{"schema":', '"'.repeat(1000), '['.repeat(100_000), 'null', '1e999'),
    );
    fc.assert(
      fc.property(hostileText, (text) => {
        const parsed = parseImportedJson(text);
        if (!parsed.ok) expect(typeof parsed.error).toBe('string');
      }),
      { numRuns: 10_000 },
    );
  }, 30_000);

  it('never throws on a valid file with one value replaced (2,000 cases)', () => {
    const json = toJson(quickPresetRun());
    const values = [...json.matchAll(/: ([^{[\n,]+)/g)].map((match) => match.index + 2);
    const mutated = fc
      .tuple(fc.constantFrom(...values), fc.jsonValue({ maxDepth: 2 }))
      .map(
        ([at, value]) =>
          `${json.slice(0, at)}${JSON.stringify(value) ?? 'null'}${json.slice(json.indexOf('\n', at))}`,
      );
    fc.assert(
      fc.property(mutated, (text) => {
        const parsed = parseImportedJson(text);
        if (parsed.ok) expect(parseImportedJson(toJson(parsed.value))).toEqual(parsed);
        else expect(parsed.error).toMatch(/^The imported file/);
      }),
      { numRuns: 2_000 },
    );
  }, 30_000);
});

describe('toCsv', () => {
  it('writes a header and one row per result, all of the same width', () => {
    const rows = readCsv(toCsv(quickPresetRun()));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(31);
    for (const row of rows) expect(row).toHaveLength(CSV_COLUMNS.length);
  });

  it('flattens a verified result', () => {
    expect(csvCells(makeResult())).toEqual({
      id: 'attention/flash/h8-s512-d64',
      op: 'attention',
      kernel: 'flash',
      impl: 'attnscope',
      params: 'heads=8;seqQ=512;seqK=512;headDim=64;causal=false',
      medianMs: '1.25',
      p10Ms: '1.2',
      p90Ms: '1.3',
      ci95LoMs: '1.22',
      ci95HiMs: '1.28',
      samples: '30',
      bytes: '4194304',
      flops: '536870912',
      gbps: '3.3554',
      gflops: '429.5',
      bwUtil: '0.0112',
      computeUtil: '0.0859',
      density: '',
      speedupVsDense: '',
      pairedBaselineMs: '',
      maxAbsErr: '1.2e-7',
      maxRelErr: '0.0000034',
      verified: 'true',
      error: '',
      noisy: '',
      cv: '',
      notes: '',
      createdAt: '2026-06-01T12:00:00.000Z',
      status: 'complete',
      preset: 'quick',
      runtime: 'browser',
      adapter: 'google swiftshader (SwiftShader device (Subzero))',
      adapterIsSoftware: 'true',
      timingSource: 'timestamp-query',
      timingQuantized: 'true',
      copyGBps: '412.734219',
      fmaGflops: '18934.21875',
      toolVersion: '0.1.0',
    });
  });

  it('never writes an unverified result as a speed', () => {
    const cells = csvCells(
      makeResult({
        verified: false,
        speedupVsDense: 2,
        pairedBaselineMs: 3,
        density: 0.5,
        error: 'mismatch',
      }),
    );
    for (const column of [
      'medianMs',
      'p10Ms',
      'p90Ms',
      'ci95LoMs',
      'ci95HiMs',
      'samples',
      'gbps',
      'gflops',
      'bwUtil',
      'computeUtil',
      'speedupVsDense',
      'pairedBaselineMs',
    ]) {
      expect(cells[column], column).toBe('');
    }
    expect(cells).toMatchObject({ verified: 'false', error: 'mismatch', density: '0.5', bytes: '4194304' });
  });

  it.each([
    ['a comma', 'a,b', '"a,b"', 'a,b'],
    ['a quote', 'say "hi"', '"say ""hi"""', 'say "hi"'],
    ['a newline', 'line 1\nline 2', '"line 1\nline 2"', 'line 1\nline 2'],
    [
      'a formula',
      '=HYPERLINK("http://evil","x")',
      `"'=HYPERLINK(""http://evil"",""x"")"`,
      `'=HYPERLINK("http://evil","x")`,
    ],
    ['a plus', '+1+1', "'+1+1", "'+1+1"],
    ['a minus', '-2+3', "'-2+3", "'-2+3"],
    ['an at sign', '@SUM(A1)', "'@SUM(A1)", "'@SUM(A1)"],
    ['a leading tab', '\t=1', "'\t=1", "'\t=1"],
    ['a leading CR', '\r=1', `"'\r=1"`, "'\r=1"],
    ['a formula after a space is left alone', ' =1', ' =1', ' =1'],
  ])('escapes %s in a text cell', (_name, text, written, readBack) => {
    const csv = toCsv(makeResultsFile([makeResult({ id: text, error: text })]));
    expect(csv.slice(csv.indexOf('\n') + 1).startsWith(`${written},`)).toBe(true);
    expect(csvCells(makeResult({ id: text, error: text }))).toMatchObject({ id: readBack, error: readBack });
  });

  it('neutralises formulas in kernel names and params too', () => {
    const cells = csvCells(makeResult({ kernel: '=1+1', params: { '-x': '=cmd', mask: 'a;b=c%' } }));
    expect(cells.kernel).toBe("'=1+1");
    expect(cells.params).toBe("'-x=%3Dcmd;mask=a%3Bb%3Dc%25");
  });

  it('keeps negative numbers as numbers', () => {
    expect(csvCells(makeResult({ params: {}, bytes: 0 })).bytes).toBe('0');
  });

  it('splits back into the same cells for any text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        const cells = csvCells(makeResult({ id: text, error: text }));
        const expected = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
        expect(cells.id).toBe(expected);
        expect(cells.error).toBe(expected);
        expect(cells.verified).toBe('true');
      }),
      { numRuns: 1_000 },
    );
  });
});
