// Results files for the results/article unit tests: a hand-made result builder, a synthetic "quick preset"
// run of 30 results with realistic (full-precision) numbers, and a fast-check arbitrary of valid files.

import fc from 'fast-check';
import type { BenchResult, ParamValue, ResultsFile } from '../../src/results/types.ts';

export function makeResult(overrides: Partial<BenchResult> = {}): BenchResult {
  return {
    id: 'attention/flash/h8-s512-d64',
    op: 'attention',
    kernel: 'flash',
    impl: 'attnscope',
    params: { heads: 8, seqQ: 512, seqK: 512, headDim: 64, causal: false },
    latencyMs: { median: 1.25, p10: 1.2, p90: 1.3, ci95: [1.22, 1.28], samples: 30 },
    bytes: 4_194_304,
    flops: 536_870_912,
    gbps: 3.3554,
    gflops: 429.5,
    bwUtil: 0.0112,
    computeUtil: 0.0859,
    maxAbsErr: 1.2e-7,
    maxRelErr: 3.4e-6,
    verified: true,
    ...overrides,
  };
}

export function makeResultsFile(results: BenchResult[] = [makeResult()]): ResultsFile {
  return {
    schema: 'attnscope.results/1',
    createdAt: '2026-06-01T12:00:00.000Z',
    tool: { name: 'attnscope', version: '0.1.0' },
    status: 'complete',
    preset: 'quick',
    environment: {
      runtime: 'browser',
      userAgent:
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36',
      adapter: {
        vendor: 'google',
        architecture: 'swiftshader',
        device: '',
        description: 'SwiftShader device (Subzero)',
        isSoftware: true,
      },
      features: ['shader-f16', 'timestamp-query', 'subgroups', 'float32-filterable'],
      limits: {
        maxBufferSize: 4_294_967_296,
        maxStorageBufferBindingSize: 2_147_483_648,
        maxComputeWorkgroupStorageSize: 32_768,
        maxComputeInvocationsPerWorkgroup: 256,
        maxComputeWorkgroupSizeX: 256,
        maxComputeWorkgroupSizeY: 256,
        maxComputeWorkgroupSizeZ: 64,
        maxComputeWorkgroupsPerDimension: 65_535,
        maxStorageBuffersPerShaderStage: 10,
        minStorageBufferOffsetAlignment: 256,
      },
      timing: { source: 'timestamp-query', quantized: true, resolutionMs: 0.0001 },
    },
    ceilings: { copyGBps: 412.734219, fmaGflops: 18_934.21875 },
    results,
  };
}

// A deterministic pseudo-random stream, so the synthetic run has full-precision numbers that never change.
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function timedResult(
  random: () => number,
  base: Omit<BenchResult, 'latencyMs' | 'gbps' | 'gflops' | 'bwUtil' | 'computeUtil' | 'intensity'>,
  medianMs: number,
  ceilings: ResultsFile['ceilings'],
): BenchResult {
  const median = medianMs * (1 + 0.05 * random());
  const gbps = base.bytes / (median * 1e6);
  const gflops = base.flops / (median * 1e6);
  return {
    ...base,
    latencyMs: {
      median,
      p10: median * (1 - 0.03 * random()),
      p90: median * (1 + 0.04 * random()),
      ci95: [median * (1 - 0.01 * random()), median * (1 + 0.01 * random())],
      samples: 30,
      cv: 0.02 * random(),
      noisy: false,
      outliers: Math.floor(3 * random()),
    },
    gbps,
    gflops,
    bwUtil: gbps / ceilings.copyGBps,
    computeUtil: gflops / ceilings.fmaGflops,
    intensity: base.bytes > 0 ? base.flops / base.bytes : undefined,
  };
}

/** About what the quick preset produces: 30 results over every kernel kind, peers included. */
export function quickPresetRun(): ResultsFile {
  const random = seededRandom(7);
  const file = makeResultsFile([]);
  const ceilings = file.ceilings;
  const results: BenchResult[] = [];
  const errors = () => ({ maxAbsErr: 1e-7 * random(), maxRelErr: 1e-5 * random(), verified: true });
  results.push(
    timedResult(
      random,
      {
        id: 'probe/copy',
        op: 'probe',
        kernel: 'copy',
        impl: 'attnscope',
        params: { bytes: 268_435_456 },
        bytes: 536_870_912,
        flops: 0,
        ...errors(),
      },
      1.3,
      ceilings,
    ),
    timedResult(
      random,
      {
        id: 'probe/fma',
        op: 'probe',
        kernel: 'fma',
        impl: 'attnscope',
        params: { threads: 1_048_576 },
        bytes: 0,
        flops: 1e11,
        ...errors(),
      },
      5.4,
      ceilings,
    ),
  );
  // Time from the share of each ceiling a kernel reaches (the slower of its memory and compute sides).
  const msAt = (bytes: number, flops: number, bwShare: number, computeShare: number) =>
    Math.max(bytes / (bwShare * ceilings.copyGBps * 1e6), flops / (computeShare * ceilings.fmaGflops * 1e6));
  const attentionBytes = (seq: number, kvPasses: number) => ({
    qo: 2 * 8 * seq * 64 * 4,
    kv: 2 * 8 * seq * 64 * 4 * kvPasses,
  });
  for (const seq of [256, 1024, 4096]) {
    const params: Record<string, ParamValue> = { heads: 8, seqQ: seq, seqK: seq, headDim: 64, causal: false };
    const { qo, kv } = attentionBytes(seq, 1);
    const scores = 8 * seq * seq * 4;
    const flops = 4 * 8 * seq * seq * 64;
    const flashBytes = qo + attentionBytes(seq, seq / 64).kv;
    for (const [kernel, bytes, bwShare, computeShare] of [
      ['unfused', qo + kv + 4 * scores, 0.62, 0.2],
      ['fused-softmax', qo + kv + 2 * scores, 0.7, 0.25],
      ['flash', flashBytes, 0.5, 0.35],
    ] as const) {
      const ms = msAt(bytes, flops, bwShare, computeShare);
      results.push(
        timedResult(
          random,
          {
            id: `attention/${kernel}/s${seq}`,
            op: 'attention',
            kernel,
            impl: 'attnscope',
            params,
            bytes,
            flops,
            ...errors(),
          },
          ms,
          ceilings,
        ),
      );
    }
  }
  const sparseParams = { heads: 8, seqQ: 4096, seqK: 4096, headDim: 64, causal: false };
  const { qo, kv } = attentionBytes(4096, 4096 / 64);
  const denseFlops = 4 * 8 * 4096 * 4096 * 64;
  const denseMs = msAt(qo + kv, denseFlops, 0.5, 0.35);
  for (const density of [0.25, 0.5, 0.6, 0.75, 0.9]) {
    const params = { ...sparseParams, blockSize: 64, pattern: 'bigbird', density };
    const ms = msAt(qo + density * kv, density * denseFlops, 0.45, 0.3);
    results.push({
      ...timedResult(
        random,
        {
          id: `sparse/bigbird/d${density}`,
          op: 'attention',
          kernel: 'block-sparse',
          impl: 'attnscope',
          params,
          bytes: qo + density * kv,
          flops: density * denseFlops,
          ...errors(),
        },
        ms,
        ceilings,
      ),
      density,
      speedupVsDense: denseMs / ms,
    });
  }
  for (const seqK of [4096, 8192, 32_768]) {
    const bytes = 2 * 32 * seqK * 128 * 4;
    const flops = 4 * 32 * seqK * 128;
    results.push(
      timedResult(
        random,
        {
          id: `decode/kv${seqK}`,
          op: 'decode',
          kernel: 'decode',
          impl: 'attnscope',
          params: { heads: 32, seqQ: 1, seqK, headDim: 128 },
          bytes,
          flops,
          ...errors(),
        },
        msAt(bytes, flops, seqK > 4096 ? 0.86 : 0.7, 1),
        ceilings,
      ),
    );
  }
  for (const [size, tiledShare] of [
    [512, 0.45],
    [1024, 0.6],
    [2048, 0.78],
  ]) {
    for (const kernel of ['naive', 'tiled'] as const) {
      const bytes = 3 * size * size * 4;
      const flops = 2 * size ** 3;
      results.push(
        timedResult(
          random,
          {
            id: `matmul/${kernel}/${size}`,
            op: 'matmul',
            kernel,
            impl: 'attnscope',
            params: { m: size, k: size, n: size },
            bytes,
            flops,
            ...errors(),
          },
          msAt(bytes, flops, 1, kernel === 'naive' ? 0.08 : tiledShare),
          ceilings,
        ),
      );
    }
  }
  results.push(
    timedResult(
      random,
      {
        id: 'peer/tfjs/matmul/1024',
        op: 'matmul',
        kernel: 'matmul',
        impl: 'tfjs-webgpu',
        params: { m: 1024, k: 1024, n: 1024 },
        bytes: 3 * 1024 * 1024 * 4,
        flops: 2 * 1024 ** 3,
        ...errors(),
        notes: 'tfjs backend webgpu',
      },
      msAt(0, 2 * 1024 ** 3, 1, 0.5),
      ceilings,
    ),
    timedResult(
      random,
      {
        id: 'peer/tfjs/attention/1024',
        op: 'attention',
        kernel: 'attention',
        impl: 'tfjs-webgpu',
        params: { heads: 8, seqQ: 1024, seqK: 1024, headDim: 64, causal: false },
        bytes: 3e7,
        flops: 2.1e9,
        ...errors(),
      },
      msAt(3e7, 2.1e9, 0.4, 0.15),
      ceilings,
    ),
    timedResult(
      random,
      {
        id: 'peer/gpujs/matmul/512',
        op: 'matmul',
        kernel: 'matmul',
        impl: 'gpu.js',
        params: { m: 512, k: 512, n: 512 },
        bytes: 3 * 512 * 512 * 4,
        flops: 2 * 512 ** 3,
        ...errors(),
        notes: 'gpu.js ran on: webgl2',
      },
      msAt(0, 2 * 512 ** 3, 1, 0.03),
      ceilings,
    ),
    {
      ...makeResult({
        id: 'attention/flash-f16/s4096',
        kernel: 'flash-f16',
        verified: false,
        latencyMs: undefined,
        maxAbsErr: 0.37,
        maxRelErr: 12.5,
        error: 'max abs error 0.37 exceeds 0.01 (atol) + 0.01 (rtol)·|ref|',
      }),
    },
    timedResult(
      random,
      {
        id: 'attention/flash/s4096/causal',
        op: 'attention',
        kernel: 'flash',
        impl: 'attnscope',
        params: { heads: 8, seqQ: 4096, seqK: 4096, headDim: 64, causal: true },
        bytes: qo + kv / 2,
        flops: denseFlops / 2,
        ...errors(),
      },
      msAt(qo + kv / 2, denseFlops / 2, 0.5, 0.35),
      ceilings,
    ),
  );
  file.results = results;
  return file;
}

// ---------------------------------------------------------------------------------------------------
// fast-check arbitraries of valid results files

const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);
const recordKey = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,20}$/).filter((key) => !RESERVED.has(key));
const text = (maxLength: number) => fc.string({ unit: 'binary', maxLength });
const nonNegative = (max: number) => fc.double({ min: 0, max, noNaN: true }).map((value) => value + 0);
const count = fc.nat({ max: 100_000 });

const latency = fc
  .tuple(nonNegative(1e6), nonNegative(1e6), nonNegative(1e6), nonNegative(1e6), nonNegative(1e6))
  .chain(([a, b, c, d, e]) => {
    const [p10, lo, median, hi, p90] = [a, b, c, d, e].sort((x, y) => x - y);
    return fc.record(
      {
        median: fc.constant(median),
        p10: fc.constant(p10),
        p90: fc.constant(p90),
        ci95: fc.constant<[number, number]>([lo, hi]),
        samples: fc.integer({ min: 1, max: 100_000 }),
        cv: nonNegative(10),
        noisy: fc.boolean(),
        outliers: count,
      },
      { requiredKeys: ['median', 'p10', 'p90', 'ci95', 'samples'] },
    );
  });

const paramValue: fc.Arbitrary<ParamValue> = fc.oneof(
  fc.integer({ min: -1e6, max: 1e9 }),
  fc.double({ min: -1e12, max: 1e12, noNaN: true }).map((value) => value + 0),
  text(60),
  fc.boolean(),
);

export const benchResultArbitrary: fc.Arbitrary<BenchResult> = fc.record(
  {
    id: text(50),
    op: fc.constantFrom('attention', 'decode', 'matmul', 'probe'),
    kernel: fc.constantFrom(
      'unfused',
      'fused-softmax',
      'flash',
      'block-sparse',
      'decode',
      'naive',
      'tiled',
      'copy',
      'fma',
    ),
    impl: fc.constantFrom('attnscope', 'tfjs-webgpu', 'gpu.js'),
    params: fc.dictionary(recordKey, paramValue, { maxKeys: 8 }),
    latencyMs: latency,
    bytes: fc.oneof(fc.nat(), nonNegative(1e20)),
    flops: fc.oneof(fc.nat(), nonNegative(1e20)),
    gbps: nonNegative(1e5),
    gflops: nonNegative(1e8),
    bwUtil: nonNegative(10),
    computeUtil: nonNegative(10),
    intensity: nonNegative(1e6),
    density: nonNegative(1),
    speedupVsDense: nonNegative(1000),
    maxAbsErr: nonNegative(1e30),
    maxRelErr: nonNegative(1e30),
    verified: fc.boolean(),
    error: text(200),
    notes: text(100),
  },
  {
    requiredKeys: [
      'id',
      'op',
      'kernel',
      'impl',
      'params',
      'bytes',
      'flops',
      'maxAbsErr',
      'maxRelErr',
      'verified',
    ],
  },
);

export const resultsFileArbitrary: fc.Arbitrary<ResultsFile> = fc.record(
  {
    schema: fc.constant('attnscope.results/1' as const),
    createdAt: fc
      .date({
        min: new Date('2000-01-01T00:00:00Z'),
        max: new Date('2099-12-31T23:59:59Z'),
        noInvalidDate: true,
      })
      .map((date) => date.toISOString()),
    tool: fc.record({ name: text(40), version: text(40) }),
    status: fc.constantFrom('complete', 'cancelled', 'failed'),
    preset: text(40),
    environment: fc.record({
      runtime: fc.constantFrom('browser', 'node'),
      userAgent: text(150),
      adapter: fc.record({
        vendor: text(60),
        architecture: text(60),
        device: text(60),
        description: text(60),
        isSoftware: fc.boolean(),
      }),
      features: fc.array(text(40), { maxLength: 10 }),
      limits: fc.dictionary(recordKey, fc.oneof(fc.nat(), fc.integer({ min: 0, max: 2 ** 53 - 1 })), {
        maxKeys: 12,
      }),
      timing: fc.record({
        source: fc.constantFrom('timestamp-query', 'wall-clock'),
        quantized: fc.boolean(),
        resolutionMs: nonNegative(1),
      }),
    }),
    ceilings: fc.record({ copyGBps: nonNegative(1e5), fmaGflops: nonNegative(1e8) }),
    results: fc.array(benchResultArbitrary, { maxLength: 12 }),
  },
  { requiredKeys: ['schema', 'createdAt', 'tool', 'environment', 'ceilings', 'results'] },
);
