// The article's claims as data: quotes are exact, and each check gives the expected verdict on small
// synthetic results, never using a result that was not verified as a speed.

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ClaimCheck, type ClaimInputs, checkClaims, claims } from '../../src/article/claims.ts';
import type { BenchResult, ParamValue, ResultsFile } from '../../src/results/types.ts';
import { makeResult, makeResultsFile, quickPresetRun } from './results-fixtures.ts';

const ARTICLE_PATHS = ['../../shared/article.txt', '../../../shared/article.txt'].map(
  (path) => new URL(path, import.meta.url),
);
const articlePath = ARTICLE_PATHS.find((path) => existsSync(path));

const SHAPE = { heads: 8, seqQ: 1024, seqK: 1024, headDim: 64, causal: false };

// A verified attnscope result of `kernel` taking `medianMs`, with `extra` fields on top.
function timed(kernel: string, medianMs: number, extra: Partial<BenchResult> = {}): BenchResult {
  return makeResult({
    id: `${kernel}/${medianMs}`,
    kernel,
    op: 'attention',
    params: SHAPE,
    latencyMs: {
      median: medianMs,
      p10: medianMs * 0.98,
      p90: medianMs * 1.02,
      ci95: [medianMs * 0.99, medianMs * 1.01],
      samples: 30,
    },
    ...extra,
  });
}

const unverified = (result: BenchResult): BenchResult => ({ ...result, verified: false, error: 'mismatch' });

function check(id: string, results: BenchResult[], inputs?: ClaimInputs, software = false): ClaimCheck {
  const claim = claims.find((candidate) => candidate.id === id);
  if (claim === undefined) throw new Error(`no claim ${id}`);
  const file: ResultsFile = makeResultsFile(results);
  file.environment.adapter.isSoftware = software;
  return claim.check(file, inputs);
}

describe('the claims as data', () => {
  it.skipIf(articlePath === undefined)(
    'quotes each sentence or table row exactly as article.txt has it',
    () => {
      const article = readFileSync(articlePath!, 'utf8');
      for (const claim of claims) expect(article, claim.id).toContain(claim.quote);
    },
  );

  it('covers the claims listed in issue 5, each once', () => {
    const ids = claims.map((claim) => claim.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining([
        'sparse-bandwidth-40',
        'single-cycle-fusion',
        'bandwidth-utilisation-65-88',
        'latency-120-85',
        'tensor-core-95',
        'cost-per-million-tokens',
        'power-400-350',
        'partner-cambricon',
        'partner-enflame',
        'partner-horizon',
        'state-grid',
        'multimodal-agent',
      ]),
    );
  });

  it.each(
    claims
      .filter((claim) => claim.articleFigure.kind === 'change')
      .map((claim) => [claim.id, claim] as const),
  )("%s: the figure's before and after appear in the quote", (_id, claim) => {
    if (claim.articleFigure.kind !== 'change') return;
    const numbers = claim.quote.match(/\d+(\.\d+)?/g)?.map(Number) ?? [];
    expect(numbers).toContain(claim.articleFigure.before);
    expect(numbers).toContain(claim.articleFigure.after);
  });
});

describe('sparse attention: 40% less bandwidth', () => {
  const sparseParams: Record<string, ParamValue> = {
    ...SHAPE,
    blockSize: 64,
    pattern: 'bigbird',
    density: 0.6,
  };
  const dense = timed('flash', 10, { bytes: 1000 });
  const sparse = (medianMs: number, extra: Partial<BenchResult> = {}) =>
    timed('block-sparse', medianMs, { params: sparseParams, bytes: 620, density: 0.6, ...extra });

  it.each<[string, BenchResult[], string, string | undefined]>([
    [
      'time falls with the blocks skipped',
      [dense, sparse(6.4)],
      'consistent',
      'keeping 60% of blocks: 38% fewer bytes, 36% less time than dense flash',
    ],
    [
      'time does not fall',
      [dense, sparse(9.8)],
      'not-reproduced',
      'keeping 60% of blocks: 38% fewer bytes, 2% less time than dense flash',
    ],
    ['no dense counterpart', [sparse(6.4)], 'no-data', undefined],
    ['the sparse result is unverified', [dense, unverified(sparse(1))], 'no-data', undefined],
    ['the dense result is unverified', [unverified(dense), sparse(6.4)], 'no-data', undefined],
    [
      'a peer result as the dense one',
      [{ ...dense, impl: 'tfjs-webgpu' }, sparse(6.4)],
      'no-data',
      undefined,
    ],
  ])('%s', (_name, results, verdict, measured) => {
    const outcome = check('sparse-bandwidth-40', results);
    expect(outcome.verdict).toBe(verdict);
    expect(outcome.measured).toBe(measured);
  });

  it('compares at the density closest to 60% and lists every density', () => {
    const at = (density: number, medianMs: number) =>
      timed('block-sparse', medianMs, {
        params: { ...sparseParams, density },
        bytes: 1000 * density,
        density,
      });
    const outcome = check('sparse-bandwidth-40', [dense, at(0.25, 3), at(0.5, 5.5), at(0.75, 7.6)]);
    expect(outcome.measured).toContain('keeping 50% of blocks');
    expect(outcome.detail).toContain('density 0.25: 75% fewer bytes, 70% less time');
    expect(outcome.detail).toContain('density 0.75');
    expect(outcome.detail).toContain('On this GPU');
  });
});

describe('matmul and softmax "in a single cycle"', () => {
  it.each<[string, BenchResult[], string]>([
    [
      'flash and fused-softmax are faster',
      [timed('unfused', 10), timed('fused-softmax', 7), timed('flash', 4)],
      'consistent',
    ],
    [
      'fusion gains nothing',
      [timed('unfused', 10), timed('fused-softmax', 10), timed('flash', 9.9)],
      'not-reproduced',
    ],
    [
      'a fast fused result is unverified',
      [timed('unfused', 10), unverified(timed('flash', 1)), timed('fused-softmax', 10)],
      'not-reproduced',
    ],
    ['no unfused result', [timed('flash', 4)], 'no-data'],
    [
      'different problems',
      [timed('unfused', 10), timed('flash', 4, { params: { ...SHAPE, seqK: 2048 } })],
      'no-data',
    ],
  ])('%s', (_name, results, verdict) => {
    expect(check('single-cycle-fusion', results).verdict).toBe(verdict);
  });

  it('reports both speed-ups and explains what "single cycle" cannot mean', () => {
    const outcome = check('single-cycle-fusion', [
      timed('unfused', 10, { bytes: 50e6 }),
      timed('fused-softmax', 8, { bytes: 30e6 }),
      timed('flash', 4, { bytes: 10e6 }),
    ]);
    expect(outcome.measured).toBe(
      'flash 2.50×, fused-softmax 1.25× the speed of unfused (median over 1 problem)',
    );
    expect(outcome.detail).toContain('avoids 40.0 MB of memory traffic');
    expect(outcome.detail).toContain('cannot be literal');
  });
});

describe('bandwidth utilisation 65% → 88%', () => {
  it.each<[string, BenchResult[], string]>([
    [
      'decode reaches 90%',
      [timed('unfused', 10, { bwUtil: 0.6 }), timed('decode', 1, { op: 'decode', bwUtil: 0.9 })],
      'consistent',
    ],
    [
      'the best is 70%',
      [timed('unfused', 10, { bwUtil: 0.6 }), timed('flash', 5, { bwUtil: 0.7 })],
      'not-reproduced',
    ],
    [
      'a 99% result is unverified',
      [timed('unfused', 10, { bwUtil: 0.6 }), unverified(timed('decode', 1, { op: 'decode', bwUtil: 0.99 }))],
      'not-reproduced',
    ],
    ['a matmul at 95% does not count', [timed('tiled', 1, { op: 'matmul', bwUtil: 0.95 })], 'no-data'],
  ])('%s', (_name, results, verdict) => {
    expect(check('bandwidth-utilisation-65-88', results).verdict).toBe(verdict);
  });

  it('lists the best utilisation per kernel and flags figures above 100%', () => {
    const outcome = check('bandwidth-utilisation-65-88', [
      timed('unfused', 10, { bwUtil: 0.61 }),
      timed('fused-softmax', 8, { bwUtil: 0.72 }),
      timed('flash', 4, { bwUtil: 1.3 }),
    ]);
    expect(outcome.measured).toBe('unfused 61%, fused-softmax 72%, flash 130%');
    expect(outcome.detail).toContain('caches served part of the traffic');
    expect(outcome.detail).not.toContain('read probe');
  });

  it("names the read probe's share of copy, the bound of a read-mostly kernel, when it ran", () => {
    // 412.734219 GB/s copy (the fixture's ceiling); the read probe moves 1 GB in 4 ms: 250 GB/s.
    const read = timed('read', 4, { op: 'probe', bytes: 1e9, params: { bytes: 1e9 } });
    const outcome = check('bandwidth-utilisation-65-88', [
      timed('decode', 1, { op: 'decode', bwUtil: 0.5 }),
      read,
    ]);
    expect(outcome.detail).toContain('A kernel that only reads (the read probe) reached 61% of copy here');
    expect(check('bandwidth-utilisation-65-88', [read]).verdict).toBe('no-data');
  });
});

describe('latency 120 ms → 85 ms', () => {
  it.each<[string, BenchResult[], string]>([
    ['fusion saves 60%', [timed('unfused', 10), timed('flash', 4)], 'consistent'],
    ['fusion saves 10%', [timed('unfused', 10), timed('flash', 9)], 'not-reproduced'],
    ['no pair', [timed('flash', 4)], 'no-data'],
  ])('%s', (_name, results, verdict) => {
    expect(check('latency-120-85', results).verdict).toBe(verdict);
  });

  it('always shows the physical audit, even without data', () => {
    const outcome = check('latency-120-85', []);
    expect(outcome.detail).toContain('fp16: 260 GB, does not fit (needs 4 cards), ≥ 127.5 ms per token');
    expect(outcome.detail).toContain('int4: 65 GB, fits, ≥ 31.9 ms per token');
    expect(outcome.detail).toContain('Only int4 fits; in int4, 120 ms is 3.8× the floor');
    expect(outcome.detail).toContain('(120 − 85) ÷ 120 = 29.2%, not 29.4%');
  });

  it('uses the measured copy bandwidth and the edited inputs', () => {
    const outcome = check('latency-120-85', [], { model: { bytesPerParam: 1, cards: 2 } });
    expect(outcome.detail).toContain('on 2 cards of 80 GB');
    expect(outcome.detail).toContain('int8: 130 GB, fits, ≥ 31.9 ms per token');
    expect(outcome.detail).toContain(
      `${((130 / 412.734219) * 1000).toFixed(1)} ms at this GPU's copy bandwidth`,
    );
    expect(outcome.detail).not.toContain('fp16');
  });
});

describe('tensor-core utilisation 95% vs 70%', () => {
  const tiled = (computeUtil: number) =>
    timed('tiled', 1, { op: 'matmul', params: { m: 2048, k: 2048, n: 2048 }, computeUtil });

  it.each<[string, BenchResult[], string]>([
    ['tiled reaches 93%', [tiled(0.5), tiled(0.93)], 'consistent'],
    ['tiled reaches 70%', [tiled(0.7)], 'not-reproduced'],
    ['a 99% tiled result is unverified', [tiled(0.7), unverified(tiled(0.99))], 'not-reproduced'],
    ['only naive ran', [timed('naive', 1, { op: 'matmul', computeUtil: 0.96 })], 'no-data'],
  ])('%s', (_name, results, verdict) => {
    expect(check('tensor-core-95', results).verdict).toBe(verdict);
  });

  it('shows a verified peer library beside it, never an unverified one', () => {
    const peer = (computeUtil: number, verified: boolean) =>
      timed('matmul', 1, { op: 'matmul', impl: 'tfjs-webgpu', computeUtil, verified });
    const outcome = check('tensor-core-95', [tiled(0.8), peer(0.55, true), peer(0.97, false)]);
    expect(outcome.measured).toBe(
      'tiled matmul 80% of the FMA ceiling (m 2048, k 2048, n 2048); best peer library 55%',
    );
    expect(outcome.detail).toContain('no access to tensor cores');
  });
});

describe('cost per 1M tokens', () => {
  // 2,039 GB/s over 65 GB per token is 31.37 tokens/s.
  const decode = (gbps: number, verified = true) => timed('decode', 1, { op: 'decode', gbps, verified });

  it('shows the formula with the default price and batch', () => {
    const outcome = check('cost-per-million-tokens', [decode(2039)]);
    expect(outcome.verdict).toBe('not-reproduced');
    expect(outcome.measured).toBe(
      '$17.71 per 1M tokens at $2.00/GPU-hour, batch 1; $0.85 needs a batch of about 21',
    );
    expect(outcome.detail).toContain('$2.00 × 1 ÷ (31.37 × 3,600) × 1,000,000 = $17.71');
    expect(outcome.detail).toContain('$0.036 per GPU-hour');
  });

  it.each<[string, ClaimInputs, string]>([
    ['a batch of 21', { batch: 21 }, 'consistent'],
    ['a cheaper GPU-hour', { pricePerGpuHour: 0.09 }, 'consistent'],
    ['fp16 weights', { model: { bytesPerParam: 2 } }, 'not-reproduced'],
  ])('follows the edited inputs: %s', (_name, inputs, verdict) => {
    expect(check('cost-per-million-tokens', [decode(2039)], inputs).verdict).toBe(verdict);
  });

  it('ignores an unverified decode', () => {
    expect(check('cost-per-million-tokens', [decode(2039, false)]).verdict).toBe('no-data');
  });

  it('reports bad inputs through checkClaims instead of throwing', () => {
    const outcomes = checkClaims(makeResultsFile([decode(2039)]), { pricePerGpuHour: -1 });
    const cost = outcomes.find((entry) => entry.claim.id === 'cost-per-million-tokens');
    expect(cost?.outcome).toEqual({
      verdict: 'no-data',
      detail: expect.stringContaining('pricePerGpuHour must be'),
    });
  });
});

describe('claims a kernel benchmark cannot check', () => {
  it.each([
    ['power-400-350', 'not-measurable'],
    ['partner-cambricon', 'reference'],
    ['partner-enflame', 'reference'],
    ['partner-horizon', 'reference'],
    ['state-grid', 'reference'],
    ['efficiency-30', 'reference'],
    ['multimodal-agent', 'out-of-scope'],
  ])('%s is %s, whatever the results', (id, verdict) => {
    for (const results of [[], quickPresetRun().results]) {
      const outcome = check(id, results);
      expect(outcome.verdict).toBe(verdict);
      expect(outcome.measured).toBeUndefined();
    }
  });

  it('says in one line why the multimodal agent is out of scope', () => {
    expect(check('multimodal-agent', []).detail.split('. ')).toHaveLength(1);
  });
});

describe('on a whole run', () => {
  it('checks every claim of the quick preset with careful wording', () => {
    const outcomes = checkClaims(quickPresetRun());
    expect(outcomes).toHaveLength(claims.length);
    for (const { claim, outcome } of outcomes) {
      expect(outcome.detail, claim.id).not.toMatch(/\b(prove|proves|proven|disprove|false claim|lie)\b/i);
      if (outcome.measured !== undefined) expect(outcome.detail, claim.id).toMatch(/^On this GPU/);
    }
    expect(
      Object.fromEntries(outcomes.map(({ claim, outcome }) => [claim.id, outcome.verdict])),
    ).toMatchObject({
      'sparse-bandwidth-40': 'consistent',
      'single-cycle-fusion': 'consistent',
      'bandwidth-utilisation-65-88': 'not-reproduced',
      'latency-120-85': 'consistent',
      'tensor-core-95': 'not-reproduced',
      'cost-per-million-tokens': 'not-reproduced',
    });
  });

  it('warns when the results come from a software renderer', () => {
    const results = [timed('unfused', 10), timed('flash', 4)];
    expect(check('single-cycle-fusion', results, undefined, true).detail).toContain('software renderer');
    expect(check('single-cycle-fusion', results, undefined, false).detail).not.toContain('software renderer');
  });
});
