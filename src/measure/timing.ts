// GPU time of recorded work: timestamp queries around each compute pass when the device has
// `timestamp-query` (one query pair per submit, resolved into a buffer and read back through recycled
// staging buffers; zero or negative deltas are dropped), else the wall clock around submit and
// onSubmittedWorkDone. The timer measures its own resolution and tells quantized timestamps apart.
// Its waits rest first where the device asks for it (Node on a CPU adapter: gpu/pace.ts).

import type { Gpu } from '../gpu/gpu.ts';
import { OVER_REST, UNDER_REST, WaitPace } from '../gpu/pace.ts';
import type { TimingInfo } from '../results/types.ts';

/** Submits of one batch, each with its own pair of timestamps. */
const PASSES_PER_BATCH = 16;
/** Keep at most this much planned GPU time in flight before waiting (cancel stays prompt). */
const MAX_IN_FLIGHT_MS = 250;
/** A timestamp GCD at or above this (ns) means the implementation rounds timestamps. */
const QUANTIZED_GCD_NS = 1000;

/** Thrown when a run's AbortSignal fires; the harness turns it into status 'cancelled'. */
export class RunCancelledError extends Error {
  constructor() {
    super('the run was cancelled');
    this.name = 'RunCancelledError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RunCancelledError();
}

/**
 * Settles like `work`, or rejects with RunCancelledError as soon as the signal fires. Work that cannot
 * be interrupted (a pipeline compile, a CPU reference) then finishes in the background; its own
 * signal checks end it, and its outcome is ignored.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  work.catch(() => undefined);
  if (signal.aborted) return Promise.reject(new RunCancelledError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new RunCancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Records one call of the work being timed into an open pass. */
export type EncodeCall = (pass: GPUComputePassEncoder) => void;

/** How a sample is spread over submits: `calls` calls, at most `callsPerSubmit` per submit. */
export interface SamplePlan {
  calls: number;
  callsPerSubmit: number;
  /** Planned GPU time of one call (ms), from calibration; keeps in-flight work small. */
  estimatedCallMs?: number;
}

export interface Timer {
  readonly info: TimingInfo;
  /**
   * GPU milliseconds of all the calls of one sample (encode records one call into an open pass), or
   * undefined when a timestamp delta was zero or negative and the sample was dropped.
   */
  time(
    label: string,
    encode: EncodeCall,
    plan: SamplePlan,
    signal?: AbortSignal,
  ): Promise<number | undefined>;
  /** Samples dropped because of bad timestamp deltas since creation. */
  readonly dropped: number;
  /** The device is a hardware GPU, whose clocks fall when idle: samples on it spin up first (sample.ts). */
  readonly spinUp: boolean;
  destroy(): void;
}

export interface TimerOptions {
  /** Use the wall clock even when timestamps exist (tests, comparisons). */
  wallClock?: boolean;
}

/** A timer for this device: timestamp queries when available, else the wall clock. */
export async function createTimer(gpu: Gpu, options: TimerOptions = {}): Promise<Timer> {
  const timer =
    gpu.features.has('timestamp-query') && !options.wallClock
      ? new TimestampTimer(gpu)
      : new WallClockTimer(gpu);
  await timer.calibrate();
  return timer;
}

function splitSubmits(plan: SamplePlan): number[] {
  const perSubmit = Math.max(1, Math.floor(plan.callsPerSubmit));
  const sizes: number[] = [];
  for (let left = Math.max(1, Math.floor(plan.calls)); left > 0; left -= perSubmit)
    sizes.push(Math.min(left, perSubmit));
  return sizes;
}

interface SubmitOptions {
  /** Planned GPU time of one call (ms): how much work is in flight. */
  estimatedCallMs?: number;
  signal?: AbortSignal;
  /** More of pass i's descriptor (its timestamp writes). */
  pass?: (i: number) => Partial<GPUComputePassDescriptor>;
  /** Records more into the last submit's encoder, after its pass. */
  last?: (encoder: GPUCommandEncoder) => void;
  /** Runs after each wait for the queue in the middle of the calls. */
  afterWait?: () => void;
  /** Milliseconds to rest before waiting for `calls` calls submitted `elapsedMs` ago (WaitPace). */
  restMs?: (calls: number, elapsedMs: number) => number;
}

/**
 * One submit per entry of `calls`, each one compute pass of that many calls; waits for the queue
 * whenever MAX_IN_FLIGHT_MS of planned work is in flight (cancel stays prompt), and at the end.
 */
async function submitPasses(
  gpu: Gpu,
  label: string,
  calls: readonly number[],
  encode: EncodeCall,
  options: SubmitOptions,
): Promise<void> {
  const device = gpu.device;
  let inFlightMs = 0;
  let inFlightCalls = 0;
  let since = performance.now();
  const rest = () => options.restMs?.(inFlightCalls, performance.now() - since) ?? 0;
  for (let i = 0; i < calls.length; i++) {
    throwIfAborted(options.signal);
    gpu.assertAlive();
    const encoder = device.createCommandEncoder({ label });
    const pass = encoder.beginComputePass({ label, ...options.pass?.(i) });
    for (let c = 0; c < calls[i]; c++) encode(pass);
    pass.end();
    if (i === calls.length - 1) options.last?.(encoder);
    device.queue.submit([encoder.finish()]);
    inFlightMs += (options.estimatedCallMs ?? 0) * calls[i];
    inFlightCalls += calls[i];
    if (inFlightMs >= MAX_IN_FLIGHT_MS && i < calls.length - 1) {
      await gpu.idle(rest());
      options.afterWait?.();
      inFlightMs = 0;
      inFlightCalls = 0;
      since = performance.now();
    }
  }
  await gpu.idle(rest());
}

/** Rethrows a failure as the device loss when the device is gone (mapAsync rejects with AbortError then). */
function lostOr(gpu: Gpu, error: unknown): unknown {
  return gpu.lostInfo ?? error;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

class TimestampTimer implements Timer {
  info: TimingInfo = { source: 'timestamp-query', quantized: false, resolutionMs: 0 };
  dropped = 0;
  readonly spinUp: boolean;
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuffer: GPUBuffer;
  private readonly readbackPool: GPUBuffer[] = [];
  private readonly pace = new WaitPace(OVER_REST);

  constructor(private readonly gpu: Gpu) {
    this.spinUp = !gpu.adapter.isSoftware;
    const device = gpu.device;
    this.querySet = device.createQuerySet({
      label: 'timer.querySet',
      type: 'timestamp',
      count: 2 * PASSES_PER_BATCH,
    });
    this.resolveBuffer = device.createBuffer({
      label: 'timer.resolve',
      size: 16 * PASSES_PER_BATCH,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
  }

  /** Empty passes spread over several submits: their raw timestamps give the quantum, their deltas the step. */
  async calibrate(): Promise<void> {
    const raw: bigint[] = [];
    const deltas: number[] = [];
    for (let round = 0; round < 6; round++) {
      const stamps = await this.runBatch(
        Array.from({ length: PASSES_PER_BATCH }, () => 0),
        () => {},
        undefined,
        undefined,
      );
      for (let i = 0; i < stamps.length; i += 2) {
        raw.push(stamps[i], stamps[i + 1]);
        const delta = Number(stamps[i + 1] - stamps[i]);
        if (delta > 0) deltas.push(delta);
      }
    }
    let step = 0n;
    for (let i = 1; i < raw.length; i++) step = gcd(step, raw[i] - raw[0]);
    const quantized =
      step === 0n || step >= BigInt(QUANTIZED_GCD_NS) || (this.gpu.timestampQuantized && deltas.length === 0);
    // Unquantized: the smallest positive delta of an empty pass is an upper bound of the timer's step.
    const resolutionNs = quantized
      ? Number(step === 0n ? 100_000n : step)
      : Math.max(1, deltas.length ? Math.min(...deltas) : Number(step));
    this.info = { source: 'timestamp-query', quantized, resolutionMs: resolutionNs / 1e6 };
  }

  readonly time: Timer['time'] = async (label, encode, plan, signal) => {
    const submits = splitSubmits(plan);
    let totalNs = 0;
    let bad = false;
    for (let start = 0; start < submits.length; start += PASSES_PER_BATCH) {
      const batch = submits.slice(start, start + PASSES_PER_BATCH);
      const stamps = await this.runBatch(
        batch,
        encode,
        plan.estimatedCallMs,
        signal,
        label,
        (calls, elapsedMs) => this.pace.restMs(label, calls, elapsedMs),
      );
      for (let i = 0; i < batch.length; i++) {
        const delta = stamps[2 * i + 1] - stamps[2 * i];
        if (delta <= 0n) bad = true;
        else totalNs += Number(delta);
      }
    }
    if (bad) {
      this.dropped++;
      return undefined;
    }
    this.pace.record(label, plan.calls, totalNs / 1e6);
    return totalNs / 1e6;
  };

  /** One submit per entry of `calls` (that many calls in its one pass); returns the raw timestamps. */
  private async runBatch(
    calls: number[],
    encode: EncodeCall,
    estimatedCallMs: number | undefined,
    signal: AbortSignal | undefined,
    label = 'timer.calibrate',
    restMs?: SubmitOptions['restMs'],
  ): Promise<bigint[]> {
    const { gpu } = this;
    const readback = this.readbackPool.pop() ?? this.newReadback();
    try {
      await submitPasses(gpu, label, calls, encode, {
        estimatedCallMs,
        signal,
        restMs,
        pass: (i) => ({
          timestampWrites: {
            querySet: this.querySet,
            beginningOfPassWriteIndex: 2 * i,
            endOfPassWriteIndex: 2 * i + 1,
          },
        }),
        last: (encoder) => {
          encoder.resolveQuerySet(this.querySet, 0, 2 * calls.length, this.resolveBuffer, 0);
          encoder.copyBufferToBuffer(this.resolveBuffer, 0, readback, 0, 16 * calls.length);
        },
      });
      throwIfAborted(signal);
      await readback.mapAsync(GPUMapMode.READ, 0, 16 * calls.length);
      const stamps = Array.from(new BigUint64Array(readback.getMappedRange(0, 16 * calls.length).slice(0)));
      readback.unmap();
      this.readbackPool.push(readback);
      return stamps;
    } catch (error) {
      if (readback.mapState === 'mapped') readback.unmap();
      if (readback.mapState === 'unmapped') this.readbackPool.push(readback);
      throw lostOr(gpu, error);
    }
  }

  private newReadback(): GPUBuffer {
    return this.gpu.device.createBuffer({
      label: 'timer.readback',
      size: 16 * PASSES_PER_BATCH,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
  }

  destroy(): void {
    this.querySet.destroy();
    this.resolveBuffer.destroy();
    for (const buffer of this.readbackPool) buffer.destroy();
    this.readbackPool.length = 0;
  }
}

class WallClockTimer implements Timer {
  info: TimingInfo = { source: 'wall-clock', quantized: false, resolutionMs: 0 };
  dropped = 0;
  readonly spinUp: boolean;
  private readonly pace = new WaitPace(UNDER_REST);

  constructor(private readonly gpu: Gpu) {
    this.spinUp = !gpu.adapter.isSoftware;
  }

  /**
   * The clock's step (performance.now() may be coarsened in browsers) and the round trip of an empty
   * submit + onSubmittedWorkDone: the larger is the shortest time this timer can tell apart.
   */
  async calibrate(): Promise<void> {
    let step = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 200; i++) {
      const a = performance.now();
      let b = performance.now();
      while (b === a) b = performance.now();
      step = Math.min(step, b - a);
    }
    const trips: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      this.gpu.device.queue.submit([
        this.gpu.device.createCommandEncoder({ label: 'timer.calibrate' }).finish(),
      ]);
      await this.gpu.idle();
      trips.push(performance.now() - t0);
    }
    trips.sort((a, b) => a - b);
    const roundTrip = trips[Math.floor(trips.length / 2)];
    // Chrome and Firefox coarsen performance.now(); Dawn's timestamps do not apply here.
    this.info = { source: 'wall-clock', quantized: step >= 0.005, resolutionMs: Math.max(step, roundTrip) };
  }

  readonly time: Timer['time'] = async (label, encode, plan, signal) => {
    const { gpu } = this;
    let total = 0;
    let started = performance.now();
    try {
      await submitPasses(gpu, label, splitSubmits(plan), encode, {
        estimatedCallMs: plan.estimatedCallMs,
        signal,
        restMs: (calls, elapsedMs) => this.pace.restMs(label, calls, elapsedMs),
        afterWait: () => {
          total += performance.now() - started;
          // The wait for the signal is not the kernel's: restart the clock after checking it.
          throwIfAborted(signal);
          started = performance.now();
        },
      });
      total += performance.now() - started;
    } catch (error) {
      throw lostOr(gpu, error);
    }
    this.pace.record(label, plan.calls, total);
    return total;
  };

  destroy(): void {}
}
