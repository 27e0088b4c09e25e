// What autotune sweeps: for each tunable kernel, a few candidate settings of its override constants
// (the adapter's default first), built through the kernel module's own factory, filtered by this
// device's limits. Each registry entry names its tunable (registry.ts).

import type { Gpu } from '../gpu/gpu.ts';
import { createDecode, decodeDefaults } from './decode.ts';
import { createFlash, FLASH_DEFAULTS, MAX_TILE_K } from './flash.ts';
import {
  checkTiledConfig,
  defaultTiledConfig,
  type TiledConfig,
  tiledConfigName,
  tiledMatmul,
  tiledWorkgroupBytes,
} from './tiled-matmul.ts';
import type { Tunable, TuneCandidate } from './types.ts';

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

/** Query rows per workgroup and keys per K/V tile worth trying for flash (the default first). */
const FLASH_SWEEP: readonly { blockQ: number; tileK: number }[] = [
  { blockQ: FLASH_DEFAULTS.blockQ, tileK: FLASH_DEFAULTS.tileK },
  { blockQ: 32, tileK: 32 },
  { blockQ: 64, tileK: 16 },
  { blockQ: 128, tileK: 32 },
];

function flashCandidate(config: { blockQ: number; tileK: number }): TuneCandidate {
  const label = `flash[q${config.blockQ},k${config.tileK}]`;
  return { label, config: { ...config }, kernel: createFlash({ name: label, ...config }) };
}

function flashFits(gpu: Gpu, config: { blockQ: number; tileK: number }): boolean {
  return (
    Number.isInteger(config.blockQ) &&
    Number.isInteger(config.tileK) &&
    config.blockQ >= 1 &&
    config.blockQ <= gpu.limits.maxComputeInvocationsPerWorkgroup &&
    config.blockQ <= gpu.limits.maxComputeWorkgroupSizeX &&
    config.tileK >= 1 &&
    config.tileK <= MAX_TILE_K
  );
}

export const flashTunable: Tunable = {
  kernel: 'flash',
  family: 'attention',
  candidates: (gpu) => FLASH_SWEEP.filter((c) => flashFits(gpu, c)).map(flashCandidate),
  fromConfig(gpu, raw) {
    const config = { blockQ: Number(raw.blockQ), tileK: Number(raw.tileK) };
    return flashFits(gpu, config) ? flashCandidate(config) : undefined;
  },
};

/** What decode's tunable sets: its split target and the values pass's columns per invocation. */
interface DecodeConfig {
  minWorkgroups: number;
  lanes: number;
}

const MAX_DECODE_WORKGROUPS = 1 << 16;

function decodeFits(config: DecodeConfig): boolean {
  return (
    Number.isInteger(config.minWorkgroups) &&
    config.minWorkgroups >= 1 &&
    config.minWorkgroups <= MAX_DECODE_WORKGROUPS &&
    [1, 2, 4].includes(config.lanes)
  );
}

function decodeCandidate(config: DecodeConfig): TuneCandidate {
  const label = `decode[w${config.minWorkgroups},l${config.lanes}]`;
  return { label, config: { ...config }, kernel: createDecode({ name: label, ...config }) };
}

/**
 * decode's split and values pass: how many scores-pass workgroups its key ranges aim for (the planner
 * then picks each problem's range length, so one winner serves every KV length) and how many vec4
 * columns a values invocation sums. The adapter's defaults first, then a quarter and four times the
 * split, each with either column count.
 */
export const decodeTunable: Tunable = {
  kernel: 'decode',
  family: 'attention',
  shape: 'decode',
  candidates(gpu) {
    const d = decodeDefaults(gpu.adapter.isSoftware);
    const otherLanes = d.lanes === 1 ? 4 : 1;
    const splits = [d.minWorkgroups, Math.max(1, d.minWorkgroups / 4), d.minWorkgroups * 4];
    const configs = [
      d,
      ...splits.flatMap((minWorkgroups) => [d.lanes, otherLanes].map((lanes) => ({ minWorkgroups, lanes }))),
    ];
    const seen = new Set<string>();
    return configs.filter(decodeFits).flatMap((config) => {
      const candidate = decodeCandidate(config);
      if (seen.has(candidate.label)) return [];
      seen.add(candidate.label);
      return [candidate];
    });
  },
  fromConfig(_gpu, raw) {
    const config = { minWorkgroups: Number(raw.minWorkgroups), lanes: Number(raw.lanes) };
    return decodeFits(config) ? decodeCandidate(config) : undefined;
  },
};
