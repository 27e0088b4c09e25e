// The strict results schema: a valid file passes as a fresh copy; each kind of bad field is refused
// with its path in the message; prototype keys cannot pollute anything.

import { describe, expect, it } from 'vitest';
import { parseResults, RESULTS_CAPS } from '../../src/results/schema.ts';
import { makeResult, makeResultsFile, quickPresetRun } from './results-fixtures.ts';

type Json = Record<string, unknown>;

// A valid file as plain JSON, with `edit` applied to a deep copy.
function edited(edit: (file: Json) => void): unknown {
  const file = JSON.parse(
    JSON.stringify(makeResultsFile([makeResult(), makeResult({ id: 'second' })])),
  ) as Json;
  edit(file);
  return file;
}

const result = (file: Json, index: number) => (file.results as Json[])[index];

describe('parseResults accepts valid files', () => {
  it.each([
    ['one result', makeResultsFile()],
    ['the synthetic quick preset', quickPresetRun()],
    ['no results', makeResultsFile([])],
    [
      'an unverified result without latency',
      makeResultsFile([makeResult({ verified: false, latencyMs: undefined, error: 'x' })]),
    ],
  ])('%s', (_name, file) => {
    const parsed = parseResults(JSON.parse(JSON.stringify(file)));
    expect(parsed).toEqual({ ok: true, value: JSON.parse(JSON.stringify(file)) });
  });

  it('returns a fresh object, not the input', () => {
    const input = JSON.parse(JSON.stringify(makeResultsFile())) as Json;
    const parsed = parseResults(input);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.value).not.toBe(input);
    expect(parsed.value.results).not.toBe(input.results);
    expect(parsed.value.results[0]).not.toBe(result(input, 0));
    expect(parsed.value.results[0].params).not.toBe(result(input, 0).params);
    expect(parsed.value.results[0].latencyMs?.ci95).not.toBe((result(input, 0).latencyMs as Json).ci95);
    (result(input, 0).params as Json).heads = 999;
    expect(parsed.value.results[0].params.heads).toBe(8);
  });
});

describe('parseResults refuses bad fields, naming the path', () => {
  it.each<[string, (file: Json) => void, string]>([
    [
      'a string for a number',
      (f) => ((result(f, 1).latencyMs as Json).median = '1'),
      'results[1].latencyMs.median: expected a finite number, got a string',
    ],
    ['NaN', (f) => (result(f, 0).bytes = Number.NaN), 'results[0].bytes: expected a finite number, got NaN'],
    [
      'Infinity',
      (f) => (result(f, 0).flops = Number.POSITIVE_INFINITY),
      'results[0].flops: expected a finite number, got Infinity',
    ],
    ['a negative size', (f) => (result(f, 0).bytes = -1), 'results[0].bytes: expected a number ≥ 0'],
    [
      'an absurd bandwidth',
      (f) => (result(f, 0).gbps = 1e12),
      'results[0].gbps: expected a number ≤ 1000000',
    ],
    ['a density above 1', (f) => (result(f, 0).density = 1.5), 'results[0].density: expected a number ≤ 1'],
    [
      'fractional samples',
      (f) => ((result(f, 0).latencyMs as Json).samples = 2.5),
      'results[0].latencyMs.samples: expected a whole number',
    ],
    [
      'a short ci95',
      (f) => ((result(f, 0).latencyMs as Json).ci95 = [1]),
      'results[0].latencyMs.ci95[1]: expected a finite number, got undefined',
    ],
    ['a long ci95', (f) => ((result(f, 0).latencyMs as Json).ci95 = [1, 2, 3]), 'results[0].latencyMs.ci95'],
    ['an unknown key in a result', (f) => (result(f, 0).extra = 1), 'results[0].extra: unknown field'],
    ['an unknown top-level key', (f) => (f.html = '<script>'), 'html: unknown field'],
    ['a missing field', (f) => delete result(f, 0).verified, 'results[0].verified: missing'],
    ['a missing section', (f) => delete f.ceilings, 'ceilings: missing'],
    ['an unknown op', (f) => (result(f, 0).op = 'exec'), "results[0].op: expected one of 'attention'"],
    ['an unknown impl', (f) => (result(f, 0).impl = 'cuda'), "results[0].impl: expected one of 'attnscope'"],
    ['a wrong schema id', (f) => (f.schema = 'other/1'), "schema: expected 'attnscope.results/1'"],
    ['a future schema id', (f) => (f.schema = 'attnscope.results/2'), 'made by a newer attnscope'],
    ['a schema id no version wrote', (f) => (f.schema = 'attnscope.results/0'), 'which no attnscope writes'],
    ['a schema id with markup', (f) => (f.schema = 'attnscope.results/<b>'), 'which no attnscope writes'],
    [
      'a date that is not ISO-8601',
      (f) => (f.createdAt = 'yesterday'),
      'createdAt: expected an ISO-8601 date and time',
    ],
    [
      'a day past the end of its month',
      (f) => (f.createdAt = '2026-02-31T12:00:00Z'),
      'createdAt: expected a date that exists',
    ],
    [
      'a CI whose low end is above its high end',
      (f) => ((result(f, 0).latencyMs as Json).ci95 = [5, 0.1]),
      'results[0].latencyMs.ci95: expected [lo, hi] with lo ≤ hi',
    ],
    [
      'a p10 above the median',
      (f) => ((result(f, 0).latencyMs as Json).p10 = 1e6),
      'results[0].latencyMs: expected p10 ≤ median ≤ p90',
    ],
    [
      'a median interval away from the median',
      (f) => ((result(f, 0).latencyMs as Json).ci95 = [900, 1000]),
      'results[0].latencyMs: expected ci95 to contain the median',
    ],
    [
      'a median of no samples',
      (f) => ((result(f, 0).latencyMs as Json).samples = 0),
      'results[0].latencyMs.samples: expected a number ≥ 1',
    ],
    [
      'a speed-up interval written backwards',
      (f) => Object.assign(result(f, 0), { speedupVsDense: 2, speedupCi95: [5, 1] }),
      'results[0].speedupCi95: expected [lo, hi] with lo ≤ hi',
    ],
    [
      'a speed-up outside its interval',
      (f) => Object.assign(result(f, 0), { speedupVsDense: 2, speedupCi95: [3, 5] }),
      'results[0].speedupCi95: expected the interval to contain speedupVsDense',
    ],
    [
      'an over-long id',
      (f) => (result(f, 0).id = 'x'.repeat(RESULTS_CAPS.id + 1)),
      'results[0].id: expected at most 120 characters',
    ],
    [
      'an over-long error',
      (f) => (result(f, 0).error = 'x'.repeat(RESULTS_CAPS.longText + 1)),
      'results[0].error: expected at most 4000 characters',
    ],
    [
      'a number for a string',
      (f) => (result(f, 0).kernel = 3),
      'results[0].kernel: expected a string, got a number',
    ],
    [
      'a string for a boolean',
      (f) => (result(f, 0).verified = 'true'),
      'results[0].verified: expected true or false, got a string',
    ],
    [
      'too many results',
      (f) => (f.results = Array.from({ length: RESULTS_CAPS.results + 1 }, () => ({}))),
      'results: expected at most 2000 items, got 2001',
    ],
    [
      'an object for an array',
      (f) => ((f.environment as Json).features = {}),
      'environment.features: expected an array, got an object',
    ],
    [
      'too many features',
      (f) => ((f.environment as Json).features = Array(65).fill('f')),
      'environment.features: expected at most 64 items',
    ],
    [
      'too many params',
      (f) => (result(f, 0).params = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i]))),
      'results[0].params: expected at most 32 keys, got 33',
    ],
    [
      'an array for params',
      (f) => (result(f, 0).params = [1, 2]),
      'results[0].params: expected an object, got an array',
    ],
    [
      'a nested object as a param',
      (f) => (result(f, 0).params = { heads: { x: 1 } }),
      'results[0].params.heads: expected a number, string or boolean, got an object',
    ],
    [
      'a param name with spaces',
      (f) => (result(f, 0).params = { 'a b': 1 }),
      'results[0].params["a b"]: expected a name',
    ],
    [
      'an over-long param value',
      (f) => (result(f, 0).params = { mask: 'x'.repeat(201) }),
      'results[0].params.mask: expected at most 200 characters',
    ],
    [
      'a string limit',
      (f) => (((f.environment as Json).limits as Json).maxBufferSize = '4GB'),
      'environment.limits.maxBufferSize: expected a finite number',
    ],
    ['a null section', (f) => (f.environment = null), 'environment: expected an object, got null'],
    [
      'an unknown timing source',
      (f) => (((f.environment as Json).timing as Json).source = 'rdtsc'),
      "environment.timing.source: expected one of 'timestamp-query', 'wall-clock'",
    ],
  ])('%s', (_name, edit, message) => {
    const parsed = parseResults(edited(edit));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });

  it.each([
    ['null', null],
    ['a string', 'attnscope'],
    ['an array', []],
    ['a number', 1],
    ['undefined', undefined],
  ])('refuses %s as a whole file', (_name, value) => {
    expect(parseResults(value)).toMatchObject({
      ok: false,
      error: expect.stringContaining('the results file'),
    });
  });

  it('does not echo a hostile unknown key at length', () => {
    const parsed = parseResults(edited((f) => (f['x'.repeat(10_000)] = 1)));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.length).toBeLessThan(200);
  });

  it('turns a throwing getter into an error, not an exception', () => {
    const file = edited(() => undefined) as Json;
    Object.defineProperty(file, 'results', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(parseResults(file)).toEqual({ ok: false, error: 'the results could not be read: boom' });
  });
});

describe('prototype keys', () => {
  it.each([
    [
      '__proto__ in a result',
      '"bytes":',
      '"__proto__":{"polluted":true},"bytes":',
      'results[0].__proto__: unknown field',
    ],
    [
      'constructor in a result',
      '"bytes":',
      '"constructor":{"prototype":{"polluted":true}},"bytes":',
      'results[0].constructor: unknown field',
    ],
    ['__proto__ at the top', '"tool":', '"__proto__":{"polluted":true},"tool":', '__proto__: unknown field'],
    [
      '__proto__ in params',
      '"heads":',
      '"__proto__":{"polluted":true},"heads":',
      'results[0].params: the keys __proto__, constructor and prototype are refused',
    ],
    [
      'constructor in limits',
      '"maxBufferSize":',
      '"constructor":1,"maxBufferSize":',
      'environment.limits: the keys __proto__',
    ],
  ])('%s is refused and pollutes nothing', (_name, anchor, replacement, message) => {
    const json = JSON.stringify(makeResultsFile()).replace(anchor, replacement);
    expect(json).toContain(replacement);
    const parsed = parseResults(JSON.parse(json));
    expect(parsed).toMatchObject({ ok: false, error: expect.stringContaining(message) });
    expect(({} as Json).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});
