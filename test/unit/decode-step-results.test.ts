// decode-step results in the results schema and share links: the per-op breakdown, the projection
// and the paired read-probe share parse, survive a link, and hostile values are refused by field.

import { describe, expect, it } from 'vitest';
import { decodeStepMarkdown, gemvMarkdown } from '../../scripts/decode-step-md.ts';
import { opsNote } from '../../src/measure/measure-step.ts';
import { gemvCallBytes, residencyOf, residentDepth } from '../../src/measure/residency.ts';
import { sparseKvPair } from '../../src/measure/step-pairs.ts';
import { projectDecode } from '../../src/model/projection.ts';
import { matrixBytes, models } from '../../src/model/shapes.ts';
import { parseResults } from '../../src/results/schema.ts';
import { decodeShareFragment, encodeShareLink } from '../../src/results/share-link.ts';
import type { BenchResult } from '../../src/results/types.ts';
import { makeResult, makeResultsFile } from './results-fixtures.ts';

const SPARSE_PAIR = {
  denseMs: 2,
  timeSaved: 0.2,
  bytesSaved: 0.25,
  ratio: 0.8,
  ci95: [0.7, 0.9] as [number, number],
  pairs: 12,
};
const RESIDENCY = { ratio: 0.97, ci95: [0.95, 0.99] as [number, number], residentBytes: 1 << 20 };

function decodeStepResult(overrides: Partial<BenchResult> = {}): BenchResult {
  const projection = projectDecode({
    model: models['glm-130b'],
    format: 'int4',
    context: 2048,
    batch: 1,
    cards: 8,
    layerMs: 1.25,
    measuredTp: 8,
    memoryGBPerCard: 80,
  });
  return makeResult({
    id: 'decode-step/glm-130b/int4/tp8',
    op: 'decode-step',
    kernel: 'decode-step',
    params: {
      model: 'glm-130b',
      format: 'int4',
      groupSize: 32,
      context: 2048,
      batch: 1,
      tp: 8,
      kv: 'dense',
      layersCycled: 2,
      workingSetBytes: 1.2e9,
    },
    ops: [
      { op: 'norm', ms: 0.001234, bytes: 98_304 },
      { op: 'qkv', ms: 0.05, bytes: 28_311_552 },
    ],
    projection,
    ceilingPair: { probe: 'read', ratio: 0.8123, ci95: [0.8, 0.83], workingSetBytes: 1.2e9 },
    ...overrides,
  });
}

describe('decode-step results in the schema', () => {
  it('a result with ops, projection and ceilingPair parses to the same object', () => {
    const file = makeResultsFile([
      decodeStepResult(),
      makeResult({ op: 'gemv', kernel: 'gemv-int4', id: 'gemv/lm-head' }),
    ]);
    const parsed = parseResults(JSON.parse(JSON.stringify(file)));
    expect(parsed.ok ? parsed.value : parsed.error).toEqual(file);
  });

  it('sparseKv, per-op residency and a gemv residency parse to the same object', () => {
    const file = makeResultsFile([
      decodeStepResult({
        sparseKv: SPARSE_PAIR,
        ops: [{ op: 'qkv', ms: 0.05, bytes: 28_311_552, residency: RESIDENCY }],
      }),
      makeResult({ op: 'gemv', kernel: 'gemv-int4', id: 'gemv/x', residency: RESIDENCY }),
    ]);
    const parsed = parseResults(JSON.parse(JSON.stringify(file)));
    expect(parsed.ok ? parsed.value : parsed.error).toEqual(file);
  });

  it('control: a file without the new fields still parses', () => {
    expect(parseResults(makeResultsFile()).ok).toBe(true);
  });

  it.each([
    {
      field: 'ops[0].ms',
      change: { ops: [{ op: 'norm', ms: -1, bytes: 1 }] },
      message: /results\[0\]\.ops\[0\]\.ms: expected a number ≥ 0/,
    },
    {
      field: 'ops[0] extra',
      change: { ops: [{ op: 'norm', ms: 1, bytes: 1, x: 1 }] },
      message: /results\[0\]\.ops\[0\]\.x: unknown field/,
    },
    {
      field: 'ops too long',
      change: { ops: Array.from({ length: 33 }, () => ({ op: 'a', ms: 1, bytes: 1 })) },
      message: /results\[0\]\.ops: expected at most 32 items, got 33/,
    },
    {
      field: 'sparseKv.bytesSaved above 1',
      change: { sparseKv: { ...SPARSE_PAIR, bytesSaved: 1.5 } },
      message: /results\[0\]\.sparseKv\.bytesSaved: expected a number ≤ 1/,
    },
    {
      field: 'ops[0].residency extra',
      change: {
        ops: [{ op: 'qkv', ms: 1, bytes: 1, residency: { ratio: 1, ci95: [1, 1], residentBytes: 1, x: 2 } }],
      },
      message: /results\[0\]\.ops\[0\]\.residency\.x: unknown field/,
    },
    {
      field: 'ceilingPair.ci95',
      change: { ceilingPair: { probe: 'read', ratio: 1, ci95: [1], workingSetBytes: 1 } },
      message: /results\[0\]\.ceilingPair\.ci95\[1\]: expected a finite number, got undefined/,
    },
  ])('refuses $field', ({ change, message }) => {
    const file = makeResultsFile([{ ...decodeStepResult(), ...(change as Partial<BenchResult>) }]);
    const parsed = parseResults(JSON.parse(JSON.stringify(file)));
    expect(parsed.ok ? 'parsed' : parsed.error).toMatch(message);
  });

  it.each([
    { field: 'projected', value: false, message: /projection\.projected: expected true/ },
    { field: 'msPerToken', value: 'fast', message: /projection\.msPerToken: expected a finite number/ },
    {
      field: 'formulas',
      value: Array.from({ length: 17 }, () => 'x'),
      message: /projection\.formulas: expected at most 16 items/,
    },
    { field: 'extra', value: 1, message: /projection\.extra: unknown field/ },
  ])('refuses projection.$field', ({ field, value, message }) => {
    const result = decodeStepResult();
    const file = makeResultsFile([
      { ...result, projection: { ...result.projection, [field]: value } as never },
    ]);
    const parsed = parseResults(JSON.parse(JSON.stringify(file)));
    expect(parsed.ok ? 'parsed' : parsed.error).toMatch(message);
  });

  it('survives a share link (numbers to 4 significant digits)', async () => {
    const file = makeResultsFile([decodeStepResult()]);
    const link = await encodeShareLink(file, 'https://example.org/attnscope/');
    const decoded = await decodeShareFragment(new URL(link).hash);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    const result = decoded.value.results[0];
    expect(result.op).toBe('decode-step');
    expect(result.ops).toEqual([
      { op: 'norm', ms: 0.001234, bytes: 98_304 },
      { op: 'qkv', ms: 0.05, bytes: 28_311_552 },
    ]);
    expect(result.projection?.msPerToken).toBe(file.results[0].projection?.msPerToken);
    expect(result.projection?.formulas).toEqual(file.results[0].projection?.formulas);
    expect(result.ceilingPair?.ratio).toBe(0.8123);
  });
});

describe('the decode-step section of BENCHMARKS.md', () => {
  it('lists each verified step with its share of read, ops and the projection arithmetic', () => {
    const lines = decodeStepMarkdown(makeResultsFile([decodeStepResult(), makeResult()]));
    const text = lines.join('\n');
    expect(text).toContain('## Decode step (one decoder layer)');
    expect(text).toContain(
      '| glm-130b int4/g32, ctx 2048, batch 1, 1/8 slice | 2 | 1.250 ± 0.030 | 4.194 MB | 3.36 |',
    );
    expect(text).toContain('81.2% (80.0–83.0%)');
    expect(text).toMatch(/\| norm \| qkv \|/);
    expect(text).toContain(
      '- full layer on one GPU = 1.25 ms × 8 = 10 ms (a 1/8 tensor-parallel slice was measured)',
    );
  });

  it('sparse KV: time saved against bytes saved, from the dense twin', () => {
    const dense = decodeStepResult();
    const sparse = decodeStepResult({
      id: 'sparse',
      params: { ...dense.params, kv: 'sparse', kvDensity: 0.6 },
      bytes: dense.bytes * 0.5,
      latencyMs: { median: 0.75, p10: 0.7, p90: 0.8, ci95: [0.74, 0.76], samples: 30 },
    });
    const text = decodeStepMarkdown(makeResultsFile([dense, sparse])).join('\n');
    expect(text).toContain('time saved 40.0% for 50.0% of the layer');
    expect(text).toContain('ratio 0.80; target ≥ 0.9');
  });

  it("text from the file cannot break a table: '|' escaped, line breaks folded", () => {
    const step = decodeStepResult();
    const odd = decodeStepResult({
      params: { ...step.params, model: 'glm|x\nnext', kv: 'sparse', kvDensity: 0.5 },
      ops: [{ op: 'q|kv', ms: 0.05, bytes: 1000, residency: RESIDENCY }],
      sparseKv: SPARSE_PAIR,
    });
    const gemv = makeResult({ op: 'gemv', kernel: 'gemv|int4\nx', id: 'gemv/x', residency: RESIDENCY });
    const file = makeResultsFile([odd, gemv]);
    const lines = [...decodeStepMarkdown(file), ...gemvMarkdown(file)];
    const rows = lines.filter((l) => l.startsWith('|'));
    expect(rows.length).toBeGreaterThan(4);
    for (const line of lines) expect(line).not.toContain('\n');
    // every row has as many unescaped '|' as its table's header
    const cells = (row: string) => row.split(/(?<!\\)\|/).length;
    let header = 0;
    for (const [i, line] of lines.entries()) {
      if (!line.startsWith('|')) continue;
      if (!lines[i - 1]?.startsWith('|')) header = cells(line);
      expect(cells(line), line).toBe(header);
    }
    expect(lines.join('\n')).toContain('glm\\|x next');
  });

  it('control: no section without a verified decode step', () => {
    expect(decodeStepMarkdown(makeResultsFile([makeResult()]))).toEqual([]);
    expect(decodeStepMarkdown(makeResultsFile([decodeStepResult({ verified: false })]))).toEqual([]);
  });
});

describe('sparse KV against dense KV, paired', () => {
  it('time saved from the per-pair ratio, against bytes saved, with the CI mapped through', () => {
    // dense ÷ sparse = 1.25 → time saved 0.2; bytes 75 of 100 → 0.25 saved; ratio 0.8.
    const pair = sparseKvPair({ median: 1.25, ci95: [1.2, 1.3], pairs: 14 }, 3, 75, 100);
    expect(pair.timeSaved).toBeCloseTo(0.2, 12);
    expect(pair.bytesSaved).toBeCloseTo(0.25, 12);
    expect(pair.ratio).toBeCloseTo(0.8, 12);
    expect(pair.ci95[0]).toBeCloseTo((1 - 1 / 1.2) / 0.25, 12);
    expect(pair.ci95[1]).toBeCloseTo((1 - 1 / 1.3) / 0.25, 12);
    expect(pair).toMatchObject({ denseMs: 3, pairs: 14 });
  });

  it('a sparse layer that saves no bytes is refused', () => {
    expect(() => sparseKvPair({ median: 1, ci95: [1, 1], pairs: 10 }, 1, 100, 100)).toThrow(
      /sparse KV saves no bytes \(100 of 100\)/,
    );
  });

  it('BENCHMARKS.md reports the paired figure with its CI', () => {
    const sparse = decodeStepResult({ sparseKv: SPARSE_PAIR });
    sparse.params = { ...sparse.params, kv: 'sparse', kvDensity: 0.6 };
    const text = decodeStepMarkdown(makeResultsFile([sparse])).join('\n');
    expect(text).toContain(
      "timed interleaved with the same layer over dense KV (12 pairs): time saved 20.0% for 25.0% of the layer's bytes saved (ratio 0.80, 95% CI 0.70–0.90; target ≥ 0.9)",
    );
  });
});

describe('cache residency: time per byte resident ÷ streamed', () => {
  it('from the per-pair ratio streamed ÷ resident time, scaled by the bytes, the CI reversed', () => {
    // Resident 1 MB in 1 ms, streamed 64 MB in 60 ms → r = 60; per byte 1 ms/MB vs 0.9375 ms/MB.
    const r = residencyOf({ median: 60, ci95: [50, 64], pairs: 10 }, 1e6, 64e6);
    expect(r.ratio).toBeCloseTo(64 / 60, 12);
    expect(r.ci95[0]).toBeCloseTo(64 / 64, 12);
    expect(r.ci95[1]).toBeCloseTo(64 / 50, 12);
    expect(r.residentBytes).toBe(1e6);
  });

  it.each([
    // int4 g32 over 1024 columns: 32 k cost 32 × 1024 / 2 + 1024 × 2 = 18432 bytes → 14 groups.
    { format: 'int4' as const, bytes: 256 * 1024, depth: 32 * Math.floor((256 * 1024) / 18432) },
    { format: 'f16' as const, bytes: 256 * 1024, depth: 128 },
    { format: 'f32' as const, bytes: 1, depth: 4 },
    { format: 'int8' as const, bytes: 1e12, depth: 4096 },
  ])('resident depth of a 4096 × 1024 $format matrix at $bytes bytes: $depth', ({ format, bytes, depth }) => {
    const p = { k: 4096, n: 1024, format, ...(format === 'int4' ? { groupSize: 32 } : {}) };
    expect(residentDepth(p, bytes)).toBe(depth);
    expect(gemvCallBytes({ ...p, rows: 2 })).toBe(
      matrixBytes(4096, 1024, format, 32) + 4 * 2 * (4096 + 1024),
    );
  });
});

describe('BENCHMARKS.md: residency', () => {
  it('the decode step’s GEMV ops and the gemv results, each with its CI', () => {
    const step = decodeStepResult({ ops: [{ op: 'qkv', ms: 0.05, bytes: 1, residency: RESIDENCY }] });
    const gemv = makeResult({
      op: 'gemv',
      kernel: 'gemv-int4',
      id: 'gemv/x',
      params: { k: 4096, n: 1024, rows: 1, format: 'int4', groupSize: 32 },
      ceilingPair: { probe: 'read', ratio: 0.13, ci95: [0.12, 0.14], workingSetBytes: 1 },
      residency: RESIDENCY,
    });
    const text = [
      ...gemvMarkdown(makeResultsFile([gemv])),
      ...decodeStepMarkdown(makeResultsFile([step])),
    ].join('\n');
    expect(text).toContain(
      '| gemv-int4 | 4096 × 1024 int4/g32 | 1 | 13.0% (12.0–14.0%) | 0.97 (0.95–0.99) |',
    );
    expect(text).toContain('| glm-130b int4/g32, ctx 2048, batch 1, 1/8 slice | 0.97 (0.95–0.99) |  |  |  |');
    // Control: without gemv results there is no gemv section.
    expect(gemvMarkdown(makeResultsFile([step]))).toEqual([]);
  });
});

describe("the decode step's per-op note", () => {
  it('says how the per-op sum compares with the one-pass layer, whichever is larger', () => {
    const ops = [{ ms: 100 }, { ms: 30 }];
    expect(opsNote(ops, 260, true)).toContain(
      'their sum is 0.500× the layer timed in one pass (130 ms against 260 ms)',
    );
    expect(opsNote(ops, 65, false)).toContain('their sum is 2.00× the layer timed in one pass');
  });
});
