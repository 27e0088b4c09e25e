// The harness end to end on a tiny custom config: every registered kernel verified then timed, the
// results JSON complete and valid against the schema, ceilings measured, sparse results linked to
// their dense baseline; every kernel of the allow-list measured and verified. Also the
// timer itself: timestamp queries at full resolution in Node (Dawn's quantization off).

import { describe, expect, it } from 'vitest';
import type { Gpu } from '../../src/gpu/gpu.ts';
import { findEntry, matmulKernels, registry } from '../../src/kernels/registry.ts';
import { tiledTunable } from '../../src/kernels/tunables.ts';
import { memoryTuneStore, type Progress, type RunConfig, runBenchmarks } from '../../src/measure/run.ts';
import { createTimer } from '../../src/measure/timing.ts';
import { MAX_SETS, WORKING_SET_HARDWARE, WORKING_SET_SOFTWARE } from '../../src/measure/working-set.ts';
import { parseResults } from '../../src/results/schema.ts';
import type { ResultsFile } from '../../src/results/types.ts';
import { useGpu } from './gpu-harness.ts';

const TINY: RunConfig = {
  heads: 1,
  headDim: 16,
  seqLens: [48],
  blockSize: 8,
  patterns: ['sliding-window'],
  densities: [0.5],
  decodeKv: [200],
  decodeDensity: 0.6,
  matmulSizes: [40],
  peers: false,
  suites: ['attention', 'sparse', 'decode', 'matmul', 'probes'],
  budgetMs: 6_000,
  // A few kernels: a pipeline compile costs seconds on SwiftShader (flash or block-sparse ~15 s each
  // on a loaded machine). Sparse results are linked to their dense baseline by the decode suite here.
  kernels: ['copy', 'unfused', 'fused-softmax', 'decode', 'naive', 'tiled'],
};

const NO_PROBES = registry.filter((e) => e.kind !== 'probe');

describe('runBenchmarks on a tiny config', () => {
  const gpu = useGpu();
  let file: ResultsFile;
  const progress: Progress[] = [];

  it('runs to completion and reports progress', async () => {
    file = await runBenchmarks(gpu(), { config: TINY, onProgress: (p) => progress.push(p) });
    expect(file.status).toBe('complete');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)?.done).toBe(progress.at(-1)?.total);
    const withResult = progress.filter((p) => p.result);
    expect(withResult.length).toBe(file.results.length);
  });

  it('writes every field of the results contract and passes the strict schema', () => {
    expect(file.schema).toBe('attnscope.results/1');
    expect(Number.isNaN(Date.parse(file.createdAt))).toBe(false);
    expect(file.tool).toEqual({ name: 'attnscope', version: expect.any(String) });
    expect(file.preset).toBe('custom');
    const env = file.environment;
    expect(env.runtime).toBe('node');
    expect(env.userAgent).toMatch(/Node\.js/);
    expect(env.adapter).toEqual(gpu().adapter);
    expect(env.features).toEqual(expect.arrayContaining([...gpu().features]));
    expect(env.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(['timestamp-query', 'wall-clock']).toContain(env.timing.source);
    expect(env.timing.resolutionMs).toBeGreaterThan(0);
    const parsed = parseResults(JSON.parse(JSON.stringify(file)));
    expect(parsed.ok ? undefined : parsed.error).toBeUndefined();
  });

  it('measures the copy ceiling in the same run', () => {
    expect(file.ceilings.copyGBps).toBeGreaterThan(0);
    const copies = file.results.filter((r) => r.kernel === 'copy');
    expect(copies.length).toBeGreaterThan(0);
    expect(Math.max(...copies.map((r) => r.gbps ?? 0))).toBeCloseTo(file.ceilings.copyGBps, 6);
  });

  it('verifies then times every registered kernel, with the roofline figures', () => {
    const timed = file.results;
    expect(timed.length).toBeGreaterThanOrEqual(4); // copy ×2, unfused ×1+, naive, …
    for (const r of timed) {
      expect(r.error, `${r.id}: ${r.error}`).toBeUndefined();
      expect(r.verified, r.id).toBe(true);
      const l = r.latencyMs!;
      expect(l.samples, r.id).toBeGreaterThanOrEqual(10);
      expect(l.median).toBeGreaterThan(0);
      expect(l.p10).toBeLessThanOrEqual(l.median);
      expect(l.p90).toBeGreaterThanOrEqual(l.median);
      expect(l.ci95[0]).toBeLessThanOrEqual(l.median);
      expect(l.ci95[1]).toBeGreaterThanOrEqual(l.median);
      expect(r.bytes, r.id).toBeGreaterThan(0);
      expect(r.gbps, r.id).toBeGreaterThan(0);
      expect(r.bwUtil, r.id).toBeGreaterThan(0);
      expect(r.intensity, r.id).toBeGreaterThanOrEqual(0);
      if (r.op !== 'probe') {
        expect(r.flops, r.id).toBeGreaterThan(0);
        expect(r.maxAbsErr, r.id).toBeLessThan(1e-3);
      }
    }
  });

  it('measures every registered kernel of the allow-list, and nothing else', () => {
    const measured = new Set(file.results.map((r) => r.kernel));
    expect([...measured].sort()).toEqual([...(TINY.kernels ?? [])].sort());
    for (const name of measured) expect(findEntry(name), name).toBeDefined();
  });

  it('links sparse decode to dense decode on the same KV, timed as an interleaved pair (density, speed-up, its CI)', () => {
    const sparse = file.results.find((r) => r.kernel === 'decode' && r.params.pattern);
    const dense = file.results.filter((r) => r.kernel === 'decode' && !r.params.pattern);
    expect(dense).toHaveLength(1); // the baseline appears once, with its own measurement
    expect(dense[0].verified).toBe(true);
    expect(sparse?.verified).toBe(true);
    expect(sparse?.density).toBeGreaterThan(0);
    expect(sparse?.density).toBeLessThan(1);
    const notes = sparse?.notes ?? '';
    const pair =
      /timed interleaved with decode .*?\((\d+) pairs, same load\).*?95% CI ([\d.]+)–([\d.]+)×/.exec(notes);
    expect(pair, notes).not.toBeNull();
    expect(Number(pair![1])).toBeGreaterThanOrEqual(10);
    const speedup = sparse!.speedupVsDense!;
    expect(Number.isFinite(speedup) && speedup > 0).toBe(true);
    // The CI is printed to 2 decimals: it brackets the median of the per-pair ratios.
    expect(Number(pair![2])).toBeLessThanOrEqual(speedup + 0.005);
    expect(Number(pair![3])).toBeGreaterThanOrEqual(speedup - 0.005);
    expect(notes).toMatch(/ideal 1\/density/);
    expect(notes).not.toMatch(/not paired/);
  });

  it('times the bandwidth-bound results over rotating working sets, decode beside the read probe', () => {
    const streaming = file.results.filter((r) => r.op === 'decode' || r.kernel === 'copy');
    expect(streaming.length).toBeGreaterThanOrEqual(4); // copy ×2, decode dense and sparse
    const target = gpu().adapter.isSoftware ? WORKING_SET_SOFTWARE : WORKING_SET_HARDWARE;
    for (const r of streaming) {
      const ws = Number(r.params.workingSetBytes);
      // Enough sets of the bytes one call streams to reach the target (or the most sets allowed).
      expect(ws, r.id).toBeGreaterThanOrEqual(Math.min(target, MAX_SETS * r.bytes));
      expect(ws % r.bytes, r.id).toBe(0);
      expect(r.notes, r.id).toMatch(
        /working set [\d.]+ [KMG]iB \(\d+ × [\d.]+ [KMG]?i?B, rotated per call, random data\)/,
      );
      if (gpu().adapter.isSoftware) {
        expect(r.notes, r.id).toMatch(/scaled down on a software adapter/);
        // Streaming probes stream on the grid that was fastest at their size.
        if (r.kernel === 'copy')
          expect(r.notes, r.id).toMatch(/its grid of \d+ workgroups \(the fastest of /);
      }
    }
    for (const r of streaming.filter((r) => r.op === 'decode')) {
      const pair = r.ceilingPair;
      expect(pair?.probe, r.id).toBe('read');
      expect(pair!.ratio).toBeGreaterThan(0);
      expect(pair!.ci95[0]).toBeLessThanOrEqual(pair!.ratio);
      expect(pair!.ci95[1]).toBeGreaterThanOrEqual(pair!.ratio);
      // The probe streams the same bytes per call (rounded up to 16) over as many sets.
      const ws = Number(r.params.workingSetBytes);
      expect(pair!.workingSetBytes).toBeGreaterThanOrEqual(ws);
      expect(pair!.workingSetBytes).toBeLessThan(ws + 16 * (ws / r.bytes));
      expect(r.notes).toMatch(
        /timed interleaved with the read probe over \d+ × \d+ bytes \(\d+ pairs, same load\)/,
      );
      if (gpu().adapter.isSoftware)
        expect(r.notes).toMatch(/the probe's median in the pairs [\d.]+ ms, its grid of \d+ workgroups/);
    }
  });

  it('ids are unique', () => {
    const ids = file.results.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('the timer', () => {
  const gpu = useGpu();

  it.skipIf(!process.versions.node)(
    'timestamp queries are not quantized in Node (Dawn toggle off)',
    async (context) => {
      // A skip that shows as a skip (never a pass) where the adapter has no timestamp queries.
      if (!gpu().features.has('timestamp-query')) context.skip('this adapter lacks timestamp-query');
      const timer = await createTimer(gpu());
      try {
        expect(timer.info.source).toBe('timestamp-query');
        expect(timer.info.quantized).toBe(false);
        // Dawn's default quantization would round to 65.5 µs: the resolution is far finer.
        expect(timer.info.resolutionMs).toBeLessThan(0.01);
      } finally {
        timer.destroy();
      }
    },
  );

  it('the wall-clock fallback measures its round trip', async () => {
    const timer = await createTimer(gpu(), { wallClock: true });
    expect(timer.info.source).toBe('wall-clock');
    expect(timer.info.resolutionMs).toBeGreaterThan(0);
    const ms = await timer.time('empty', () => {}, { calls: 3, callsPerSubmit: 1 });
    expect(ms).toBeGreaterThan(0);
  });
});

describe('autotune', () => {
  const gpu = useGpu();
  const config: RunConfig = {
    ...TINY,
    matmulSizes: [32],
    suites: ['matmul'],
    kernels: ['tiled'],
    autotune: true,
  };
  // Three candidates keep the test short; the sweep, cache and reuse are the same as with all.
  const tunables = [{ ...tiledTunable, candidates: (g: Gpu) => tiledTunable.candidates(g).slice(0, 3) }];

  it('sweeps, verifies and caches a winner per adapter, then reuses it', async () => {
    const store = memoryTuneStore();
    const options = { config, registry: NO_PROBES, tuneStore: store, tunables };
    const first = await runBenchmarks(gpu(), options);
    const tuned = first.results.find((r) => r.kernel === 'tiled' && !r.params.bias);
    expect(tuned?.verified).toBe(true);
    expect(String(tuned?.params.tuned)).toMatch(/^tiled\[/);
    expect(tuned?.notes).toMatch(/autotuned for this adapter \(swept in this run\)/);
    expect(tuned?.notes).toMatch(/chosen among [23] verified configurations/);
    // A winner other than the default (the first candidate) has been re-timed against it.
    if (tuned?.params.tuned !== tunables[0].candidates(gpu())[0].label) {
      expect(tuned?.notes).toMatch(/(confirmed against the default|kept the default|not re-timed)/);
    }

    const second = await runBenchmarks(gpu(), { ...options, autotune: 'cached' });
    const again = second.results.find((r) => r.kernel === 'tiled' && !r.params.bias);
    expect(again?.params.tuned).toBe(tuned?.params.tuned);
    expect(again?.notes).toMatch(/cached winner from/);

    const off = await runBenchmarks(gpu(), { ...options, autotune: 'off' });
    expect(off.results.find((r) => r.kernel === 'tiled')?.params.tuned).toBeUndefined();
  });

  it("a sweep's fastest replaces a much slower default only after an interleaved re-timing confirms it", async () => {
    // The default is the naive kernel under another name: tiled beats it several times over.
    const slow = {
      label: 'slow-default',
      config: { slow: true },
      kernel: { ...matmulKernels.naive, name: 'slow-default' },
    };
    const fast = {
      label: 'fast',
      config: { slow: false },
      kernel: { ...matmulKernels.tiled, name: 'fast' },
    };
    const pair = {
      ...tiledTunable,
      candidates: () => [slow, fast],
      fromConfig: (_: Gpu, raw: Record<string, number | boolean>) => (raw.slow ? slow : fast),
    };
    const store = memoryTuneStore();
    const run = await runBenchmarks(gpu(), {
      config: { ...config, matmulSizes: [128] },
      registry: NO_PROBES,
      tuneStore: store,
      tunables: [pair],
    });
    const tuned = run.results.find((r) => r.kernel === 'tiled' && !r.params.bias);
    expect(tuned?.params.tuned).toBe('fast');
    expect(tuned?.notes).toMatch(
      /confirmed against the default slow-default timed interleaved: \d+\.\d\d× \(95% CI/,
    );
  });
});
