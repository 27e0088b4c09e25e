// Bytes and FLOP models of the kernels on a small problem, checked against hand calculations, and
// the roofline figures derived from them (GB/s, GFLOP/s, intensity, utilisations, speed-ups).

import { describe, expect, it } from 'vitest';
import { attentionKernels, matmulKernels, probeKernels } from '../../src/kernels/registry.ts';
import type { AttentionProblem } from '../../src/kernels/types.ts';
import { blockMask } from '../../src/masks/index.ts';
import { ceilingsFrom, readGBps } from '../../src/measure/ceilings.ts';
import { applyCeilings, derive, speedup } from '../../src/measure/models.ts';
import { linkSparseResults } from '../../src/measure/run.ts';
import type { BenchResult } from '../../src/results/types.ts';

// heads 2, seqQ = seqK = 8, headDim 4: q, k, v, o are 2·8·4 = 64 floats = 256 bytes each.
const P: AttentionProblem = { heads: 2, seqQ: 8, seqK: 8, headDim: 4, causal: false, scale: 0.5 };
const IO_BYTES = 4 * 256;
const PAIRS = 2 * 8 * 8;

describe('attention cost models (hand calculations on h=2 s=8 d=4)', () => {
  it('unfused: Q, K, V, O once plus S written, read, P written, read', () => {
    expect(attentionKernels.unfused.cost(P)).toEqual({
      bytes: IO_BYTES + 4 * 4 * PAIRS,
      flops: 4 * PAIRS * 4,
    });
  });

  it('flash: Q, K, V read once and O written once; S never reaches memory', () => {
    expect(attentionKernels.flash.cost(P)).toEqual({ bytes: IO_BYTES, flops: 4 * PAIRS * 4 });
  });

  it('fused-softmax: Q, K, V, O once plus P written once and read once', () => {
    expect(attentionKernels['fused-softmax'].cost(P)).toEqual({
      bytes: IO_BYTES + 2 * 4 * PAIRS,
      flops: 4 * PAIRS * 4,
    });
  });

  it('block-sparse: Q and O once, K and V over the kept key rows, FLOPs over the kept blocks', () => {
    // blockSize 4: 2 × 2 blocks, the diagonal kept: half the pairs, each query row sees 4 of 8 keys.
    const mask = blockMask.fromDense([1, 0, 0, 1], { blockSize: 4, seqQ: 8, seqK: 8 });
    expect(attentionKernels['block-sparse'].cost({ ...P, mask })).toEqual({
      bytes: 2 * 256 + 2 * 128,
      flops: 4 * (PAIRS / 2) * 4,
    });
  });

  it('decode: one query row reads K and V once', () => {
    const d = { heads: 2, seqQ: 1, seqK: 64, headDim: 4, causal: false, scale: 0.5 };
    // Q and O: 2 × 2·1·4 floats; K and V: 2 × 2·64·4 floats.
    expect(attentionKernels.decode.cost(d)).toEqual({ bytes: 4 * (2 * 8 + 2 * 512), flops: 4 * 2 * 64 * 4 });
  });
});

describe('matmul and probe cost models (m=3 k=5 n=7)', () => {
  const problem = { m: 3, k: 5, n: 7 };

  it.each(Object.keys(matmulKernels))('%s: a, b read once and c written once; 2·m·n·k FLOPs', (name) => {
    expect(matmulKernels[name].cost(problem)).toEqual({ bytes: 4 * (15 + 35 + 21), flops: 2 * 3 * 5 * 7 });
    expect(matmulKernels[name].cost({ ...problem, bias: true, activation: 'gelu' }).bytes).toBe(
      4 * (15 + 35 + 21 + 7),
    );
  });

  it('copy: n bytes read and n written, no FLOPs', () => {
    expect(probeKernels.copy.cost({ bytes: 1024 })).toEqual({ bytes: 2048, flops: 0 });
  });
});

describe('derived figures', () => {
  it('GB/s, GFLOP/s, intensity and utilisations of a known call', () => {
    // 2 GB and 8 GFLOP in 1000 ms.
    expect(derive(2e9, 8e9, 1000, { copyGBps: 4, fmaGflops: 16 })).toEqual({
      gbps: 2,
      gflops: 8,
      intensity: 4,
      bwUtil: 0.5,
      computeUtil: 0.5,
    });
  });

  it('leaves utilisations out when a ceiling is unknown, and intensity 0 without bytes', () => {
    const d = derive(0, 1e6, 1, { copyGBps: 0, fmaGflops: 0 });
    expect(d.intensity).toBe(0);
    expect(d.bwUtil).toBeUndefined();
    expect(d.computeUtil).toBeUndefined();
  });

  it('refuses a zero time', () => {
    expect(() => derive(1, 1, 0, { copyGBps: 1, fmaGflops: 1 })).toThrow(/positive/);
  });

  const timed = (
    id: string,
    kernel: string,
    median: number,
    extra: Partial<BenchResult> = {},
  ): BenchResult => ({
    id,
    op: 'probe',
    kernel,
    impl: 'attnscope',
    params: {},
    latencyMs: { median, p10: median, p90: median, ci95: [median, median], samples: 10 },
    bytes: 2e6,
    flops: 4e6,
    maxAbsErr: 0,
    maxRelErr: 0,
    verified: true,
    ...extra,
  });

  it('ceilings: the best verified copy and fma probes', () => {
    const results = [
      timed('a', 'copy', 2), // 1 GB/s
      timed('b', 'copy', 1), // 2 GB/s
      timed('c', 'copy', 0.5, { verified: false }), // not verified: ignored
      timed('d', 'fma', 1), // 4 GFLOP/s
    ];
    expect(ceilingsFrom(results)).toEqual({ copyGBps: 2, fmaGflops: 4 });
    expect(readGBps(results)).toBe(0);
  });

  it('read bandwidth: the best verified read probe, beside the ceilings', () => {
    const results = [
      timed('a', 'copy', 1), // 2 GB/s
      timed('r1', 'read', 2), // 1 GB/s
      timed('r2', 'read', 1.6), // 1.25 GB/s
      timed('r3', 'read', 0.1, { verified: false }), // not verified: ignored
    ];
    expect(readGBps(results)).toBeCloseTo(1.25, 12);
    expect(ceilingsFrom(results)).toEqual({ copyGBps: 2, fmaGflops: 0 });
  });

  it('applyCeilings fills verified results only', () => {
    const good = timed('a', 'flash', 1);
    const bad = { ...timed('b', 'flash', 1), verified: false };
    applyCeilings([good, bad], { copyGBps: 4, fmaGflops: 8 });
    expect(good).toMatchObject({ gbps: 2, gflops: 4, intensity: 2, bwUtil: 0.5, computeUtil: 0.5 });
    expect(bad.gbps).toBeUndefined();
  });

  it('speed-up vs dense: dense median / sparse median, only when both verified', () => {
    expect(speedup(timed('s', 'block-sparse', 1), timed('d', 'flash', 3))).toBe(3);
    expect(
      speedup(timed('s', 'block-sparse', 1), { ...timed('d', 'flash', 3), verified: false }),
    ).toBeUndefined();
    expect(speedup(timed('s', 'block-sparse', 1), undefined)).toBeUndefined();
  });
});

describe('sparse results are linked to flash on the same problem', () => {
  const result = (id: string, kernel: string, median: number, density?: number): BenchResult => ({
    id,
    op: 'attention',
    kernel,
    impl: 'attnscope',
    params: {},
    latencyMs: { median, p10: median, p90: median, ci95: [median, median], samples: 10 },
    bytes: 1,
    flops: 1,
    maxAbsErr: 0,
    maxRelErr: 0,
    verified: true,
    ...(density === undefined ? {} : { density }),
  });

  it('speedupVsDense = flash median / sparse median, with the ideal 1/density in the notes', () => {
    const flash = { ...result('f', 'flash', 4), params: { mask: 'sliding-window(w=3)' } };
    const sparse = result('s', 'block-sparse', 2, 0.25);
    const failedDense = { ...result('g', 'flash', 4), verified: false, latencyMs: undefined };
    const orphan = result('t', 'block-sparse', 1, 0.5);
    const jobs = [
      { id: 'f' },
      { id: 's', baseline: 'f' },
      { id: 'g' },
      { id: 't', baseline: 'g' },
    ] as unknown as Parameters<typeof linkSparseResults>[1];
    linkSparseResults([flash, sparse, failedDense, orphan], jobs);
    expect(sparse.speedupVsDense).toBe(2);
    expect(sparse.notes).toBe(
      'speed-up 2.00× vs flash on the same problem (same mask, every block computed) (separate measurements, not paired); ideal 1/density = 4.00×',
    );
    expect(orphan.speedupVsDense).toBeUndefined();
    expect(flash.speedupVsDense).toBeUndefined();
  });

  it('keeps the speed-up of a paired measurement (per-pair ratios) rather than the ratio of medians', () => {
    const flash = { ...result('f', 'flash', 4), params: { mask: 'random' } };
    const sparse = { ...result('s', 'block-sparse', 2, 0.5), speedupVsDense: 1.5 };
    const jobs = [{ id: 'f' }, { id: 's', baseline: 'f' }] as unknown as Parameters<
      typeof linkSparseResults
    >[1];
    linkSparseResults([flash, sparse], jobs);
    expect(sparse.speedupVsDense).toBe(1.5);
    expect(sparse.notes).toBe(
      "speed-up 1.50× vs flash on the same problem (same mask, every block computed) (the two results' separate medians give 2.00×); ideal 1/density = 2.00×",
    );
  });
});
