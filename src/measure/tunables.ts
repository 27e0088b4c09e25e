// What autotune sweeps: for each tunable kernel, a few candidate settings of its override constants
// (the adapter's default first), built through the kernel module's own factory, filtered by this
// device's limits.

import type { Gpu } from '../gpu/gpu.ts';
import {
  checkTiledConfig,
  defaultTiledConfig,
  type TiledConfig,
  tiledConfigName,
  tiledMatmul,
  tiledWorkgroupBytes,
} from '../kernels/tiled-matmul.ts';
import type { Tunable, TuneCandidate } from './autotune.ts';

/** Register tiles and k steps worth trying; the default for the adapter kind is added first. */
const TILED_SWEEP: readonly TiledConfig[] = [
  { wgX: 8, wgY: 8, tileK: 16, staged: true },
  { wgX: 8, wgY: 8, tileK: 16, staged: false },
  { wgX: 16, wgY: 8, tileK: 16, staged: true },
  { wgX: 16, wgY: 8, tileK: 16, staged: false },
  { wgX: 16, wgY: 16, tileK: 8, staged: true },
  { wgX: 4, wgY: 8, tileK: 32, staged: true },
  { wgX: 8, wgY: 4, tileK: 16, staged: false },
];

function tiledFits(gpu: Gpu, config: TiledConfig): boolean {
  return (
    config.wgX * config.wgY <= gpu.limits.maxComputeInvocationsPerWorkgroup &&
    tiledWorkgroupBytes(config) <= gpu.limits.maxComputeWorkgroupStorageSize
  );
}

function tiledCandidate(config: TiledConfig): TuneCandidate {
  return { label: tiledConfigName(config), config: { ...config }, kernel: tiledMatmul(config) };
}

export const tiledTunable: Tunable = {
  kernel: 'tiled',
  family: 'matmul',
  candidates(gpu) {
    const seen = new Set<string>();
    const out: TuneCandidate[] = [];
    for (const config of [defaultTiledConfig(gpu), ...TILED_SWEEP]) {
      const label = tiledConfigName(config);
      if (seen.has(label) || !tiledFits(gpu, config)) continue;
      seen.add(label);
      out.push(tiledCandidate(config));
    }
    return out;
  },
  fromConfig(gpu, raw) {
    const config = raw as unknown as TiledConfig;
    try {
      checkTiledConfig(config);
    } catch {
      return undefined;
    }
    return tiledFits(gpu, config) ? tiledCandidate(config) : undefined;
  },
};

/** Every tunable kernel, by the registry name its winner replaces. */
export const tunables: readonly Tunable[] = [tiledTunable];
