// The ceilings every result is held against, measured by the probes in the same run: copyGBps (the
// copy probe, best of a few large buffers) and fmaGflops (the fma probe, once it exists).

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

/** The best copy bandwidth and FMA rate among verified probe results (0 when none). */
export function ceilingsFrom(results: readonly BenchResult[]): Ceilings {
  let copyGBps = 0;
  let fmaGflops = 0;
  for (const r of results) {
    if (r.op !== 'probe' || !r.verified || !r.latencyMs) continue;
    const seconds = r.latencyMs.median / 1e3;
    if (r.kernel === 'copy') copyGBps = Math.max(copyGBps, r.bytes / seconds / 1e9);
    else if (r.kernel === 'fma') fmaGflops = Math.max(fmaGflops, r.flops / seconds / 1e9);
  }
  return { copyGBps, fmaGflops };
}
