// The `bench` command line: every option, and the bad options and values that must end in a usage
// message naming them and exit code 2 (checked on the real process for one case).

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BASE_URL, parseArgs, USAGE } from '../../bench/args.ts';
import { formatProblem, formatTable } from '../../bench/table.ts';
import { benchmarksMarkdown, configuration, keyRatios, parseMdArgs } from '../../scripts/benchmarks-md.ts';
import { entry, entryWithRole } from '../../src/kernels/registry.ts';
import { ADAPTERS, adapterFor } from '../../src/measure/adapters.ts';
import { modelCases } from '../../src/measure/model-suite.ts';
import { MODEL_BUDGET_SHARE, planJobs } from '../../src/measure/plan.ts';
import { presetConfig, validateRunConfig } from '../../src/measure/presets.ts';
import { parseImportedJson } from '../../src/results/export.ts';
import type { BenchResult, ResultsFile } from '../../src/results/types.ts';
import { makeResult, makeResultsFile } from './results-fixtures.ts';

describe('bench options', () => {
  it('defaults: quick preset, every suite, default base URL', () => {
    expect(parseArgs([])).toEqual({
      ok: true,
      options: {
        preset: 'quick',
        only: undefined,
        json: undefined,
        csv: undefined,
        baseUrl: DEFAULT_BASE_URL,
        help: false,
      },
    });
  });

  it.each([
    { name: '--preset standard', argv: ['--preset', 'standard'], expected: { preset: 'standard' } },
    { name: '--preset=full', argv: ['--preset=full'], expected: { preset: 'full' } },
    { name: '--only one suite', argv: ['--only', 'matmul'], expected: { only: ['matmul'] } },
    {
      name: '--only several, duplicates merged',
      argv: ['--only=attention,sparse,decode,matmul,probes,peers,model,matmul'],
      expected: { only: ['attention', 'sparse', 'decode', 'matmul', 'probes', 'peers', 'model'] },
    },
    { name: '--json FILE', argv: ['--json', 'out.json'], expected: { json: 'out.json' } },
    { name: '--csv FILE', argv: ['--csv', 'out.csv'], expected: { csv: 'out.csv' } },
    {
      name: '--base-url URL',
      argv: ['--base-url', 'https://example.org/attnscope/'],
      expected: { baseUrl: 'https://example.org/attnscope/' },
    },
    { name: '--help', argv: ['--help'], expected: { help: true } },
    { name: '-h', argv: ['-h'], expected: { help: true } },
    {
      name: 'all together',
      argv: [
        '--preset',
        'quick',
        '--only',
        'probes',
        '--json',
        'a.json',
        '--csv',
        'b.csv',
        '--base-url',
        'http://h/',
      ],
      expected: { preset: 'quick', only: ['probes'], json: 'a.json', csv: 'b.csv', baseUrl: 'http://h/' },
    },
  ])('$name', ({ argv, expected }) => {
    const parsed = parseArgs(argv);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.options).toMatchObject(expected);
  });
});

describe('bad options and values name the culprit', () => {
  it.each([
    { name: 'unknown option', argv: ['--fast'], message: "unknown option '--fast'" },
    {
      name: 'unknown option with a value',
      argv: ['--preset=quick', '--out=x'],
      message: "unknown option '--out'",
    },
    { name: 'single-dash unknown', argv: ['-x'], message: "unknown option '-x'" },
    { name: 'positional argument', argv: ['quick'], message: "unexpected argument 'quick'" },
    { name: 'unknown preset', argv: ['--preset', 'fast'], message: "--preset: unknown value 'fast'" },
    { name: 'empty preset', argv: ['--preset='], message: '--preset needs a value' },
    { name: 'missing preset value', argv: ['--preset'], message: '--preset needs a value' },
    {
      name: 'value taken from the next option',
      argv: ['--json', '--csv', 'x'],
      message: '--json needs a value',
    },
    { name: 'unknown suite', argv: ['--only', 'attention,gemm'], message: "--only: unknown value 'gemm'" },
    { name: 'empty suite in the list', argv: ['--only', 'attention,'], message: "--only: unknown value ''" },
    {
      name: 'base URL not a URL',
      argv: ['--base-url', 'localhost'],
      message: "--base-url: 'localhost' is not",
    },
    { name: 'base URL not http', argv: ['--base-url', 'javascript:alert(1)'], message: '--base-url:' },
    {
      name: 'option twice',
      argv: ['--preset', 'quick', '--preset', 'full'],
      message: '--preset given more than once',
    },
  ])('$name', ({ argv, message }) => {
    const parsed = parseArgs(argv);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });

  it('the usage text names every option and suite', () => {
    for (const word of [
      '--preset',
      '--only',
      '--json',
      '--csv',
      '--base-url',
      'quick|standard|full',
      'peers',
    ]) {
      expect(USAGE).toContain(word);
    }
  });

  it('the command exits with code 2 and prints the usage', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'bench/main.ts', '--preset', 'fast'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--preset: unknown value 'fast'");
    expect(result.stderr).toContain('usage: npm run bench');
  }, 60_000); // a fresh Node with tsx takes seconds on a loaded machine
});

describe('the result table', () => {
  const base: BenchResult = {
    id: 'matmul/tiled/256',
    op: 'matmul',
    kernel: 'tiled',
    impl: 'attnscope',
    params: { m: 256, k: 256, n: 256 },
    latencyMs: { median: 2, p10: 1.9, p90: 2.2, ci95: [1.95, 2.1], samples: 20 },
    bytes: 786432,
    flops: 33554432,
    gbps: 0.393,
    gflops: 16.8,
    bwUtil: 0.5,
    maxAbsErr: 1e-6,
    maxRelErr: 1e-6,
    verified: true,
  };

  it('shows speeds only for verified results', () => {
    const failed: BenchResult = {
      ...base,
      id: 'x',
      verified: false,
      latencyMs: undefined,
      error: 'output differs\ntable',
    };
    const text = formatTable({ results: [base, failed] });
    const [, , good, bad] = text.split('\n');
    expect(good).toContain('2.000 ± 0.10');
    expect(good).toContain('50.0%');
    expect(good).toContain('✓');
    expect(bad).toContain('FAILED: output differs');
    expect(bad).not.toContain('table');
    expect(bad).not.toMatch(/\d\.\d+ ±/);
  });

  it.each([
    {
      name: 'matmul with epilogue',
      r: { ...base, params: { m: 4, k: 5, n: 6, bias: true, activation: 'gelu' } },
      text: '4×5×6 +bias+gelu',
    },
    {
      name: 'probe',
      r: { ...base, op: 'probe' as const, params: { bytes: 16 * 1024 * 1024 } },
      text: '16 MiB',
    },
    {
      name: 'decode with mask',
      r: {
        ...base,
        op: 'decode' as const,
        params: {
          heads: 2,
          seqQ: 1,
          seqK: 2048,
          headDim: 64,
          causal: false,
          mask: 'random(keep=77)',
          maskDensity: 0.6,
        },
      },
      text: 'h=2 q=1 kv=2048 d=64 random(keep=77) 0.6',
    },
  ])('problem column: $name', ({ r, text }) => {
    expect(formatProblem(r as unknown as BenchResult)).toBe(text);
  });
});

describe('a custom run config (page form, scripts): every field refuses a bad value by name', () => {
  const limits = { maxStorageBufferBindingSize: 128 * 1024 * 1024, maxBufferSize: 256 * 1024 * 1024 };
  const good = presetConfig('quick', { isSoftware: true });
  const { scaledForSoftware: _, ...raw } = good;

  it('control: a preset passes', () => {
    expect(validateRunConfig(raw, limits)).toEqual({
      ok: true,
      value: expect.objectContaining({ heads: raw.heads }),
    });
  });

  it.each([
    { field: 'heads', value: 0, message: 'heads: must be at least 1' },
    { field: 'heads', value: -3, message: 'heads: must be at least 1' },
    { field: 'heads', value: 2.5, message: 'heads: expected an integer, got 2.5' },
    { field: 'heads', value: Number.NaN, message: 'heads: expected an integer, got NaN' },
    { field: 'heads', value: '4', message: 'heads: expected an integer, got the string "4"' },
    { field: 'heads', value: 1e9, message: 'heads: 1000000000 exceeds the limit of 256' },
    { field: 'headDim', value: 512, message: 'headDim: 512 exceeds the limit of 256' },
    { field: 'seqLens', value: [], message: 'seqLens: expected at least one value' },
    { field: 'seqLens', value: 128, message: 'seqLens: expected a list, got 128' },
    { field: 'seqLens', value: [128, 0], message: 'seqLens[1]: must be at least 1' },
    { field: 'seqLens', value: Array(17).fill(8), message: 'seqLens: 17 values exceed the limit of 16' },
    {
      field: 'seqLens',
      value: [1 << 20],
      message: 'seqLens[0]: q, k or v (heads × seqLen × headDim f32) needs',
    },
    { field: 'blockSize', value: 0, message: 'blockSize: must be at least 1' },
    { field: 'blockSize', value: 8192, message: 'blockSize: 8192 exceeds the limit of 4096' },
    { field: 'patterns', value: ['diagonal'], message: 'patterns[0]: expected one of sliding-window' },
    { field: 'densities', value: [0], message: 'densities[0]: expected a number in (0, 1], got 0' },
    { field: 'densities', value: [1.5], message: 'densities[0]: expected a number in (0, 1], got 1.5' },
    {
      field: 'densities',
      value: [Number.POSITIVE_INFINITY],
      message: 'densities[0]: expected a number in (0, 1], got Infinity',
    },
    { field: 'decodeKv', value: [-1], message: 'decodeKv[0]: must be at least 1' },
    {
      field: 'decodeKv',
      value: [1 << 24],
      message: 'decodeKv[0]: k or v (heads × decodeKv × headDim f32) needs',
    },
    { field: 'decodeDensity', value: 0, message: 'decodeDensity: expected a number in (0, 1], got 0' },
    { field: 'decodeBlockSize', value: 0, message: 'decodeBlockSize: must be at least 1' },
    { field: 'matmulSizes', value: [100000], message: 'matmulSizes[0]: 100000 exceeds the limit of 32768' },
    {
      field: 'matmulSizes',
      value: [8192],
      message: 'matmulSizes[0]: a matrix (size × size f32) needs 268435456 bytes',
    },
    { field: 'peers', value: 'yes', message: 'peers: expected true or false' },
    { field: 'peerOps', value: ['softmax'], message: "peerOps[0]: expected 'matmul' or 'attention'" },
    { field: 'suites', value: ['gemm'], message: 'suites[0]: expected one of attention' },
    { field: 'budgetMs', value: 10, message: 'budgetMs: must be at least 1000' },
    { field: 'budgetMs', value: 1e12, message: 'budgetMs: 1000000000000 exceeds the limit' },
    { field: 'autotune', value: 'yes', message: 'autotune: expected true or false' },
    { field: 'kernels', value: ['<script>'], message: 'kernels[0]: expected a kernel name' },
    { field: 'kernels', value: 'flash', message: 'kernels: expected a list' },
    { field: 'colour', value: 'red', message: 'colour: unknown field' },
  ])('$field = $value', ({ field, value, message }) => {
    const checked = validateRunConfig({ ...raw, [field]: value }, limits);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.errors.map((e) => e.message).join('\n')).toContain(message);
  });

  it('mask patterns and densities may be empty without the sparse suite, not with it', () => {
    const noSparse = {
      ...raw,
      suites: raw.suites.filter((s) => s !== 'sparse'),
      patterns: [],
      densities: [],
    };
    expect(validateRunConfig(noSparse, limits).ok).toBe(true);
    const withSparse = validateRunConfig({ ...noSparse, suites: ['sparse'] }, limits);
    expect(withSparse.ok).toBe(false);
    if (!withSparse.ok)
      expect(withSparse.errors.map((e) => e.message)).toEqual([
        'patterns: expected at least one value',
        'densities: expected at least one value',
      ]);
    const noSuite = validateRunConfig({ ...raw, suites: [] }, limits);
    expect(noSuite.ok).toBe(false);
    if (!noSuite.ok)
      expect(noSuite.errors.map((e) => e.message)).toContain('suites: expected at least one value');
  });

  it.each([null, 42, 'quick', []])('a config that is not an object (%s)', (value) => {
    const checked = validateRunConfig(value, limits);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.errors[0].field).toBe('config');
  });

  it('presets scale down on software adapters and say so', () => {
    const hardware = presetConfig('standard', { isSoftware: false });
    const software = presetConfig('standard', { isSoftware: true });
    expect(software.scaledForSoftware).toBe(true);
    expect(hardware.scaledForSoftware).toBe(false);
    expect(Math.max(...software.seqLens)).toBeLessThan(Math.max(...hardware.seqLens));
    expect(() => presetConfig('huge' as never, { isSoftware: false })).toThrow(/preset: expected one of/);
  });
});

describe('what a run plans (iterating the registries)', () => {
  const fakeAttention = (name: string) =>
    ({
      name,
      summary: name,
      prepare: async () => ({ encode() {}, destroy() {} }),
      cost: () => ({ bytes: 1, flops: 1 }),
    }) as never;
  const registries = [
    entry('dense', fakeAttention('unfused'), { roles: ['baseline'] }),
    entry('dense', fakeAttention('flash'), { roles: ['fused', 'dense-baseline'] }),
    entry('dense', fakeAttention('flash-new'), { variantOf: 'flash' }),
    entry('sparse', fakeAttention('sparse-new')),
    entry('decode', fakeAttention('decode-new')),
    entry('matmul', fakeAttention('naive'), { roles: ['baseline'] }),
    entry('matmul', fakeAttention('tiled-new'), { roles: ['epilogue'] }),
    entry('probe', fakeAttention('copy'), { roles: ['bandwidth-ceiling', 'streams-memory'] }),
    entry('probe', fakeAttention('fma-new'), { roles: ['compute-ceiling'] }),
    entry('mask', fakeAttention('mask-new'), { presets: 'none' }),
  ];

  it("entryWithRole finds a kind's kernel by role, in registry order, and names what is missing", () => {
    expect(entryWithRole('dense', 'baseline', registries).name).toBe('unfused');
    expect(entryWithRole('probe', 'compute-ceiling', registries).name).toBe('fma-new');
    expect(entryWithRole('probe', 'read-ceiling').name).toBe('read');
    expect(() => entryWithRole('probe', 'read-ceiling', registries)).toThrow(
      "no probe kernel with the role 'read-ceiling' is registered",
    );
    expect(() => entryWithRole('matmul', 'fused', registries)).toThrow(
      "no matmul kernel with the role 'fused' is registered",
    );
  });
  const config = presetConfig('standard', { isSoftware: true });
  const jobs = planJobs(config, { registries, copySizes: [1024], fmaBytes: 1024 });

  it('a kernel added to a registry appears by itself', () => {
    expect(jobs.filter((j) => j.kernel === 'flash-new' && j.suite === 'attention').length).toBe(
      config.seqLens.length,
    );
  });

  it.each([
    ['sparse-new', 'sparse'],
    ['decode-new', 'decode'],
    ['tiled-new', 'matmul'],
    ['fma-new', 'probes'],
  ])('a registered %s (by its kind) runs in the %s suite', (name, suite) => {
    const planned = jobs.filter((j) => j.kernel === name);
    expect(planned.length).toBeGreaterThan(0);
    for (const job of planned) expect(job.suite).toBe(suite);
  });

  it('a kernel that no preset includes is not planned', () => {
    expect(jobs.some((j) => j.kernel === 'mask-new')).toBe(false);
  });

  it('the epilogue job runs on the kernel with the epilogue role', () => {
    expect(jobs.filter((j) => j.params.activation === 'gelu').map((j) => j.kernel)).toEqual(['tiled-new']);
  });

  it('every sparse job is compared with the dense-baseline kernel on the same problem', () => {
    const sparse = jobs.filter((j) => j.kernel === 'sparse-new');
    expect(sparse.length).toBe(config.densities.length + config.patterns.length - 1);
    for (const job of sparse) {
      const baseline = jobs.find((j) => j.id === job.baseline);
      expect(baseline?.kernel).toBe('flash');
      expect(baseline?.what).toEqual(job.what);
    }
  });

  it('a sparse kernel of another precision is compared with the dense baseline of that precision', () => {
    const withF16 = [
      ...registries,
      entry('dense', fakeAttention('flash-half'), { variantOf: 'flash', precision: 'f16' }),
      entry('sparse', fakeAttention('sparse-half'), { precision: 'f16' }),
    ];
    const planned = planJobs(config, { registries: withF16, copySizes: [1024], fmaBytes: 1024 });
    const half = planned.filter((j) => j.kernel === 'sparse-half');
    expect(half.length).toBeGreaterThan(0);
    for (const job of half) {
      const baseline = planned.find((j) => j.id === job.baseline);
      expect(baseline?.kernel).toBe('flash-half');
      expect(baseline?.what).toEqual(job.what);
    }
    for (const job of planned.filter((j) => j.kernel === 'sparse-new'))
      expect(planned.find((j) => j.id === job.baseline)?.kernel).toBe('flash');
  });

  it('sparse decode is compared with dense decode on the same KV length', () => {
    const sparse = jobs.filter((j) => j.kernel === 'decode-new' && j.params.pattern);
    expect(sparse.length).toBe(config.decodeKv.length);
    for (const job of sparse) {
      const baseline = jobs.find((j) => j.id === job.baseline);
      expect(baseline?.kernel).toBe('decode-new');
      expect(baseline?.params.seqK).toBe(job.params.seqK);
      expect(baseline?.params.pattern).toBeUndefined();
    }
  });

  it('a kernel allow-list (the quick preset) leaves the variants out', () => {
    const quick = planJobs(presetConfig('quick', { isSoftware: true }), {
      registries,
      copySizes: [1024],
      fmaBytes: 1024,
    });
    expect(quick.some((j) => j.kernel === 'flash-new')).toBe(false);
    expect(quick.some((j) => j.kernel === 'flash')).toBe(true);
    expect(quick.length).toBeLessThan(jobs.length);
  });

  it('ceilings come first, ids are unique, peers only when asked', () => {
    expect(jobs[0].ceiling).toBe(true);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(jobs.length);
    expect(jobs.some((j) => j.impl === 'tfjs-webgpu')).toBe(true);
    const quick = planJobs(presetConfig('quick', { isSoftware: true }), {
      registries,
      copySizes: [1024],
      fmaBytes: 1024,
    });
    expect(quick.filter((j) => j.suite === 'peers').every((j) => j.op === 'matmul')).toBe(true);
    const noPeers = planJobs({ ...config, peers: false }, { registries, copySizes: [1024], fmaBytes: 1024 });
    expect(noPeers.some((j) => j.suite === 'peers')).toBe(false);
  });

  it('the model suite’s decode steps are jobs too: last, through their runner, with a budget of their own', () => {
    const decodeSteps = modelCases(
      { limits: {} as never, adapter: { isSoftware: true } as never },
      'standard',
    );
    expect(decodeSteps.length).toBeGreaterThan(1);
    const planned = planJobs(config, { registries, copySizes: [1024], fmaBytes: 1024, decodeSteps });
    const steps = planned.filter((j) => j.what.kind === 'decode-step');
    expect(steps.length).toBe(decodeSteps.length);
    expect(planned.slice(-steps.length)).toEqual(steps);
    for (const job of steps) {
      expect(job).toMatchObject({ suite: 'model', op: 'decode-step', kernel: 'decode-step' });
      expect(job.budgetMs).toBeCloseTo((MODEL_BUDGET_SHARE * config.budgetMs) / steps.length);
      expect('run' in adapterFor(job)).toBe(true);
    }
    expect(planned.filter((j) => j.budgetMs !== undefined)).toEqual(steps);
    const withoutModel = { ...config, suites: config.suites.filter((s) => s !== 'model') };
    const none = planJobs(withoutModel, { registries, copySizes: [1024], fmaBytes: 1024, decodeSteps });
    expect(none.some((j) => j.what.kind === 'decode-step')).toBe(false);
  });

  it('every job kind has its family adapter; gemv and decode steps run whole, the rest resolve', () => {
    const kinds = Object.keys(ADAPTERS).sort();
    expect(kinds).toEqual(['attention', 'decode-step', 'gemv', 'matmul', 'peer', 'probe']);
    for (const kind of kinds) {
      const runsWhole = kind === 'gemv' || kind === 'decode-step';
      expect('run' in ADAPTERS[kind as keyof typeof ADAPTERS], kind).toBe(runsWhole);
    }
  });
});

describe('BENCHMARKS.md ratios', () => {
  const timedResult = (id: string, over: Partial<BenchResult>, median: number): BenchResult => ({
    id,
    op: 'attention',
    kernel: 'flash',
    impl: 'attnscope',
    params: { heads: 2, seqQ: 256, seqK: 256, headDim: 64, causal: false },
    latencyMs: { median, p10: median, p90: median, ci95: [median, median], samples: 10 },
    bytes: 100,
    flops: 100,
    maxAbsErr: 0,
    maxRelErr: 0,
    verified: true,
    ...over,
  });
  const file = {
    results: [
      timedResult('u', { kernel: 'unfused' }, 40),
      timedResult('f', {}, 10),
      timedResult('t', { impl: 'tfjs-webgpu', kernel: 'attention' }, 35),
      timedResult(
        's',
        {
          kernel: 'block-sparse',
          params: { targetDensity: 0.5, pattern: 'random', seqK: 256 },
          density: 0.5,
          speedupVsDense: 1.9,
        },
        5,
      ),
      timedResult('m', { op: 'matmul', kernel: 'tiled', params: { m: 256, k: 256, n: 256 } }, 2),
      timedResult(
        'mt',
        { op: 'matmul', impl: 'tfjs-webgpu', kernel: 'matMul', params: { m: 256, k: 256, n: 256 } },
        3,
      ),
      timedResult('d', { op: 'decode', kernel: 'decode', params: { seqK: 8192 }, bwUtil: 0.5, gbps: 2 }, 10),
      timedResult('r', { op: 'probe', kernel: 'read', params: { bytes: 4e6 }, bytes: 4e6, gbps: 4 }, 1),
      timedResult(
        'ds',
        { op: 'decode', kernel: 'decode', params: { seqK: 8192, pattern: 'random' }, bytes: 60 },
        6.4,
      ),
    ],
    ceilings: { copyGBps: 8, fmaGflops: 1 },
  } as unknown as ResultsFile;

  it('computes the issue-7 figures from one run', () => {
    const byName = Object.fromEntries(keyRatios(file).map((r) => [r.name, r.value]));
    expect(byName['flash vs unfused, largest sequence']).toBe(4);
    expect(byName['flash vs TF.js composed attention']).toBe(3.5);
    expect(byName['block-sparse vs flash at density 0.5: speed-up × density']).toBeCloseTo(0.95, 12);
    expect(byName['block-sparse vs flash at density 0.25: speed-up × density']).toBeUndefined();
    expect(byName['tiled matmul vs TF.js matMul']).toBe(1.5);
    expect(byName['tiled matmul vs gpu.js matMul']).toBeUndefined();
    expect(byName['decode (dense, longest KV): share of copy bandwidth']).toBe(0.5);
    // time −36%, bytes −40%
    expect(byName['sparse decode: time saved ÷ bytes saved']).toBeCloseTo(0.9, 12);
  });

  it('lists other runs of the same code beside this one, and counts where each target held', () => {
    const run = (flashMs: number) => {
      const f = makeResultsFile(
        file.results.map((r) =>
          r.id === 'f' ? { ...r, latencyMs: { ...r.latencyMs!, median: flashMs } } : r,
        ),
      );
      return f;
    };
    // flash vs unfused (40 ms): 4× in this run, 1.6× and 2.5× in the others (target ≥ 2×).
    const markdown = benchmarksMarkdown(run(10), { command: 'bench', also: [run(25), run(16)] });
    expect(markdown).toContain('Other runs: 2 more runs of the same code');
    expect(markdown).toContain('| Comparison | Measured | Other runs | Target | Holds | From |');
    expect(markdown).toMatch(
      /\| flash vs unfused, largest sequence \| 4\.00× \| 1\.60×, 2\.50× \| ≥ 2\.0× \| yes \(2 of 3 runs\) \|/,
    );
    expect(benchmarksMarkdown(run(10), { command: 'bench' })).not.toContain('Other runs');
  });

  it('lists every result of the runs that is above its paired ceiling, or says there is none', () => {
    const plain = makeResultsFile(file.results);
    expect(benchmarksMarkdown(plain, { command: 'bench' })).toContain(
      '## Results above their paired ceiling\n\nNone in this run.',
    );
    expect(benchmarksMarkdown(plain, { command: 'bench', also: [plain] })).toContain('None in these 2 runs.');
    const flagged = makeResultsFile(
      file.results.map((r) =>
        r.id === 'f' ? { ...r, aboveCeiling: 'above its ceiling: 104 % of the paired probe' } : r,
      ),
    );
    const markdown = benchmarksMarkdown(plain, { command: 'bench', also: [flagged] });
    expect(markdown).toContain(`- ${flagged.createdAt}: flash `);
    expect(markdown).toContain(': above its ceiling: 104 % of the paired probe');
    expect(markdown).not.toContain('None in these 2 runs.');
  });

  it('shows a kept hardware run whole after the main run, in a section of its own, its headings one level down', () => {
    const main = makeResultsFile(file.results);
    const gpu = makeResultsFile(
      file.results.map((r) => (r.id === 'f' ? { ...r, latencyMs: { ...r.latencyMs!, median: 10 } } : r)),
    );
    gpu.environment = {
      ...gpu.environment,
      adapter: {
        vendor: 'nvidia',
        architecture: '',
        device: 'nvidia-h200',
        description: 'NVIDIA: 580.159.04',
        isSoftware: false,
      },
    };
    const markdown = benchmarksMarkdown(main, {
      command: 'bench',
      hardware: [{ file: gpu, path: 'benchmarks/h200.json' }],
    });
    const [before, after] = markdown.split('## On a hardware GPU: nvidia nvidia-h200 (NVIDIA: 580.159.04)\n');
    expect(after).toBeDefined();
    expect(before).toContain('\n## Key ratios (targets of issues 7 and 16)\n');
    expect(after).toContain('kept as `benchmarks/h200.json`');
    expect(after).toContain('\n### Key ratios (targets of issues 7 and 16)\n');
    expect(after).toContain('\n### All results\n');
    expect(after).not.toMatch(/^## /m);
    // Its own figures: flash at 10 ms against unfused at 40 ms there.
    expect(after).toMatch(/\| flash vs unfused, largest sequence \| 4\.00× \|/);
    expect(benchmarksMarkdown(main, { command: 'bench' })).not.toContain('On a hardware GPU');
  });

  it('says which configuration each row ran: the autotuned one, or "default" where the kernel could be tuned', () => {
    const at = (
      kernel: string,
      params: BenchResult['params'] = {},
      impl: BenchResult['impl'] = 'attnscope',
    ) => configuration(makeResult({ kernel, impl, params }));
    expect(at('flash', { tuned: 'flash[staged,q128,k32,sauto]' })).toBe('flash[staged,q128,k32,sauto]');
    expect(at('flash')).toBe('default');
    // A precision variant of a tunable kernel runs that kernel's defaults, not its winner.
    expect(at('flash-f16')).toBe('default');
    expect(at('decode-f16')).toBe('default');
    // Nothing to tune: no label.
    expect(at('unfused')).toBe('');
    expect(at('copy')).toBe('');
    expect(at('matMul', {}, 'tfjs-webgpu')).toBe('');
    const markdown = benchmarksMarkdown(makeResultsFile(file.results), { command: 'bench' });
    expect(markdown).toContain(
      '| Kernel | Op | Problem | Configuration | Median ± CI (ms) | GB/s | % of copy | GFLOP/s | Speed-up vs dense | Max abs err |',
    );
  });

  it('sets decode against the read probe too, when the run has one', () => {
    const detail = (f: ResultsFile) =>
      keyRatios(f).find((r) => r.name.startsWith('decode (dense'))?.detail ?? '';
    expect(detail(file)).toBe(
      'kv=8192, 2.00 GB/s; 50.0% of the read probe (4.00 GB/s, itself 50.0% of copy)',
    );
    const noRead = { ...file, results: file.results.filter((r) => r.kernel !== 'read') };
    expect(detail(noRead)).toBe('kv=8192, 2.00 GB/s');
    // Timed beside the probe (ceilingPair): that share first, the separate probe's after it.
    const paired = {
      ...file,
      results: file.results.map((r) =>
        r.op === 'decode' && r.kernel === 'decode' && !r.params.pattern
          ? {
              ...r,
              ceilingPair: {
                probe: 'read',
                ratio: 0.76,
                ci95: [0.74, 0.78] as [number, number],
                workingSetBytes: 1,
              },
            }
          : r,
      ),
    };
    expect(detail(paired)).toBe(
      'kv=8192, 2.00 GB/s; 76.0% of the read probe timed beside it (95% CI 74.0%–78.0%, same working set); 50.0% of the read probe (4.00 GB/s, itself 50.0% of copy)',
    );
  });
});

describe('scripts/benchmarks-md.ts command line', () => {
  // BENCHMARKS.md is regenerated from them: a schema change that breaks one must fail here.
  const kept = readdirSync(new URL('../../benchmarks/', import.meta.url)).filter((f) => f.endsWith('.json'));
  it.each(kept)('the kept run benchmarks/%s opens as a results file of a hardware GPU', (name) => {
    const text = readFileSync(new URL(`../../benchmarks/${name}`, import.meta.url), 'utf8');
    const parsed = parseImportedJson(text, name);
    expect(parsed.ok ? '' : parsed.error).toBe('');
    if (!parsed.ok) return;
    expect(parsed.value.environment.adapter.isSoftware).toBe(false);
    expect(parsed.value.results.filter((r) => r.verified).length).toBeGreaterThan(0);
  });

  it('takes one results file and its options', () => {
    expect(
      parseMdArgs([
        'run.json',
        '--also',
        'a.json',
        '--also',
        'b.json',
        '--hardware',
        'benchmarks/h.json',
        '--out',
        'B.md',
      ]),
    ).toEqual({
      ok: true,
      options: {
        input: 'run.json',
        out: 'B.md',
        before: undefined,
        also: ['a.json', 'b.json'],
        hardware: ['benchmarks/h.json'],
        command: 'npm run bench -- --preset standard --json results.json',
      },
    });
  });

  it.each([
    [[], 'expected one results file, got 0'],
    [['run.json', 'extra.json'], 'expected one results file, got 2'],
    [['run.json', '--bogus', 'x'], "Unknown option '--bogus'"],
    [['run.json', '--out'], "Option '--out <value>' argument missing"],
    [['run.json', '--out', './run.json'], '--out ./run.json is one of the results files read'],
    [['run.json', '--also', 'o.json', '--out', 'o.json'], '--out o.json is one of the results files read'],
    [
      ['run.json', '--hardware', 'h.json', '--out', 'h.json'],
      '--out h.json is one of the results files read',
    ],
  ])('%j is refused', (argv, message) => {
    const parsed = parseMdArgs(argv);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.error).toContain(message);
  });
});
