// What autotune sweeps: for each tunable kernel, a few candidate settings of its override constants
// (the adapter's default first), built through the kernel module's own factory, filtered by this
// device's limits. Each registry entry names its tunable (registry.ts).

import type { Gpu } from '../gpu/gpu.ts';
import { blockSparse, createBlockSparse } from './block-sparse.ts';
import { createDecode, decode, decodeDefaults } from './decode.ts';
import { createFlash, FLASH_DEFAULTS, type FlashOptions, flash, MAX_TILE_K } from './flash.ts';
import {
  checkTiledConfig,
  defaultTiledConfig,
  type TiledConfig,
  tiled,
  tiledConfigName,
  tiledMatmul,
  tiledWorkgroupBytes,
} from './tiled-matmul.ts';
import type { AttentionKernel, Tunable, TuneCandidate } from './types.ts';

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
  kernel: tiled.name,
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

/**
 * What the flash-style tunables set: the path (K/V tiles staged through workgroup memory or read
 * directly), query rows per workgroup, keys per tile and (flash, staged) key splits (0 = chosen per
 * problem to fill the GPU, 1 = none). The adapter-name heuristic gives the first candidate only.
 */
interface FlashConfig {
  staged: boolean;
  blockQ: number;
  tileK: number;
  splits: number;
}

/** The candidates: the adapter kind's default path, its sizes and split variants, then the other path. */
function flashSweep(gpu: Gpu, sparse: boolean): FlashConfig[] {
  const staged = !gpu.adapter.isSoftware;
  const tileK = (onStaged: boolean) => (onStaged ? FLASH_DEFAULTS.tileK : FLASH_DEFAULTS.directTileK);
  const sizes = [
    { blockQ: sparse ? 16 : FLASH_DEFAULTS.blockQ, tileK: tileK(staged) },
    { blockQ: 32, tileK: 32 },
    { blockQ: 64, tileK: 16 },
    { blockQ: 128, tileK: 32 },
  ];
  const configs: FlashConfig[] = sizes.map((size) => ({ staged, ...size, splits: 0 }));
  if (staged && !sparse) configs.push({ ...configs[0], splits: 1 });
  configs.push({ staged: !staged, blockQ: sizes[0].blockQ, tileK: tileK(!staged), splits: 0 });
  return configs;
}

/**
 * A flash-style kernel to tune: the registered kernel whose name the winner takes, its module's
 * factory, and whether it is the sparse one (rows per workgroup from 16, no key splits: it walks a
 * mask's blocks whole).
 */
interface FlashStyle {
  base: AttentionKernel;
  create(options: FlashOptions): AttentionKernel;
  sparse: boolean;
}

function flashLabel(style: FlashStyle, c: FlashConfig): string {
  const split = c.staged && !style.sparse ? `,s${c.splits || 'auto'}` : '';
  return `${style.base.name}[${c.staged ? 'staged' : 'direct'},q${c.blockQ},k${c.tileK}${split}]`;
}

function flashStyleCandidate(style: FlashStyle, c: FlashConfig): TuneCandidate {
  const label = flashLabel(style, c);
  const splits = !style.sparse && c.splits ? { splits: c.splits } : {};
  return {
    label,
    config: { ...c },
    kernel: style.create({ name: label, staged: c.staged, blockQ: c.blockQ, tileK: c.tileK, ...splits }),
  };
}

function flashFits(gpu: Gpu, config: FlashConfig): boolean {
  return (
    typeof config.staged === 'boolean' &&
    Number.isInteger(config.blockQ) &&
    Number.isInteger(config.tileK) &&
    Number.isInteger(config.splits) &&
    config.blockQ >= 1 &&
    config.blockQ <= gpu.limits.maxComputeInvocationsPerWorkgroup &&
    config.blockQ <= gpu.limits.maxComputeWorkgroupSizeX &&
    config.tileK >= 1 &&
    config.tileK <= MAX_TILE_K &&
    config.splits >= 0 &&
    config.splits <= 64
  );
}

function flashStyleTunable(style: FlashStyle): Tunable {
  return {
    kernel: style.base.name,
    family: 'attention',
    candidates: (gpu) =>
      flashSweep(gpu, style.sparse)
        .filter((c) => flashFits(gpu, c))
        .map((c) => flashStyleCandidate(style, c)),
    fromConfig(gpu, raw) {
      const config = {
        staged: raw.staged === true,
        blockQ: Number(raw.blockQ),
        tileK: Number(raw.tileK),
        splits: Number(raw.splits ?? 0),
      };
      return flashFits(gpu, config) ? flashStyleCandidate(style, config) : undefined;
    },
  };
}

export const flashTunable: Tunable = flashStyleTunable({ base: flash, create: createFlash, sparse: false });
/** block-sparse is tuned like its dense baseline: path, rows per workgroup, keys per tile. */
export const blockSparseTunable: Tunable = flashStyleTunable({
  base: blockSparse,
  create: createBlockSparse,
  sparse: true,
});

/** What decode's tunable sets: its split target and the values pass's columns per invocation. */
interface DecodeConfig {
  minWorkgroups: number;
  lanes: number;
  /** Invocations per workgroup of the scores pass (0 = the adapter kind's default). */
  scoresWorkgroupSize: number;
  /** Scores pass path: through K tiles in workgroup memory (true), direct (false), or (absent) the adapter kind's. */
  tiled?: boolean;
  /** false: never the fused one-row pass (absent: where it applies, on software adapters). */
  subgroups?: boolean;
}

const MAX_DECODE_WORKGROUPS = 1 << 16;

function decodeFits(config: DecodeConfig): boolean {
  return (
    Number.isInteger(config.minWorkgroups) &&
    config.minWorkgroups >= 1 &&
    config.minWorkgroups <= MAX_DECODE_WORKGROUPS &&
    [1, 2, 4].includes(config.lanes) &&
    [0, 16, 32, 64, 128].includes(config.scoresWorkgroupSize) &&
    (config.tiled === undefined || typeof config.tiled === 'boolean') &&
    (config.subgroups === undefined || config.subgroups === false)
  );
}

function decodeCandidate(config: DecodeConfig): TuneCandidate {
  const { minWorkgroups, lanes, scoresWorkgroupSize, tiled, subgroups } = config;
  const path =
    (tiled === undefined ? '' : tiled ? ',tiled' : ',direct') + (subgroups === false ? ',unfused' : '');
  const label = `${decode.name}[w${minWorkgroups},l${lanes}${scoresWorkgroupSize ? `,s${scoresWorkgroupSize}` : ''}${path}]`;
  const kernel = createDecode({
    name: label,
    minWorkgroups,
    lanes,
    ...(scoresWorkgroupSize ? { scoresWorkgroupSize } : {}),
    ...(tiled === undefined ? {} : { tiled }),
    ...(subgroups === false ? { subgroups } : {}),
  });
  return { label, config: { ...config }, kernel };
}

/**
 * decode's split and values pass: how many scores-pass workgroups its key ranges aim for (the planner
 * then picks each problem's range length, so one winner serves every KV length) and how many vec4
 * columns a values invocation sums. The adapter's defaults first, then a quarter and four times the
 * split, each with either column count, then the other kind's scores path (tiled or direct).
 */
export const decodeTunable: Tunable = {
  kernel: decode.name,
  family: 'attention',
  shape: 'decode',
  candidates(gpu) {
    const d = { ...decodeDefaults(gpu.adapter.isSoftware), scoresWorkgroupSize: 0 };
    // The other adapter kind's path too: its split target, columns and scores workgroups.
    const other = decodeDefaults(!gpu.adapter.isSoftware);
    const otherScores = gpu.adapter.isSoftware ? 64 : 16;
    const otherLanes = d.lanes === 1 ? 4 : 1;
    const otherPath = gpu.adapter.isSoftware;
    const splits = [d.minWorkgroups, Math.max(1, d.minWorkgroups / 4), d.minWorkgroups * 4];
    const configs: DecodeConfig[] = [
      d,
      ...splits.flatMap((minWorkgroups) =>
        [d.lanes, otherLanes].map((lanes) => ({ minWorkgroups, lanes, scoresWorkgroupSize: 0 })),
      ),
      { ...d, scoresWorkgroupSize: otherScores },
      // Software adapters: the direct passes where the fused one would apply.
      ...(gpu.adapter.isSoftware ? [{ ...d, subgroups: false }] : []),
      { ...d, tiled: otherPath },
      { ...other, scoresWorkgroupSize: otherScores, tiled: otherPath },
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
    const config = {
      minWorkgroups: Number(raw.minWorkgroups),
      lanes: Number(raw.lanes),
      scoresWorkgroupSize: Number(raw.scoresWorkgroupSize ?? 0),
      ...(raw.tiled === undefined ? {} : { tiled: raw.tiled as boolean }),
      ...(raw.subgroups === undefined ? {} : { subgroups: raw.subgroups as boolean }),
    };
    return decodeFits(config) ? decodeCandidate(config) : undefined;
  },
};
