// decode-step results in the results schema and share links: the per-op breakdown, the projection
// and the paired read-probe share parse, survive a link, and hostile values are refused by field.

import { describe, expect, it } from 'vitest';
import { decodeStepMarkdown } from '../../scripts/decode-step-md.ts';
import { projectDecode } from '../../src/model/projection.ts';
import { models } from '../../src/model/shapes.ts';
import { parseResults } from '../../src/results/schema.ts';
import { decodeShareFragment, encodeShareLink } from '../../src/results/share-link.ts';
import type { BenchResult } from '../../src/results/types.ts';
import { makeResult, makeResultsFile } from './results-fixtures.ts';

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

  it('control: no section without a verified decode step', () => {
    expect(decodeStepMarkdown(makeResultsFile([makeResult()]))).toEqual([]);
    expect(decodeStepMarkdown(makeResultsFile([decodeStepResult({ verified: false })]))).toEqual([]);
  });
});
