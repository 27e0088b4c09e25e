// The ceiling probes on a real adapter: copy copies exactly (sizes that are not multiples of the grid
// included), read's sums and fma's chains equal their CPU twins bit for bit, and all check their inputs.

import { describe, expect, it } from 'vitest';
import type { Gpu } from '../../src/gpu/gpu.ts';
import { copy, type ProbeKernel, type ProbeProblem } from '../../src/kernels/copy.ts';
import { FMA_CHAINS, FMA_DEFAULT_ITERATIONS, FMA_MAX_ITERATIONS, fma } from '../../src/kernels/fma.ts';
import { read } from '../../src/kernels/read.ts';
import { probeKernels } from '../../src/kernels/registry.ts';
import {
  BESIDE_GRID_FACTORS,
  besideGrids,
  prepareReadCeiling,
  timeBesideCeiling,
} from '../../src/measure/read-ceiling.ts';
import { probeGrid, SOFTWARE_PROBE_GRIDS } from '../../src/measure/rotation.ts';
import { createTimer } from '../../src/measure/timing.ts';
import { randomArray, useGpu } from './gpu-harness.ts';

async function runProbe(gpu: Gpu, kernel: ProbeKernel, problem: ProbeProblem, src: Float32Array) {
  const io = { src: gpu.upload('test.src', src), dst: gpu.buffer('test.dst', problem.bytes) };
  try {
    const run = await kernel.prepare(gpu, problem, io);
    const encoder = gpu.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    run.encode(pass);
    pass.end();
    gpu.device.queue.submit([encoder.finish()]);
    const out = new Float32Array(await gpu.read(io.dst, problem.bytes));
    run.destroy();
    return out;
  } finally {
    io.src.destroy();
    io.dst.destroy();
  }
}

function firstDifference(actual: Float32Array, expected: ArrayLike<number>): string | undefined {
  if (actual.length !== expected.length) return `length ${actual.length} ≠ ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) return `index ${i}: got ${actual[i]}, expected ${expected[i]}`;
  }
  return undefined;
}

describe('probes are registered', () => {
  it('probeKernels lists copy, read and fma', () => {
    expect(Object.keys(probeKernels)).toEqual(expect.arrayContaining(['copy', 'read', 'fma']));
  });
});

// Both layouts run every case, whatever the adapter: grid-stride (GPUs) and blocked (CPU adapters).
const LAYOUTS = [
  { layout: 'grid-stride', blocked: false },
  { layout: 'blocked', blocked: true },
];

describe.each(LAYOUTS)('copy probe, $layout', ({ blocked }) => {
  const gpu = useGpu();
  it.each([
    { name: 'one vec4', bytes: 16, workgroups: undefined },
    { name: 'not a multiple of a workgroup', bytes: 16 * 257, workgroups: undefined },
    { name: 'several trips over a small grid', bytes: 16 * 256 * 3 + 48, workgroups: 2 },
    { name: 'one workgroup', bytes: 16 * 1000, workgroups: 1 },
    { name: '1 MiB, default grid', bytes: 1 << 20, workgroups: undefined },
  ])('$name ($bytes bytes)', async ({ bytes, workgroups }) => {
    const src = randomArray(bytes / 4, bytes);
    const out = await runProbe(gpu(), copy, { bytes, workgroups, blocked }, src);
    expect(firstDifference(out, copy.reference!(src, { bytes }, gpu().adapter))).toBeUndefined();
    expect(copy.cost({ bytes })).toEqual({ bytes: 2 * bytes, flops: 0 });
  });
});

describe('copy probe', () => {
  const gpu = useGpu();
  it.each([
    { problem: { bytes: 20 }, message: /copy.bytes: expected a positive multiple of 16, got 20/ },
    { problem: { bytes: 0 }, message: /copy.bytes/ },
    { problem: { bytes: 64, workgroups: 0 }, message: /copy.workgroups: expected a positive integer/ },
  ])('rejects $problem', async ({ problem, message }) => {
    await expect(runProbe(gpu(), copy, problem, new Float32Array(16))).rejects.toThrow(message);
  });
});

describe.each(LAYOUTS)('read probe, $layout', ({ blocked }) => {
  const gpu = useGpu();
  it.each([
    { name: 'one vec4', bytes: 16, workgroups: undefined },
    { name: 'not a multiple of a workgroup', bytes: 16 * 257, workgroups: undefined },
    { name: 'odd trips per invocation', bytes: 16 * 256 * 3 + 48, workgroups: 1 },
    { name: 'even trips', bytes: 16 * 256 * 4, workgroups: 2 },
    { name: 'chunks that do not divide the length', bytes: 16 * (256 * 5 + 7), workgroups: 1 },
    { name: '1 MiB, default grid', bytes: 1 << 20, workgroups: undefined },
  ])('$name ($bytes bytes): equals the CPU sums bit for bit', async ({ bytes, workgroups }) => {
    const problem = { bytes, workgroups, blocked };
    const src = randomArray(bytes / 4, 7 + bytes);
    const out = await runProbe(gpu(), read, problem, src);
    const expected = read.reference!(src, problem, gpu().adapter);
    expect(firstDifference(out, expected)).toBeUndefined();
    // Every word was read: changing the last one changes the output.
    const changed = src.slice();
    changed[changed.length - 1] = changed[changed.length - 1] + 1;
    expect(firstDifference(out, read.reference!(changed, problem, gpu().adapter))).toBeDefined();
    expect(read.cost(problem)).toEqual({ bytes, flops: 0 });
  });

  it('sums other words than the other layout (the layout reaches the shader)', async () => {
    const problem = { bytes: 16 * 256 * 4, workgroups: 1, blocked };
    const src = randomArray(problem.bytes / 4, 11);
    const out = await runProbe(gpu(), read, problem, src);
    const other = read.reference!(src, { ...problem, blocked: !blocked }, gpu().adapter);
    expect(firstDifference(out, other)).toBeDefined();
  });
});

describe('read probe', () => {
  const gpu = useGpu();
  it.each([
    { problem: { bytes: 24 }, message: /read.bytes: expected a positive multiple of 16, got 24/ },
    {
      problem: { bytes: 64, workgroups: 1.5 },
      message: /read.workgroups: expected a positive integer, got 1.5/,
    },
    {
      problem: { bytes: 64, blocked: 'yes' as unknown as boolean },
      message: /read.blocked: expected true or false, got yes/,
    },
  ])('rejects $problem', async ({ problem, message }) => {
    await expect(runProbe(gpu(), read, problem, new Float32Array(16))).rejects.toThrow(message);
  });
});

describe('fma probe', () => {
  const gpu = useGpu();
  it.each([
    { name: 'one vec4, one step', bytes: 16, iterations: 1 },
    { name: 'default iterations', bytes: 16 * 300, iterations: undefined },
    { name: 'several workgroups, odd count', bytes: 16 * 1000, iterations: 37 },
    { name: 'long chains', bytes: 16 * 64, iterations: 5000 },
  ])('$name: equals the CPU chain bit for bit', async ({ bytes, iterations }) => {
    const problem = { bytes, iterations };
    const src = randomArray(bytes / 4, 99 + bytes);
    const out = await runProbe(gpu(), fma, problem, src);
    expect(firstDifference(out, fma.reference!(src, problem, gpu().adapter))).toBeUndefined();
    // The chains ran: the result moved by 8 · iterations from the 8 starting values.
    const n = iterations ?? FMA_DEFAULT_ITERATIONS;
    expect(out[0]).toBe(8 * Math.floor(Math.fround(src[0] * 1024)) + 28 + 8 * n);
  });

  it('counts the FLOPs of the chains', () => {
    expect(fma.cost({ bytes: 1024, iterations: 10 })).toEqual({
      bytes: 2048,
      flops: (1024 / 16) * FMA_CHAINS * 2 * 10,
    });
  });

  it.each([
    {
      problem: { bytes: 64, iterations: 0 },
      message: /fma.iterations: expected an integer in \[1, 1048576\], got 0/,
    },
    { problem: { bytes: 64, iterations: FMA_MAX_ITERATIONS + 1 }, message: /fma.iterations/ },
    { problem: { bytes: 8 }, message: /fma.bytes: expected a positive multiple of 16, got 8/ },
  ])('rejects $problem', async ({ problem, message }) => {
    await expect(runProbe(gpu(), fma, problem, new Float32Array(16))).rejects.toThrow(message);
  });
});

// The grid a benchmark streams the probe on: on a software adapter the fastest of a few timed on
// this size (a fixed grid was a ceiling at some sizes only), on hardware the probe's own default.
describe('probeGrid', () => {
  const gpu = useGpu();
  const context = async () => ({ gpu: gpu(), timer: await createTimer(gpu()) });

  it.each([
    { probe: read, bytes: 1 << 20 },
    { probe: copy, bytes: 256 * 1024 },
  ])(
    '$probe.name, $bytes bytes: a candidate on a software adapter, none on hardware',
    async ({ probe, bytes }) => {
      const ctx = await context();
      try {
        const workgroups = await probeGrid(ctx, probe, bytes);
        if (gpu().adapter.isSoftware) {
          expect(SOFTWARE_PROBE_GRIDS).toContain(workgroups);
          // The probe on that grid computes what its reference says.
          const src = randomArray(bytes / 4, 7);
          const problem = { bytes, workgroups };
          const out = await runProbe(gpu(), probe, problem, src);
          expect(firstDifference(out, probe.reference!(src, problem, gpu().adapter))).toBeUndefined();
        } else {
          expect(workgroups).toBeUndefined();
        }
      } finally {
        ctx.timer.destroy();
      }
    },
  );

  it('sweeps once per device, probe and size: the same size again takes no sample', async () => {
    const ctx = await context();
    try {
      const bytes = 512 * 1024;
      const first = await probeGrid(ctx, read, bytes);
      let samples = 0;
      const counting = {
        ...ctx,
        timer: {
          ...ctx.timer,
          time: (...args: Parameters<typeof ctx.timer.time>) => {
            samples++;
            return ctx.timer.time(...args);
          },
        },
      };
      expect(await probeGrid(counting, read, bytes)).toBe(first);
      expect(samples).toBe(0);
      if (gpu().adapter.isSoftware) {
        // Another size, or another probe, is swept.
        await probeGrid(counting, copy, bytes);
        expect(samples).toBeGreaterThan(0);
      }
    } finally {
      ctx.timer.destroy();
    }
  });

  it('a size too small for the larger grids tries only the grids it can use', async () => {
    const ctx = await context();
    try {
      const workgroups = await probeGrid(ctx, read, 16 * 256 * 3);
      if (gpu().adapter.isSoftware) expect(workgroups).toBeLessThanOrEqual(3);
    } finally {
      ctx.timer.destroy();
    }
  });
});

// The read probe as the ceiling timed beside a bandwidth-bound kernel (read-ceiling.ts): the bytes
// asked for rounded up to 16, random words in every set, on probeGrid()'s pick and its multiples on
// a software adapter, and the kernel's share taken against the grid that was fastest in the pairs.
describe('the read ceiling beside a kernel', () => {
  const gpu = useGpu();

  it('streams random words on each grid it times, and pairs a kernel with the fastest', async () => {
    const ctx = { gpu: gpu(), timer: await createTimer(gpu()) };
    const bytes = 1 << 20;
    const ceiling = await prepareReadCeiling(ctx, 'test', bytes - 4, 2);
    try {
      expect(ceiling).toMatchObject({ bytes, capped: false, sets: 2 });
      expect(ceiling.grids.map((g) => g.workgroups)).toEqual(besideGrids(ceiling.swept, bytes));
      if (gpu().adapter.isSoftware) expect(ceiling.grids).toHaveLength(BESIDE_GRID_FACTORS.length);
      for (const grid of ceiling.grids) {
        // Folded sums of random words; a zero-filled source would leave every one 0.
        const out = await grid.call.output();
        expect(out.filter((v) => v !== 0).length, `grid ${grid.workgroups}`).toBeGreaterThan(0);
      }
      // The kernel here: the probe itself on its first grid, which reads the same bytes per call.
      const kernel = ceiling.grids[0].call.sampler('kernel');
      const outcome = await timeBesideCeiling(ctx, 'kernel', kernel, bytes, ceiling, 200);
      expect(outcome.ceilingPair).toMatchObject({ probe: 'read', workingSetBytes: 2 * bytes });
      expect(outcome.ceilingPair.ratio).toBeGreaterThan(0);
      expect(outcome.ceilingPair.ci95[0]).toBeLessThanOrEqual(outcome.ceilingPair.ratio);
      expect(outcome.ceilingPair.ci95[1]).toBeGreaterThanOrEqual(outcome.ceilingPair.ratio);
      expect(outcome.note).toMatch(
        /^timed interleaved with the read probe over 2 × 1048576 bytes \(\d+ pairs, same load\)/,
      );
      if (gpu().adapter.isSoftware)
        expect(outcome.note).toMatch(
          /its grid of (\d+) workgroups, the fastest in these pairs of \d+: [\d.]+ ms, \d+: [\d.]+ ms, \d+: [\d.]+ ms \(\d+ was the fastest of the sweep/,
        );
    } finally {
      ceiling.destroy();
      ctx.timer.destroy();
    }
  });
});
