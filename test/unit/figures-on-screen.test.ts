// Figures the page and the CLI put beside each other must agree: a speed-up with the medians it comes
// from, every verified configuration on the roofline, sparse series per kernel, a latency chart that
// fits one sequence length, live rows with their GB/s, and a side-by-side view that knows the noise.

import { describe, expect, it } from 'vitest';
import { speedupCell, speedupFootnote } from '../../bench/table.ts';
import type { BenchResult, ResultsFile } from '../../src/results/types.ts';
import {
  alignSeries,
  bandwidthLabel,
  latencyAtOneLength,
  latencySpec,
  plottedPoints,
  rooflineResults,
  rooflineSpec,
  sparseSpec,
} from '../../src/ui/chart-specs.ts';
import { adapterKey, compareRuns } from '../../src/ui/compare-model.ts';
import { partialFile, speedUpOf } from '../../src/ui/results-model.ts';
import { makeResult, makeResultsFile, quickPresetRun } from './results-fixtures.ts';

function latency(median: number, halfWidth = 0.01 * median): NonNullable<BenchResult['latencyMs']> {
  return {
    median,
    p10: median - halfWidth,
    p90: median + halfWidth,
    ci95: [median - halfWidth, median + halfWidth],
    samples: 20,
  };
}

const denseDecode = makeResult({
  id: 'decode/decode',
  op: 'decode',
  kernel: 'decode',
  params: { heads: 2, seqQ: 1, seqK: 4096, headDim: 64 },
  latencyMs: latency(1.783),
});
const sparseDecode = makeResult({
  id: 'decode/decode/random',
  op: 'decode',
  kernel: 'decode',
  params: { heads: 2, seqQ: 1, seqK: 4096, headDim: 64, pattern: 'random' },
  density: 0.6,
  latencyMs: latency(2.716),
  speedupVsDense: 1.39,
  pairedBaselineMs: 3.79,
});

describe('speed-up beside the medians it comes from (item 1) and its baseline (item 4)', () => {
  it('a paired speed-up carries the baseline median of the same pairs, not the dense row', () => {
    const speedUp = speedUpOf(sparseDecode, [denseDecode, sparseDecode]);
    expect(speedUp).toMatchObject({ samples: 'paired', baselineMs: 3.79, candidateMs: 2.716 });
    // The ratio agrees with the two medians shown beside it (within the spread of per-pair ratios).
    expect((speedUp?.baselineMs ?? 0) / (speedUp?.candidateMs ?? 1)).toBeCloseTo(speedUp?.value ?? 0, 1);
  });

  it.each([
    ['decode', 'dense decode'],
    ['attention', 'dense flash'],
  ] as const)('names the baseline of a sparse %s result: %s', (op, against) => {
    expect(speedUpOf({ ...sparseDecode, op }, [])?.against).toBe(against);
  });

  it('an unpaired sparse speed-up is the ratio of the two rows’ medians', () => {
    const unpaired = { ...sparseDecode, pairedBaselineMs: undefined, speedupVsDense: 1.783 / 2.716 };
    const speedUp = speedUpOf(unpaired, [denseDecode, unpaired]);
    expect(speedUp?.samples).toBe('separate');
    expect(speedUp?.baselineMs).toBeCloseTo(1.783, 9);
  });

  it('the CLI prints the paired baseline beside the ratio and says which samples it comes from', () => {
    expect(speedupCell(sparseDecode)).toBe('1.39× vs 3.790 paired');
    expect(speedupCell({ ...sparseDecode, pairedBaselineMs: undefined })).toBe('1.39× separate');
    expect(speedupCell(denseDecode)).toBe('');
    const footnote = speedupFootnote([denseDecode, sparseDecode]).join('\n');
    expect(footnote).toMatch(/median of the per-pair ratios/);
    expect(footnote).toMatch(/separate measurement/);
    expect(speedupFootnote([denseDecode])).toEqual([]);
  });
});

describe('charts', () => {
  it('the roofline draws one point per verified configuration, same intensity or not (item 2)', () => {
    const naive = makeResult({ id: 'm/naive', op: 'matmul', kernel: 'naive', intensity: 21.33, gflops: 5 });
    const tiled = makeResult({ id: 'm/tiled', op: 'matmul', kernel: 'tiled', intensity: 21.33, gflops: 80 });
    const file = makeResultsFile([naive, tiled, { ...tiled, id: 'm/tiled2', gflops: 81 }]);
    const spec = rooflineSpec(file);
    if (!spec) throw new Error('no roofline');
    expect(plottedPoints(spec, alignSeries(spec.series))).toBe(3);
  });

  it('the roofline of a whole quick run has as many points as verified, timed configurations', () => {
    const file = quickPresetRun();
    const spec = rooflineSpec(file);
    if (!spec) throw new Error('no roofline');
    expect(plottedPoints(spec, alignSeries(spec.series))).toBe(rooflineResults(file.results).length);
  });

  it('block-sparse series are keyed by kernel and pattern; sparse decode has its own chart (item 3)', () => {
    const sparse = (kernel: string, speedup: number) =>
      makeResult({
        id: `a/${kernel}`,
        kernel,
        params: { heads: 1, seqQ: 256, seqK: 256, headDim: 64, pattern: 'random' },
        density: 0.5,
        speedupVsDense: speedup,
      });
    const results = [sparse('block-sparse', 1.6), sparse('block-sparse-f16', 1.2), sparseDecode];
    const attention = sparseSpec(results, 'attention');
    const labels = attention?.series.map((s) => s.label);
    expect(labels).toEqual(['ideal 1/density', 'block-sparse · random', 'block-sparse-f16 · random']);
    expect(attention?.series[1].points).toEqual([[0.5, 1.6]]);
    expect(attention?.caption).toMatch(/over dense flash/);
    const decode = sparseSpec(results, 'decode');
    expect(decode?.series.slice(1).map((s) => s.points)).toEqual([[[0.6, 1.39]]]);
    expect(decode?.caption).toMatch(/against dense decode/);
  });

  it('with one sequence length the latency chart is bars at that length, not a line chart (item 5)', () => {
    const one = [makeResult(), makeResult({ kernel: 'unfused', latencyMs: latency(4) })];
    expect(latencySpec(one)).toBeUndefined();
    expect(latencyAtOneLength(one)).toEqual({
      seqLen: 512,
      bars: [
        { label: 'flash', ms: 1.25 },
        { label: 'unfused', ms: 4 },
      ],
    });
    const two = [...one, makeResult({ params: { heads: 8, seqQ: 1024, seqK: 1024, headDim: 64 } })];
    expect(latencySpec(two)?.series.length).toBe(2);
    expect(latencyAtOneLength(two)).toBeUndefined();
  });

  it('the bandwidth chart keeps flash on prefill apart from flash on decode, and dense KV from sparse', () => {
    const decode = { heads: 2, seqQ: 1, seqK: 8192, headDim: 64 };
    expect(bandwidthLabel(makeResult())).toBe('flash · prefill');
    expect(bandwidthLabel(makeResult({ op: 'decode', params: decode }))).toBe('flash · decode, dense KV');
    expect(bandwidthLabel(makeResult({ op: 'decode', kernel: 'decode', params: decode }))).toBe(
      'decode · decode, dense KV',
    );
    expect(
      bandwidthLabel(
        makeResult({
          op: 'decode',
          kernel: 'decode',
          density: 0.6,
          params: { ...decode, pattern: 'random' },
        }),
      ),
    ).toBe('decode · decode, sparse KV');
  });

  it('the dense latency charts leave out a dense kernel run under a mask (the sparse baselines)', () => {
    const masked = makeResult({
      latencyMs: latency(1.3),
      params: { heads: 8, seqQ: 512, seqK: 512, headDim: 64, pattern: 'sliding-window' },
    });
    expect(latencyAtOneLength([makeResult(), masked])?.bars).toEqual([{ label: 'flash', ms: 1.25 }]);
  });
});

describe('a run in progress shows GB/s, % of copy and GFLOP/s (item 6)', () => {
  it('derives them from the probes seen so far, without changing the results passed in', () => {
    const probe = makeResult({
      id: 'probe/copy',
      op: 'probe',
      kernel: 'copy',
      params: { bytes: 8_000_000 },
      bytes: 16_000_000,
      flops: 0,
      latencyMs: latency(2),
    });
    const bare = { ...makeResult(), gbps: undefined, gflops: undefined, bwUtil: undefined };
    const file = partialFile(makeResultsFile().environment, [probe, bare], undefined, 'quick', '0.1.0');
    const shown = file.results[1];
    expect(file.ceilings.copyGBps).toBeCloseTo(8, 9);
    expect(shown.gbps).toBeCloseTo(4_194_304 / 1.25e-3 / 1e9, 6);
    expect(shown.bwUtil).toBeCloseTo((shown.gbps ?? 0) / 8, 9);
    expect(shown.gflops).toBeGreaterThan(0);
    expect(bare.gbps).toBeUndefined();
  });
});

describe('side by side (item 7)', () => {
  const node: ResultsFile['environment']['adapter'] = {
    vendor: 'google',
    architecture: 'swiftshader',
    device: 'swiftshader-device-subzero-',
    description: 'SwiftShader driver 5.0.0',
    isSoftware: true,
  };
  const browser = { ...node, device: '', description: '' };

  it('recognises one adapter described by Node and by a browser', () => {
    expect(adapterKey(node)).toBe(adapterKey(browser));
    expect(adapterKey({ ...browser, architecture: 'hopper', vendor: 'nvidia' })).not.toBe(adapterKey(node));
  });

  function run(adapter: typeof node, medians: number[], halfWidth: number): ResultsFile {
    const file = makeResultsFile(
      medians.map((median, i) => makeResult({ id: `r${i}`, latencyMs: latency(median, halfWidth) })),
    );
    return { ...file, environment: { ...file.environment, adapter } };
  }

  it('a geometric mean whose interval covers 1× is indistinguishable; same adapter and software said', () => {
    const theirs = run(node, [2, 1, 3, 1.5], 0.05);
    const ours = run(browser, [1, 2, 1.5, 3], 0.05);
    const comparison = compareRuns(theirs, ours);
    expect(comparison.rows.length).toBe(4);
    expect(comparison.geomean?.value).toBeCloseTo(1, 9);
    expect(comparison.geomean?.indistinguishable).toBe(true);
    expect(comparison.sameAdapter).toBe(true);
    expect(comparison.software).toBe(true);
  });

  it('a steady ratio is not indistinguishable; a row whose intervals overlap is', () => {
    const comparison = compareRuns(run(node, [2.6, 2.7, 2.5], 0.01), run(browser, [1, 1, 1], 0.01));
    expect(comparison.geomean?.indistinguishable).toBe(false);
    expect(comparison.geomean?.ci95[0]).toBeGreaterThan(2.3);
    const noisy = compareRuns(run(node, [1.05], 0.2), run(node, [1], 0.2));
    expect(noisy.rows[0].indistinguishable).toBe(true);
    expect(noisy.geomean?.indistinguishable).toBe(true); // one ratio: no interval, so never a verdict
  });

  it('a result repeated in a file is one configuration, not three', () => {
    const theirs = run(node, [2.6], 0.01);
    theirs.results.push(theirs.results[0], theirs.results[0]);
    const comparison = compareRuns(theirs, run(browser, [1], 0.01));
    expect(comparison.rows.length).toBe(1);
    expect(comparison.geomean?.count).toBe(1);
    expect(comparison.geomean?.indistinguishable).toBe(true); // one configuration: no interval
    // Two of their ids matched to one of ours through the parameters: that one counts once too.
    const renamed = run(node, [2.6, 2.6], 0.01);
    renamed.results[1] = { ...renamed.results[1], id: 'elsewhere', params: renamed.results[0].params };
    const ours = run(browser, [1], 0.01);
    ours.results[0] = { ...ours.results[0], id: 'ours' };
    expect(compareRuns(renamed, ours).rows.length).toBe(1);
    // Files without ids (all empty) still pair every configuration by its parameters.
    const blank = (file: ResultsFile): ResultsFile => ({
      ...file,
      results: file.results.map((r) => ({ ...r, id: '' })),
    });
    const quick = quickPresetRun();
    expect(compareRuns(blank(quick), blank(quickPresetRun())).rows.length).toBe(quick.results.length);
    // Also when the first result's kernel repeats (unfused first: the empty id finds it every time).
    const fromUnfused = (file: ResultsFile): ResultsFile => ({
      ...file,
      results: file.results.filter((r) => r.op === 'attention'),
    });
    const attention = fromUnfused(quick);
    expect(attention.results[0].kernel).toBe('unfused');
    expect(compareRuns(blank(attention), blank(fromUnfused(quickPresetRun()))).rows.length).toBe(
      attention.results.length,
    );
  });
});
