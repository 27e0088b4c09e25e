// Working sets that no cache can serve, for every bandwidth-bound benchmark (the probes, decode,
// GEMV, the decode step): a benchmark keeps `sets` copies of its buffers, filled with random values
// (no compressible zeros), and each timed call uses the next set, so that by the time a set comes
// back round the others — together at least WORKING_SET_HARDWARE bytes, 4× the largest last-level
// cache of current GPUs — have pushed it out. Software adapters get a smaller target (their "cache"
// is the CPU's, and SwiftShader is slow), which the result must say (note()). Results record their
// working set; one above 100 % of its paired ceiling is flagged (aboveCeiling()).

import type { Gpu } from '../gpu/gpu.ts';
import { formatBytes } from '../kernels/limits.ts';
import type { KernelRun } from '../kernels/types.ts';
import { xorshift32 } from '../util/random.ts';

const MiB = 1024 * 1024;
/** 4× the largest last-level caches of current GPUs (~128 MiB). */
export const WORKING_SET_HARDWARE = 512 * MiB;
/** Software adapters: above a CPU's last-level cache, small enough for SwiftShader's speed. */
export const WORKING_SET_SOFTWARE = 64 * MiB;
/** Most buffer sets a benchmark keeps, whatever its size. */
export const MAX_SETS = 64;

export interface WorkingSetPlan {
  /** Buffer sets to rotate among (1 when one set already reaches the target). */
  sets: number;
  /** Bytes one call streams (one set). */
  bytesPerSet: number;
  /** Bytes of all sets: the working set each result records. */
  bytes: number;
  /** The target this adapter kind asks for. */
  target: number;
  /** Under WORKING_SET_HARDWARE (software adapter, or memory too small): say so with the result. */
  scaledDown: boolean;
}

/**
 * How many sets of bytesPerSet reach the adapter kind's target, within the device's memory budget
 * (memoryBytes: what the benchmark may allocate in all, e.g. a fraction of maxBufferSize × sets).
 */
export function planWorkingSet(
  bytesPerSet: number,
  isSoftware: boolean,
  memoryBytes = Number.POSITIVE_INFINITY,
): WorkingSetPlan {
  if (!Number.isFinite(bytesPerSet) || bytesPerSet <= 0) {
    throw new Error(`working set: bytesPerSet must be a positive number, got ${bytesPerSet}`);
  }
  const target = isSoftware ? WORKING_SET_SOFTWARE : WORKING_SET_HARDWARE;
  const affordable = Math.max(1, Math.floor(memoryBytes / bytesPerSet));
  const sets = Math.max(1, Math.min(MAX_SETS, affordable, Math.ceil(target / bytesPerSet)));
  const bytes = sets * bytesPerSet;
  return { sets, bytesPerSet, bytes, target, scaledDown: bytes < WORKING_SET_HARDWARE };
}

/** The line a result carries about its working set. */
export function workingSetNote(plan: WorkingSetPlan, isSoftware: boolean): string {
  const what = `working set ${formatBytes(plan.bytes)} (${plan.sets} × ${formatBytes(plan.bytesPerSet)}, rotated per call, random data)`;
  if (!plan.scaledDown) return what;
  const why = isSoftware
    ? 'scaled down on a software adapter'
    : 'smaller than the device memory budget allows for 512 MiB';
  return `${what}; ${why}: caches may serve part of it`;
}

/** Random f32 values in [-1, 1) (never a run of zeros), seeded: the same data on every run. */
export function randomFloats(length: number, seed: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    s = xorshift32(s);
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Fills a buffer with random f32 values, in chunks (no single huge staging copy). */
export function fillRandom(gpu: Gpu, buffer: GPUBuffer, bytes: number, seed: number): void {
  const chunk = 16 * MiB;
  for (let offset = 0; offset < bytes; offset += chunk) {
    const length = Math.min(chunk, bytes - offset) / 4;
    gpu.device.queue.writeBuffer(buffer, offset, randomFloats(Math.floor(length), seed + offset / chunk));
  }
}

/**
 * One KernelRun over several prepared runs (one per buffer set): each encode() records the next set's
 * call, so consecutive timed calls stream different memory. destroy() frees them all.
 */
export function rotatingRun(runs: readonly KernelRun[]): KernelRun & { readonly sets: number } {
  if (runs.length === 0) throw new Error('rotatingRun: at least one prepared run is needed');
  let next = 0;
  return {
    sets: runs.length,
    encode(pass) {
      runs[next].encode(pass);
      next = (next + 1) % runs.length;
    },
    destroy() {
      for (const run of runs) run.destroy();
    },
  };
}

/**
 * The flag for a result above its paired ceiling (ratio = kernel bandwidth / ceiling bandwidth, both
 * over the same working set, interleaved in time): undefined at or below 100 %, else the note that
 * results, the CLI and the page show beside the figure.
 */
export function aboveCeiling(
  ratio: number | undefined,
  ci95?: readonly [number, number],
): string | undefined {
  if (ratio === undefined || !Number.isFinite(ratio) || ratio <= 1) return undefined;
  const lower = ci95?.[0];
  const sure = lower !== undefined && lower > 1 ? '' : ' (within noise of 100 %)';
  return `above its ceiling: ${(100 * ratio).toFixed(0)} % of the paired probe${sure}; a cache or compression served part of the traffic, or the machine's load slowed the probe more than the kernel during the pairs: either way this is not a bandwidth figure`;
}
