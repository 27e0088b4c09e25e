// Timed waits that leave the CPU to the kernels (gpu/pace.ts): where they rest, that the timers pass
// each wait the rest their recent figures allow, and that QueueClock times work others record on the
// queue by the GPU's clock, bracketed by its own timestamps.

import { afterEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import type { Gpu } from '../../src/gpu/gpu.ts';
import { OVER_REST, WaitPace } from '../../src/gpu/pace.ts';
import { fma } from '../../src/kernels/fma.ts';
import type { KernelRun } from '../../src/kernels/types.ts';
import { QueueClock, queueClockFor } from '../../src/measure/queue-clock.ts';
import { createTimer } from '../../src/measure/timing.ts';
import { useGpu } from './gpu-harness.ts';

/** A few milliseconds of FMA chains: work the queue takes a while to finish. */
async function fmaRun(gpu: Gpu): Promise<{ run: KernelRun; destroy: () => void }> {
  const bytes = 1 << 16;
  const problem = { bytes, iterations: 4096 };
  const io = {
    src: gpu.upload('waits.src', new Float32Array(bytes / 4)),
    dst: gpu.buffer('waits.dst', bytes),
  };
  const run = await fma.prepare(gpu, problem, io);
  return {
    run,
    destroy: () => {
      run.destroy();
      io.src.destroy();
      io.dst.destroy();
    },
  };
}

/** Runs `body` with FMA work and a spy on gpu.rest; skips where the adapter has no timestamp-query. */
async function withFmaWork(
  gpu: Gpu,
  context: { skip: (note: string) => void },
  body: (run: KernelRun, lastRest: () => number | undefined) => Promise<void>,
): Promise<void> {
  if (!gpu.features.has('timestamp-query')) context.skip('this adapter lacks timestamp-query');
  const work = await fmaRun(gpu);
  const rests = vi.spyOn(gpu, 'rest');
  try {
    await body(work.run, () => rests.mock.calls.at(-1)?.[0]);
  } finally {
    work.destroy();
  }
}

/**
 * The last wait rested what the pace allowed for `calls` calls of `label`: `whole` (the recent figure
 * at its share, above 0) less the time gone since their submission. Not the rest against a bound:
 * how much of it is left depends on how long this thread took to submit, which a loaded machine
 * stretches.
 */
function expectPacedRest(
  paced: MockInstance<WaitPace['restMs']>,
  rested: number | undefined,
  label: string,
  calls: number,
  whole: number,
): void {
  const [askedLabel, askedCalls, elapsed = 0] = paced.mock.calls.at(-1) ?? [];
  expect([askedLabel, askedCalls]).toEqual([label, calls]);
  expect(whole).toBeGreaterThan(0);
  const allowed = paced.mock.results.at(-1)?.value;
  expect(allowed).toBeCloseTo(Math.max(0, whole - elapsed), 9);
  expect(rested).toBe(allowed);
}

function submit(gpu: Gpu, run: KernelRun, calls: number): void {
  const encoder = gpu.device.createCommandEncoder({ label: 'waits' });
  const pass = encoder.beginComputePass();
  for (let i = 0; i < calls; i++) run.encode(pass);
  pass.end();
  gpu.device.queue.submit([encoder.finish()]);
}

describe('timed waits', () => {
  const gpu = useGpu();

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('rest in Node on a CPU adapter, where the binding polls on the cores the kernels need', () => {
    const g = gpu();
    expect(g.restsBeforeWaits).toBe(g.runtime === 'node' && g.adapter.isSoftware);
    expect(queueClockFor(g) !== undefined).toBe(g.restsBeforeWaits && g.features.has('timestamp-query'));
  });

  it("the timer's first wait for a label polls at once; later ones rest as long as its recent calls took", async (context) => {
    const g = gpu();
    await withFmaWork(g, context, async (run, lastRest) => {
      const timer = await createTimer(g);
      try {
        const plan = { calls: 2, callsPerSubmit: 2 };
        const first = await timer.time('fma', (pass) => run.encode(pass), plan);
        expect(first).toBeGreaterThan(0);
        expect(lastRest()).toBe(0);
        const paced = vi.spyOn(WaitPace.prototype, 'restMs');
        await timer.time('fma', (pass) => run.encode(pass), plan);
        expectPacedRest(paced, lastRest(), 'fma', 2, OVER_REST * (first ?? 0));
        // Another label has no figure yet: no rest.
        await timer.time('fma again', (pass) => run.encode(pass), plan);
        expect(lastRest()).toBe(0);
      } finally {
        timer.destroy();
      }
    });
  });

  it('QueueClock times the calls recorded inside its bracket, and rests once it has a figure', async (context) => {
    const g = gpu();
    await withFmaWork(g, context, async (run, lastRest) => {
      const clock = new QueueClock(g);
      try {
        const empty = await clock.time('nothing', 1, async () => {});
        const eight = await clock.time('fma', 8, async () => submit(g, run, 8));
        expect(eight).toBeGreaterThan(0);
        // The bracket holds the work: eight calls of FMA chains against two empty passes.
        expect(eight).toBeGreaterThan(empty ?? 0);
        expect(lastRest()).toBe(0);
        const paced = vi.spyOn(WaitPace.prototype, 'restMs');
        await clock.time('fma', 8, async () => submit(g, run, 8));
        expectPacedRest(paced, lastRest(), 'fma', 8, OVER_REST * (eight ?? 0));
      } finally {
        clock.destroy();
      }
    });
  });
});
