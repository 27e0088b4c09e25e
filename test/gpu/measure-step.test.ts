// The model suite's runner on a real adapter: one decode-step configuration verified, then timed
// paired with the read probe and, for sparse KV, interleaved with the same layer over dense KV; the
// result carries each pairing with its CI and parses under the strict schema. (Speeds are not judged.)

import { describe, expect, it } from 'vitest';
import { measureDecodeStep } from '../../src/measure/measure-step.ts';
import { createTimer } from '../../src/measure/timing.ts';
import { planDecodeStep, stepBytes } from '../../src/model/decode-plan.ts';
import { parseResults } from '../../src/results/schema.ts';
import { makeResultsFile } from '../unit/results-fixtures.ts';
import { useGpu } from './gpu-harness.ts';

describe('measureDecodeStep', () => {
  const gpu = useGpu();

  it('sparse KV: verified, paired with the read probe and with its dense-KV twin', async () => {
    const c = {
      model: 'test',
      format: 'int8' as const,
      context: 256,
      batch: 1,
      kv: 'sparse' as const,
      kvDensity: 0.5,
      blockSize: 32,
    };
    const result = await measureDecodeStep({ gpu: gpu(), timer: await createTimer(gpu()) }, c, 3000);
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ op: 'decode-step', verified: true });
    expect(result.params).toMatchObject({ kv: 'sparse', kvCache: 'f16', kvDensity: 0.5 });
    const denseBytes = stepBytes(planDecodeStep({ ...c, kv: 'dense' })).total;
    const pair = result.sparseKv;
    expect(pair?.bytesSaved).toBeCloseTo(1 - result.bytes / denseBytes, 12);
    expect(pair?.bytesSaved).toBeGreaterThan(0);
    expect(pair?.ratio).toBeCloseTo((pair?.timeSaved ?? 0) / (pair?.bytesSaved ?? 1), 12);
    expect(pair?.ci95[0]).toBeLessThanOrEqual(pair?.ratio ?? 0);
    expect(pair?.ci95[1]).toBeGreaterThanOrEqual(pair?.ratio ?? 0);
    expect(pair?.pairs).toBeGreaterThanOrEqual(10);
    expect(result.speedupVsDense).toBeCloseTo(1 / (1 - (pair?.timeSaved ?? 0)), 9);
    expect(result.notes).toMatch(/timed interleaved with the same layer over dense KV/);
    expect(result.ceilingPair?.probe).toBe('read');
    expect(result.notes).toMatch(
      /timed interleaved with the read probe over 1 × \d+ bytes \(\d+ pairs, same load\)/,
    );
    // The LM head was measured (the whole 256 × 1000 int8 head here), and the projection uses it.
    expect(result.params).toMatchObject({ lmHeadSlices: 1 });
    expect(result.params.lmHeadSliceMs).toBeGreaterThan(0);
    expect(result.projection?.lmHeadEstimated).toBe(false);
    expect(result.projection?.lmHeadMs).toBe(Number(Number(result.params.lmHeadSliceMs).toPrecision(4)));
    expect(result.projection?.formulas[2]).toMatch(/^LM head = [\d.]+ ms \(measured\)$/);
    expect(result.notes).toMatch(/LM head measured: the whole 256 × 1000 int8 GEMV/);
    // Each GEMV op's cache-residency ratio (when the adapter has timestamps for the per-op split).
    if (result.ops) {
      for (const op of ['qkv', 'out', 'up', 'down']) {
        const r = result.ops.find((o) => o.op === op)?.residency;
        expect(r?.ratio, op).toBeGreaterThan(0);
        expect(r?.ci95[0]).toBeLessThanOrEqual(r?.ratio ?? 0);
        expect(r?.ci95[1]).toBeGreaterThanOrEqual(r?.ratio ?? 0);
      }
      expect(result.ops.find((o) => o.op === 'norm')?.residency).toBeUndefined();
    }
    expect(result.notes).toMatch(/time per byte of each GEMV on a cache-resident slice/);
    const parsed = parseResults(JSON.parse(JSON.stringify(makeResultsFile([result]))));
    expect(parsed.ok, parsed.ok ? '' : parsed.error).toBe(true);
  });

  it('control: dense KV has no sparse pairing', async () => {
    const c = { model: 'test', format: 'f16' as const, context: 64, batch: 1 };
    const result = await measureDecodeStep({ gpu: gpu(), timer: await createTimer(gpu()) }, c, 1500);
    expect(result).toMatchObject({ verified: true });
    expect(result.sparseKv).toBeUndefined();
    expect(result.speedupVsDense).toBeUndefined();
  });
});
