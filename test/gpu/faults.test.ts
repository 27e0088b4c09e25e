// Faults during a run (issue 6, harness side): the device lost in the middle, a kernel the adapter
// refuses to compile, out-of-memory on allocation, cancel, the run's time budget, a bad config.
// Each case uses its own device where it destroys or exhausts it.

import { afterEach, describe, expect, it } from 'vitest';
import { GpuScopeError } from '../../src/gpu/errors.ts';
import type { Gpu } from '../../src/gpu/gpu.ts';
import { openGpu } from '../../src/gpu/open.ts';
import { entry, findEntry, matmulKernels, registry } from '../../src/kernels/registry.ts';
import type { AttentionKernel, KernelEntry, MatmulKernel } from '../../src/kernels/types.ts';
import { type RunConfig, runBenchmarks, usableGpu } from '../../src/measure/run.ts';
import { parseResults, RESULTS_CAPS } from '../../src/results/schema.ts';
import { useGpu } from './gpu-harness.ts';

/** Several small matmul configurations: enough steps to interrupt, each quick. */
const MATMULS: RunConfig = {
  heads: 1,
  headDim: 8,
  seqLens: [32],
  blockSize: 8,
  patterns: ['sliding-window'],
  densities: [0.5],
  decodeKv: [64],
  matmulSizes: [24, 32, 40, 48, 56, 64],
  peers: false,
  suites: ['matmul'],
  budgetMs: 30_000,
};
/** No probes: these tests do not need the ceilings, and the copy probe's large buffers cost time. */
const NO_PROBES = registry.filter((e) => e.kind !== 'probe');
const only = (...entries: KernelEntry[]) => entries;
const registered = (name: string) => findEntry(name) as KernelEntry;

const BAD_WGSL = `@compute @workgroup_size(1) fn main() { let x: f32 = undefined_thing; }`;

/** An attention kernel whose shader this (any) adapter rejects: the compile error must name it. */
const broken: AttentionKernel = {
  name: 'broken',
  summary: 'A kernel whose WGSL does not compile.',
  async prepare(gpu) {
    await gpu.pipeline({
      kernel: 'broken',
      shader: new URL(`data:text/plain,${encodeURIComponent(BAD_WGSL)}`),
      entryPoint: 'main',
    });
    throw new Error('unreachable: the pipeline above must fail');
  },
  cost: () => ({ bytes: 1, flops: 1 }),
};

/** A matmul kernel whose allocation runs out of GPU memory. */
const hungry: MatmulKernel = {
  name: 'hungry',
  summary: 'Runs out of memory on allocation.',
  async prepare() {
    throw new GpuScopeError('out-of-memory', 'hungry.scratch', 'Out of memory');
  },
  cost: (p) => ({ bytes: 4 * (p.m * p.k + p.k * p.n + p.m * p.n), flops: 2 * p.m * p.n * p.k }),
};

describe('device lost in the middle of a run', () => {
  let own: Gpu | undefined;
  afterEach(() => own?.close());

  it('ends the run as failed, keeps and labels what was measured, and the next run gets a fresh device', async () => {
    own = await openGpu();
    const lostGpu = own;
    let destroyed = false;
    const file = await runBenchmarks(lostGpu, {
      config: MATMULS,
      registry: NO_PROBES,
      onProgress: (p) => {
        if (p.result?.verified && !destroyed) {
          destroyed = true;
          lostGpu.device.destroy();
        }
      },
    });
    expect(destroyed).toBe(true);
    expect(file.status).toBe('failed');
    const kept = file.results.filter((r) => r.verified);
    expect(kept.length).toBeGreaterThanOrEqual(1);
    for (const r of kept) expect(r.notes).toMatch(/partial run .*stopped early/);
    const last = file.results.at(-1);
    expect(last?.verified).toBe(false);
    expect(last?.error).toMatch(/device lost|not finished/i);
    // Fewer results than planned: nothing is shown as complete.
    expect(file.results.length).toBeLessThan(
      MATMULS.matmulSizes.length * Object.keys(matmulKernels).length + 1,
    );
    expect(parseResults(JSON.parse(JSON.stringify(file))).ok).toBe(true);

    const fresh = await usableGpu(lostGpu, openGpu);
    expect(fresh).not.toBe(lostGpu);
    own = fresh;
    const next = await runBenchmarks(fresh, {
      // One quick result is all this needs: a budget of 1 s, not the 30 s that sampling could fill.
      config: { ...MATMULS, matmulSizes: [16], budgetMs: 1_000 },
      registry: only(registered('naive')),
    });
    expect(next.status).toBe('complete');
    const naive = next.results.filter((r) => r.kernel === 'naive');
    expect(naive.length).toBe(1);
    expect(naive[0].verified).toBe(true);
  });
});

/** A matmul kernel that fails with a message of many pages (as some compilers' logs run). */
const verbose: MatmulKernel = {
  name: 'verbose',
  summary: 'Fails with a very long message.',
  async prepare() {
    throw new Error(`compiler says: ${'line of a long log; '.repeat(1000)}`);
  },
  cost: hungry.cost,
};

describe('one configuration fails, the others still run', () => {
  const gpu = useGpu();

  it('a WGSL compile error is reported with the kernel name and the compiler message', async () => {
    const file = await runBenchmarks(gpu(), {
      config: { ...MATMULS, seqLens: [16], headDim: 8, suites: ['attention'] },
      registry: only(registered('unfused'), entry('dense', broken)),
    });
    expect(file.status).toBe('complete');
    const bad = file.results.find((r) => r.kernel === 'broken');
    expect(bad?.verified).toBe(false);
    expect(bad?.error).toMatch(/broken\.main: shader or pipeline rejected/);
    expect(bad?.error).toMatch(/undefined_thing/);
    expect(bad?.latencyMs).toBeUndefined();
    const good = file.results.find((r) => r.kernel === 'unfused');
    expect(good?.verified).toBe(true);
  });

  it('out of GPU memory names the sizes asked for', async () => {
    const file = await runBenchmarks(gpu(), {
      config: { ...MATMULS, matmulSizes: [32] },
      registry: only(entry('matmul', hungry), registered('naive')),
    });
    const bad = file.results.find((r) => r.kernel === 'hungry');
    expect(bad?.verified).toBe(false);
    expect(bad?.error).toMatch(/out of GPU memory asking for a 4\.0 KiB, b 4\.0 KiB, c 4\.0 KiB/);
    expect(file.results.find((r) => r.kernel === 'naive')?.verified).toBe(true);
  });

  it('a failure message of many pages is cut to what the schema takes, so the run stays valid', async () => {
    const file = await runBenchmarks(gpu(), {
      config: { ...MATMULS, matmulSizes: [32] },
      registry: only(entry('matmul', verbose), registered('naive')),
    });
    const bad = file.results.find((r) => r.kernel === 'verbose');
    expect(bad?.error?.startsWith('compiler says: line of a long log;')).toBe(true);
    expect(bad?.error?.endsWith('…')).toBe(true);
    expect(bad?.error?.length).toBe(RESULTS_CAPS.longText);
    expect(parseResults(JSON.parse(JSON.stringify(file))).ok).toBe(true);
  });
});

describe('long work', () => {
  const gpu = useGpu();

  /**
   * Counts the queue submits of a device from now on, and those made after `signal` fired: how
   * promptly a run stops, in work rather than in time (no test asserts wall clock).
   */
  function countSubmits(device: GPUDevice, signal: AbortSignal, onSubmit?: (count: number) => void) {
    const queue = device.queue;
    const submit = queue.submit.bind(queue);
    const counts = { total: 0, afterAbort: 0 };
    queue.submit = (buffers: Iterable<GPUCommandBuffer>) => {
      if (signal.aborted) counts.afterAbort++;
      counts.total++;
      submit(buffers);
      onSubmit?.(counts.total);
    };
    return { counts, restore: () => Reflect.deleteProperty(queue, 'submit') };
  }

  /** Lets work the run left in the background (a sample loop that ignored the signal) show itself. */
  async function settle(): Promise<void> {
    for (let round = 0; round < 5; round++) {
      await gpu().idle();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it('cancel after a result stops the run before its next submit and keeps what was measured', async () => {
    const controller = new AbortController();
    let resultsAtAbort = 0;
    const spy = countSubmits(gpu().device, controller.signal);
    try {
      const file = await runBenchmarks(gpu(), {
        config: { ...MATMULS, matmulSizes: [24, 32, 40, 48, 56, 64, 72, 80] },
        registry: NO_PROBES,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.result && !controller.signal.aborted) {
            resultsAtAbort = 1;
            controller.abort();
          }
        },
      });
      await settle();
      expect(resultsAtAbort).toBe(1);
      expect(file.status).toBe('cancelled');
      // Control: the run did submit work before the abort; none after it.
      expect(spy.counts.total).toBeGreaterThan(0);
      expect(spy.counts.afterAbort).toBe(0);
      expect(file.results.length).toBeGreaterThanOrEqual(1);
      expect(file.results.filter((r) => r.verified).length).toBe(resultsAtAbort);
      for (const r of file.results) expect(r.notes).toMatch(/cancelled/);
    } finally {
      spy.restore();
    }
  });

  it('cancel in the middle of timing one configuration stops before the next submit', async () => {
    const controller = new AbortController();
    let timingFrom = -1;
    // Abort from inside the third submit of the timing step: the sample in flight must not submit again.
    const spy = countSubmits(gpu().device, controller.signal, (count) => {
      if (timingFrom >= 0 && count - timingFrom === 3) controller.abort();
    });
    try {
      const file = await runBenchmarks(gpu(), {
        config: { ...MATMULS, matmulSizes: [160], budgetMs: 60_000 },
        registry: only(registered('naive')),
        signal: controller.signal,
        onProgress: (p) => {
          if (p.step.includes('naive') && p.step.endsWith('timing') && timingFrom < 0) {
            timingFrom = spy.counts.total;
          }
        },
      });
      await settle();
      expect(controller.signal.aborted).toBe(true);
      expect(spy.counts.afterAbort).toBe(0);
      expect(file.status).toBe('cancelled');
      expect(file.results.some((r) => r.verified)).toBe(false);
    } finally {
      spy.restore();
    }
  });

  it('the overall time budget ends a run that overruns it, naming what was not run', async () => {
    const file = await runBenchmarks(gpu(), {
      config: { ...MATMULS, matmulSizes: Array.from({ length: 16 }, (_, i) => 16 + 8 * i), budgetMs: 1000 },
      registry: NO_PROBES,
    });
    expect(file.status).toBe('failed');
    const notRun = file.results.filter((r) => r.error?.startsWith('not run:'));
    expect(notRun.length).toBeGreaterThan(0);
    expect(notRun[0].error).toMatch(/time budget \(1 s\) was spent/);
  });

  it('a bad config is refused before anything is allocated', async () => {
    await expect(runBenchmarks(gpu(), { config: { ...MATMULS, heads: 0 } })).rejects.toThrow(
      /heads: must be at least 1/,
    );
    await expect(runBenchmarks(gpu(), { only: ['gemm' as never] })).rejects.toThrow(
      /only: unknown suite gemm/,
    );
  });
});
