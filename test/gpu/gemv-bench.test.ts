// The gemv suite's runner on a real adapter: verified first, then timed paired with the read probe;
// the result carries the bytes the format moves, the working set and the paired share with its CI.
// (Speeds are not judged here.)

import { describe, expect, it } from 'vitest';
import { entriesOf } from '../../src/kernels/registry.ts';
import { ReferenceCache } from '../../src/measure/cases.ts';
import { gemvBenchCase, runGemvBench } from '../../src/measure/gemv-bench.ts';
import { createTimer } from '../../src/measure/timing.ts';
import { runJob } from '../../src/measure/verify.ts';
import { parseResults } from '../../src/results/schema.ts';
import { makeResultsFile } from '../unit/results-fixtures.ts';
import { useGpu } from './gpu-harness.ts';

describe('runGemvBench', () => {
  const gpu = useGpu();

  it('int4, one row: a verified result with its read-probe share', async () => {
    const entry = entriesOf('gemv').find((e) => e.name === 'gemv-int4');
    if (!entry) throw new Error('gemv-int4 is not registered');
    const c = { ...gemvBenchCase(true, 'int4', 1), n: 256 }; // smaller still: only the plumbing is tested
    const result = await runGemvBench({ gpu: gpu(), timer: await createTimer(gpu()) }, entry, c, 1500);
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ op: 'gemv', kernel: 'gemv-int4', verified: true });
    expect(result.params).toMatchObject({
      k: 4096,
      n: 256,
      rows: 1,
      format: 'int4',
      groupSize: 32,
      scaledForSoftware: true,
    });
    expect(result.bytes).toBe(entry.kernel.cost(c).bytes);
    expect(result.gbps).toBeCloseTo(result.bytes / (result.latencyMs?.median ?? 0) / 1e6, 9);
    const pair = result.ceilingPair;
    expect(pair?.probe).toBe('read');
    expect(pair?.ratio).toBeGreaterThan(0);
    expect(pair?.ci95[0]).toBeLessThanOrEqual(pair?.ratio ?? 0);
    expect(pair?.ci95[1]).toBeGreaterThanOrEqual(pair?.ratio ?? 0);
    // The probe reads the kernel's bytes (rounded up to 16) over as many copies, beside it.
    expect(pair?.workingSetBytes).toBe(Math.ceil(result.bytes / 16) * 16);
    expect(result.notes).toMatch(
      /^timed interleaved with the read probe over 1 × \d+ bytes \(\d+ pairs, same load\)/,
    );
    // The same kernel on a cache-resident slice against the streamed weights, interleaved.
    const residency = result.residency;
    expect(residency?.ratio).toBeGreaterThan(0);
    expect(residency?.ci95[0]).toBeLessThanOrEqual(residency?.ratio ?? 0);
    expect(residency?.ci95[1]).toBeGreaterThanOrEqual(residency?.ratio ?? 0);
    expect(residency?.residentBytes).toBeLessThan(result.bytes);
    expect(result.notes).toMatch(/time per byte on a cache-resident \d+ × 256 slice \(reused\) ÷ streamed/);
    const parsed = parseResults(JSON.parse(JSON.stringify(makeResultsFile([result]))));
    expect(parsed.ok, parsed.ok ? '' : parsed.error).toBe(true);
  });

  it('a kernel whose features are missing gives an unverified result naming them', async ({ skip }) => {
    const entry = entriesOf('gemv').find((e) => e.name === 'gemv-f16-native');
    if (!entry) throw new Error('gemv-f16-native is not registered');
    if (gpu().features.has('shader-f16')) skip('this adapter has shader-f16');
    const result = await runGemvBench(
      { gpu: gpu(), timer: await createTimer(gpu()) },
      entry,
      gemvBenchCase(true, 'f16', 1),
      1000,
    );
    expect(result).toMatchObject({ verified: false, error: 'this adapter lacks shader-f16' });
  });

  it('in a run, such a kernel is skipped like any other whose features are missing, not failed', async ({
    skip,
  }) => {
    if (gpu().features.has('shader-f16')) skip('this adapter has shader-f16');
    const registries = entriesOf('gemv');
    const outcome = await runJob(
      {
        gpu: gpu(),
        timer: await createTimer(gpu()),
        registries,
        references: new ReferenceCache(),
        masks: new Map(),
        setupMs: 0,
        peer: () => Promise.reject(new Error('no peers here')),
      },
      {
        id: 'gemv/gemv-f16-native/r1',
        suite: 'gemv',
        op: 'gemv',
        impl: 'attnscope',
        kernel: 'gemv-f16-native',
        what: { kind: 'gemv', format: 'f16', rows: 1 },
        label: 'gemv-f16-native 1 row',
        params: { rows: 1, format: 'f16' },
      },
      1000,
    );
    expect(outcome).toEqual({ skipped: 'gemv-f16-native: this adapter lacks shader-f16' });
  });
});
