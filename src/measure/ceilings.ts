// The ceilings every result is held against, measured by the probes in the same run: copyGBps (the
// probe with the registry role bandwidth-ceiling, best of a few large buffers) and fmaGflops (the
// compute-ceiling probe); readGBps beside them (read-ceiling).

import { kernelNames } from '../kernels/registry.ts';
import type { KernelRole } from '../kernels/types.ts';
import type { BenchResult, Ceilings } from '../results/types.ts';

const MiB = 1024 * 1024;

/** Copy-probe buffer sizes: large enough to leave the caches, within the device's binding limit. */
export function copyProbeSizes(
  limits: Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>,
  isSoftware: boolean,
): number[] {
  const cap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const wanted = isSoftware ? [4 * MiB, 16 * MiB] : [32 * MiB, 128 * MiB, 256 * MiB];
  const sizes = wanted.filter((s) => s <= cap);
  if (sizes.length === 0) sizes.push(Math.floor(cap / 16) * 16);
  return sizes;
}

/** Bytes per buffer of the fma probe (its work is FLOPs, not traffic). */
export function fmaProbeBytes(isSoftware: boolean): number {
  return isSoftware ? 1 * MiB : 16 * MiB;
}

/** The best of a probe's verified results, as GB/s or GFLOP/s (0 when none). */
function bestProbe(results: readonly BenchResult[], role: KernelRole, of: 'bytes' | 'flops'): number {
  const kernel = kernelNames({ kinds: ['probe'], role })[0];
  let best = 0;
  for (const r of results) {
    if (r.op !== 'probe' || r.kernel !== kernel || !r.verified || !r.latencyMs || !(r.latencyMs.median > 0))
      continue;
    best = Math.max(best, r[of] / (r.latencyMs.median / 1e3) / 1e9);
  }
  return best;
}

/** The best copy bandwidth and FMA rate among verified probe results (0 when none). */
export function ceilingsFrom(results: readonly BenchResult[]): Ceilings {
  return {
    copyGBps: bestProbe(results, 'bandwidth-ceiling', 'bytes'),
    fmaGflops: bestProbe(results, 'compute-ceiling', 'flops'),
  };
}

/**
 * The best verified read-probe bandwidth (0 when it did not run): the ceiling of kernels that mostly
 * read, such as decode. Shown beside the ceilings, not part of them (the results' contract).
 */
export function readGBps(results: readonly BenchResult[]): number {
  return bestProbe(results, 'read-ceiling', 'bytes');
}
