// The claims and their rules, on hand-made results: quotes exact, every rule of verdicts.ts pinned, a
// software adapter never gives a hardware verdict, and the figures the page shows come from one estimate.

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CheckOptions, checkClaims, claims } from '../../src/article/claims.ts';
import { dollarsText, estimateDecoder } from '../../src/article/estimate.ts';
import { type ArticleInputs, DEFAULT_INPUTS } from '../../src/article/inputs.ts';
import type { BenchResult, ResultsFile } from '../../src/results/types.ts';
import { decodeStep, readProbe, resultsOn, sparseDecode } from './article-fixtures.ts';
import { makeResult, quickPresetRun } from './results-fixtures.ts';

const articlePath = ['../../shared/article.txt', '../../../shared/article.txt']
  .map((path) => new URL(path, import.meta.url))
  .find((path) => existsSync(path));

function outcome(id: string, file: ResultsFile, options: CheckOptions = {}) {
  const found = checkClaims(file, options).find((entry) => entry.claim.id === id);
  if (!found) throw new Error(`no claim ${id}`);
  return found.outcome;
}

// The layer time that projects to `msPerToken` for GLM-130B int4 at the default inputs.
function layerMsFor(msPerToken: number): number {
  const probe = estimateDecoder(resultsOn([decodeStep({ medianMs: 1, ci95: [1, 1] })]), DEFAULT_INPUTS);
  return msPerToken / (probe.projection?.msPerToken ?? Number.NaN);
}

describe('the claims as data', () => {
  it('quotes each sentence or table row exactly as article.txt has it', () => {
    if (articlePath === undefined) {
      // Outside CI a checkout without ../shared cannot read the article; in CI its absence is a failure.
      expect(process.env.CI, 'article.txt is missing').not.toBe('true');
      return;
    }
    const article = readFileSync(articlePath, 'utf8');
    for (const claim of claims) expect(article, claim.id).toContain(claim.quote);
  });

  it('has unique ids and marks the hardware claims', () => {
    const ids = claims.map((claim) => claim.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(claims.filter((claim) => claim.hardware).map((claim) => claim.id)).toEqual([
      'sparse-bandwidth-40',
      'bandwidth-utilisation-65-88',
      'latency-120-85',
      'tensor-core-95',
      'cost-per-million-tokens',
    ]);
  });
});

describe('a software adapter gives no verdict about hardware', () => {
  const everything = [
    ...quickPresetRun().results,
    decodeStep({ medianMs: layerMsFor(40), share: 0.95 }),
    ...sparseDecode(0.6, 1.6, [1.55, 1.65]),
    readProbe(400),
  ];
  it.each(claims.filter((claim) => claim.hardware).map((claim) => [claim.id]))('%s', (id) => {
    const verdict = outcome(id, resultsOn(everything, true)).verdict;
    expect(['software', 'not-measurable']).toContain(verdict);
    // The same evidence on a hardware adapter does decide (control).
    expect(outcome(id, resultsOn(everything, false)).verdict).not.toBe('software');
  });
});

describe('sparse attention −40%: sparse decode at density 0.6, paired speed-up and its CI', () => {
  // Bytes saved 39.5%; the saved traffic turns into time when time saved ≥ 0.9 × that = 35.6%,
  // i.e. a speed-up ≥ 1/(1 − 0.3555) = 1.552×.
  it.each<[string, BenchResult[], string]>([
    ['the whole CI above the threshold', sparseDecode(0.6, 1.62, [1.58, 1.66]), 'consistent'],
    ['the whole CI below it', sparseDecode(0.6, 1.2, [1.15, 1.25]), 'not-reproduced'],
    ['the CI straddles it', sparseDecode(0.6, 1.55, [1.45, 1.65]), 'inconclusive'],
    ['not timed as a pair (no CI)', sparseDecode(0.6, 1.62, undefined), 'inconclusive'],
    [
      'another density (90% kept, whatever its speed-up)',
      sparseDecode(0.9, 1.12, [1.1, 1.14]),
      'inconclusive',
    ],
    ['prefill block-sparse only', quickPresetRun().results, 'inconclusive'],
  ])('%s → %s', (_name, results, verdict) => {
    expect(outcome('sparse-bandwidth-40', resultsOn(results)).verdict).toBe(verdict);
  });

  it('pairs a sparse decode with its dense twin though each rotates through its own working set', () => {
    const [dense, sparse] = sparseDecode(0.6, 1.62, [1.58, 1.66]);
    const results = [
      { ...dense, params: { ...dense.params, workingSetBytes: 67_117_056 } },
      { ...sparse, params: { ...sparse.params, workingSetBytes: 70_432_768 } },
    ] as BenchResult[];
    const result = outcome('sparse-bandwidth-40', resultsOn(results));
    expect(result.verdict).toBe('consistent');
    expect(result.measured).toMatch(/^keeping 60% of KV blocks/);
  });

  it('prints the speed-up the results table shows (speedupVsDense), with its CI', () => {
    const result = outcome('sparse-bandwidth-40', resultsOn(sparseDecode(0.6, 1.62, [1.58, 1.66])));
    expect(result.measured).toBe(
      'keeping 60% of KV blocks: 40% fewer bytes; speed-up 1.62× (95% CI 1.58×–1.66×), i.e. 38% (95% CI 37%–40%) less time',
    );
  });
});

describe('single cycle', () => {
  it.each([
    ['no results', []],
    ['fusion faster', quickPresetRun().results],
  ])('is mechanism-only with %s, with the arithmetic', (_name, results) => {
    const result = outcome('single-cycle-fusion', resultsOn(results as BenchResult[]));
    expect(result.verdict).toBe('mechanism-only');
    expect(result.detail).toContain('96 heads × 128 × 2048 = 25,165,824 multiply-adds');
    expect(result.detail).toContain('50.33 MB');
  });
});

describe('bandwidth utilisation 65% → 88%: memory-bound, paired with the read probe, caches excluded', () => {
  const step = (share: number, shareCi: [number, number], workingSetBytes = 2 ** 31) =>
    decodeStep({ medianMs: 1, share, shareCi, workingSetBytes });
  it.each<[string, BenchResult[], string]>([
    ['CI wholly ≥ 88%', [step(0.93, [0.91, 0.95])], 'consistent'],
    ['CI wholly < 88%', [step(0.7, [0.68, 0.72])], 'not-reproduced'],
    ['CI straddles 88%', [step(0.88, [0.85, 0.91])], 'inconclusive'],
    ['130% of the ceiling never counts', [step(1.3, [1.28, 1.32])], 'inconclusive'],
    ['a working set caches can hold', [step(0.93, [0.91, 0.95], 64 * 2 ** 20)], 'inconclusive'],
    ['attention kernels only', quickPresetRun().results, 'inconclusive'],
  ])('%s → %s', (_name, results, verdict) => {
    expect(outcome('bandwidth-utilisation-65-88', resultsOn(results)).verdict).toBe(verdict);
  });

  it('decides from the counted result and names the inflated one', () => {
    const gemv = {
      ...step(1.3, [1.28, 1.32]),
      op: 'gemv',
      kernel: 'gemv-int4',
      id: 'gemv',
    } as BenchResult;
    const result = outcome('bandwidth-utilisation-65-88', resultsOn([gemv, step(0.7, [0.68, 0.72])]));
    expect(result.verdict).toBe('not-reproduced');
    expect(result.detail).toContain('so not counted: gemv gemv-int4 130%');
  });

  it('shows a bound just under 88% with the digits that keep it under, beside its verdict', () => {
    const result = outcome('bandwidth-utilisation-65-88', resultsOn([step(0.9, [0.8796, 0.92])]));
    expect(result.verdict).toBe('inconclusive');
    expect(result.measured).toMatch(/: 90\.00% \(95% CI 87\.96%–92\.00%\) of the read probe$/);
    // Away from the threshold, whole percentages as before.
    expect(outcome('bandwidth-utilisation-65-88', resultsOn([step(0.7, [0.68, 0.72])])).measured).toMatch(
      /: 70% \(95% CI 68%–72%\) of the read probe$/,
    );
  });

  it('names a decode step by its model and weight format, not its op twice', () => {
    const result = outcome('bandwidth-utilisation-65-88', resultsOn([step(0.7, [0.68, 0.72])]));
    expect(result.measured).toMatch(/^decode-step glm-130b int4: 70%/);
  });
});

describe('latency 120 → 85 ms: from the decode-step projection, never one attention kernel', () => {
  // 141 GB: GLM-130B in int4 and its KV cache fit on one card.
  const fitting = { inputs: { ...DEFAULT_INPUTS, memoryGB: 141 } };
  it.each<[string, number, [number, number], string]>([
    ['CI wholly under 85 ms', 60, [0.95, 1.05], 'consistent'],
    ['CI wholly above 85 ms', 200, [0.95, 1.05], 'not-reproduced'],
    ['CI straddles 85 ms', 85, [0.9, 1.1], 'inconclusive'],
  ])('%s → %s', (_name, msPerToken, [lo, hi], verdict) => {
    const median = layerMsFor(msPerToken);
    const file = resultsOn([decodeStep({ medianMs: median, ci95: [median * lo, median * hi] })]);
    expect(outcome('latency-120-85', file, fitting).verdict).toBe(verdict);
  });

  it('gives no verdict where the weights and KV cache do not fit on the card, however fast', () => {
    const median = layerMsFor(60);
    const file = resultsOn([decodeStep({ medianMs: median, ci95: [median * 0.95, median * 1.05] })]);
    const result = outcome('latency-120-85', file, { inputs: { ...DEFAULT_INPUTS, memoryGB: 40 } });
    expect(result.verdict).toBe('inconclusive');
    expect(result.detail).toMatch(
      /do not fit in 40 GiB \(42.95 GB\), so this latency cannot be reached on one card/,
    );
  });

  it('gives no verdict from attention kernels however much faster fusion is, and shows the audit', () => {
    const result = outcome('latency-120-85', resultsOn(quickPresetRun().results));
    expect(result.verdict).toBe('inconclusive');
    expect(result.detail).toContain('Physical audit');
    expect(result.detail).toContain('int4:');
  });

  it('gives no verdict for more than one card', () => {
    const file = resultsOn([decodeStep({ medianMs: layerMsFor(40) })]);
    expect(outcome('latency-120-85', file, { inputs: { ...DEFAULT_INPUTS, cards: 2 } }).verdict).toBe(
      'inconclusive',
    );
  });
});

describe('tensor cores 95% vs 70%', () => {
  it('is not measurable, states the batch-1 limit, and flags a matmul above the FMA probe', () => {
    const above = makeResult({ id: 'mm', op: 'matmul', kernel: 'tiled', computeUtil: 1.2 });
    const result = outcome('tensor-core-95', resultsOn([above]));
    expect(result.verdict).toBe('not-measurable');
    expect(result.detail).toContain('2.039 TFLOP/s of its 312 TFLOP/s fp16 tensor peak = 0.654%');
    expect(result.detail).toContain('above 100% of the FMA probe: flagged');
    expect(result.measured).toBeUndefined();
  });

  it('never prints a share of the tensor peak above 100%: at batch 256 the GEMVs are compute-bound', () => {
    const result = outcome('tensor-core-95', resultsOn([]), { inputs: { ...DEFAULT_INPUTS, batch: 256 } });
    expect(result.detail).not.toMatch(/peak = \d+(\.\d+)?%/);
    expect(result.detail).toContain('more than its 312 TFLOP/s fp16 tensor peak');
  });
});

describe('cost per 1M tokens: one function for the verdict, the table and the box', () => {
  const file = resultsOn([decodeStep({ medianMs: layerMsFor(40), ci95: undefined }), readProbe(1500)]);
  // 141 GB per card: GLM-130B in int4 (75 GB) and one sequence's 7 GB of KV cache fit (on 80 GB they do not).
  const inputs = (changes: Partial<ArticleInputs>): ArticleInputs => ({
    ...DEFAULT_INPUTS,
    memoryGB: 141,
    ...changes,
  });

  it('prints in the table the figure of the cost box', () => {
    const estimate = estimateDecoder(file, inputs({}));
    const result = outcome('cost-per-million-tokens', file, { inputs: inputs({}) });
    expect(result.measured).toContain(dollarsText(estimate.cost?.dollars ?? Number.NaN));
    expect(result.detail).toContain(estimate.cost?.formula ?? 'none');
  });

  it('does not move when only the displayed currency rounding changes', () => {
    const verdicts = [0, 2, 3, 4].map((currencyDigits) => {
      const estimate = estimateDecoder(file, inputs({ pricePerGpuHour: 0.4 }), { currencyDigits });
      return outcome('cost-per-million-tokens', file, { inputs: estimate.inputs, estimate }).verdict;
    });
    expect(new Set(verdicts).size).toBe(1);
  });

  it.each<[string, Partial<ArticleInputs>, string]>([
    ['a cheap GPU-hour', { pricePerGpuHour: 0.05 }, 'consistent'],
    ['a dear GPU-hour', { pricePerGpuHour: 50 }, 'not-reproduced'],
    ['a batch whose KV cache does not fit', { batch: 64, pricePerGpuHour: 0.05 }, 'inconclusive'],
  ])('%s → %s', (_name, changes, verdict) => {
    expect(outcome('cost-per-million-tokens', file, { inputs: inputs(changes) }).verdict).toBe(verdict);
  });

  it('computes the batch range that fits', () => {
    const result = outcome('cost-per-million-tokens', file, { inputs: inputs({ batch: 64 }) });
    expect(result.detail).toMatch(/batches 1–\d+ fit beside the weights/);
    expect(result.detail).toContain('does not fit in memory');
  });

  it('without a decode step is inconclusive (a floor is only a bound)', () => {
    expect(outcome('cost-per-million-tokens', resultsOn([readProbe(1500)])).verdict).toBe('inconclusive');
  });
});

describe('whose GPU', () => {
  it.each([
    ['here', 'this GPU'],
    ['link', 'the sender’s GPU'],
    ['import', 'the sender’s GPU'],
  ] as const)('a run from %s says "%s"', (origin, words) => {
    const file = resultsOn([
      ...sparseDecode(0.6, 1.62, [1.58, 1.66]),
      decodeStep({ medianMs: 1 }),
      readProbe(900),
    ]);
    const texts = checkClaims(file, { origin })
      .map(({ outcome: o }) => o.detail)
      .join(' ');
    expect(texts).toContain(words);
    if (origin !== 'here') expect(texts).not.toContain('this GPU');
  });
});

describe('claims no kernel can check', () => {
  it.each([
    ['efficiency-30', 'reference'],
    ['power-400-350', 'not-measurable'],
    ['partner-cambricon', 'reference'],
    ['partner-enflame', 'reference'],
    ['partner-horizon', 'reference'],
    ['state-grid', 'reference'],
    ['multimodal-agent', 'out-of-scope'],
  ])('%s is %s', (id, verdict) => {
    expect(outcome(id, resultsOn([])).verdict).toBe(verdict);
  });

  it('bad inputs give inconclusive with the field named, never a throw', () => {
    const result = outcome('cost-per-million-tokens', resultsOn([]), {
      inputs: { ...DEFAULT_INPUTS, batch: 0 },
    });
    expect(result.verdict).toBe('inconclusive');
    expect(result.detail).toContain('batch');
  });
});

describe('the claims in BENCHMARKS.md', () => {
  it('lists every claim with its verdict, and the article-against-itself rows', async () => {
    const { claimsMarkdown } = await import('../../src/article/report.ts');
    const file = resultsOn(quickPresetRun().results, true);
    const lines = claimsMarkdown(file);
    const verdicts = checkClaims(file);
    for (const { claim, outcome: o } of verdicts) {
      expect(lines).toContainEqual(
        expect.stringContaining(`| ${claim.title.replaceAll('|', '\\|')} | \`${o.verdict}\` |`),
      );
    }
    expect(lines.join('\n')).toContain(
      '| 120 ms → 85 ms printed as a 29.4% improvement | `article-inconsistent` |',
    );
    expect(lines.join('\n')).toContain('A software adapter ran');
  });
});
