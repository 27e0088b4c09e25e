// tiled matmul: 8 × 4 (or, `wide`, 8 × 8) outputs per invocation in registers, workgroup tiles of
// (8·wgY) × (4·wgX) (× 2 along n when wide), vec4 global loads/stores when k and n are multiples of 4
// (else a scalar entry point), operands either staged in workgroup memory (`staged`) or read through
// the caches. See shaders/matmul.wgsl.
// Bytes model: a, b (and bias) read once, c written once — as naive. FLOP model: 2·m·n·k.
//
// Tunables (override constants):
//   wgX, wgY ∈ {4, 8, 16}, wgX·wgY ≤ maxComputeInvocationsPerWorkgroup
//   tileK ∈ {4, 8, 16, 32, 64} (used when staged)
//   staged ∈ {true, false}
//   wide ∈ {false, true} (optional, default false)
//   when staged: (tile rows + tile columns) · tileK · 4 bytes ≤ maxComputeWorkgroupStorageSize
// The registry's `tiled` uses TILED_DEFAULTS on hardware adapters and TILED_SOFTWARE_DEFAULTS on
// software ones (SwiftShader: barriers are coroutine switches there, so unstaged is ~2× faster, and
// wide blocks need ~15–25% less CPU time per call).
// tiledMatmul(config) makes a kernel with fixed values, for an autotune sweep.

import type { Gpu } from '../gpu/gpu.ts';
import { checkDispatch, checkInvocations, checkWorkgroupMemory } from './limits.ts';
import { checkMatmulBindings, matmulCost, matmulParams } from './matmul-common.ts';
import { onePass } from './run.ts';
import type { MatmulKernel, MatmulProblem } from './types.ts';

export interface TiledConfig {
  /** Invocations along n; each computes 4 columns (8 when wide). */
  wgX: number;
  /** Invocations along m; each computes 8 rows. */
  wgY: number;
  /** Depth of the k slab staged per step (ignored when not staged). */
  tileK: number;
  /** Stage the operands in workgroup memory (true) or read them from global memory (false). */
  staged: boolean;
  /** 8 columns per invocation instead of 4 (twice the accumulators, half the loads of a per FMA). */
  wide?: boolean;
}

/** Allowed values of each tunable. */
export const TILED_ALLOWED = {
  wgX: [4, 8, 16],
  wgY: [4, 8, 16],
  tileK: [4, 8, 16, 32, 64],
  staged: [true, false],
  wide: [false, true],
} as const;

/** Defaults on hardware GPUs: staged 64 × 32 tiles, k step 16 (6 KiB of workgroup memory). */
export const TILED_DEFAULTS: Readonly<TiledConfig> = Object.freeze({
  wgX: 8,
  wgY: 8,
  tileK: 16,
  staged: true,
});

/** Defaults on software adapters: 64 × 32 tiles of 8 × 8 blocks read through the caches, no barriers. */
export const TILED_SOFTWARE_DEFAULTS: Readonly<TiledConfig> = Object.freeze({
  wgX: 4,
  wgY: 8,
  tileK: 16,
  staged: false,
  wide: true,
});

const NAME = 'tiled';
const SHADER = new URL('../../shaders/matmul.wgsl', import.meta.url);
/** The register block: rows of c per invocation (fixed in the shader); columns are 4, or 8 when wide. */
const BLOCK_ROWS = 8;

/** Throws unless every tunable has an allowed value. */
export function checkTiledConfig(config: TiledConfig): void {
  for (const key of Object.keys(TILED_ALLOWED) as (keyof TiledConfig)[]) {
    const allowed: readonly (number | boolean)[] = TILED_ALLOWED[key];
    if (key === 'wide' && config.wide === undefined) continue;
    if (!allowed.includes(config[key] as number | boolean)) {
      throw new Error(`tiled.${key}: ${config[key]} is not one of the allowed values ${allowed.join(', ')}`);
    }
  }
}

/** Rows × columns of c that one workgroup computes. */
export function tiledTile(config: TiledConfig): { m: number; n: number } {
  return { m: BLOCK_ROWS * config.wgY, n: (config.wide ? 8 : 4) * config.wgX };
}

/** Bytes of workgroup memory one workgroup uses (0 when not staged). */
export function tiledWorkgroupBytes(config: TiledConfig): number {
  const tile = tiledTile(config);
  return config.staged ? (tile.m + tile.n) * config.tileK * 4 : 0;
}

/** The configuration `tiled` uses on this adapter. */
export function defaultTiledConfig(gpu: Gpu): TiledConfig {
  return gpu.adapter.isSoftware ? TILED_SOFTWARE_DEFAULTS : TILED_DEFAULTS;
}

/** "tiled[8,8,k16,staged]", "tiled[4,8,k16,direct,wide]" */
export function tiledConfigName(config: TiledConfig): string {
  const mode = config.staged ? 'staged' : 'direct';
  return `${NAME}[${config.wgX},${config.wgY},k${config.tileK},${mode}${config.wide ? ',wide' : ''}]`;
}

async function prepareTiled(
  gpu: Gpu,
  name: string,
  config: TiledConfig,
  p: MatmulProblem,
  io: Parameters<MatmulKernel['prepare']>[2],
) {
  checkTiledConfig(config);
  checkMatmulBindings(gpu, name, p);
  checkInvocations(gpu, name, config.wgX * config.wgY);
  checkWorkgroupMemory(gpu, name, tiledWorkgroupBytes(config));
  const tile = tiledTile(config);
  const grid = [Math.ceil(p.n / tile.n), Math.ceil(p.m / tile.m)] as const;
  checkDispatch(gpu, name, grid);
  const vec4 = p.k % 4 === 0 && p.n % 4 === 0;
  // A vec4 binding needs at least 16 bytes, hence the size of the stand-in bias.
  const noBias = io.bias ? undefined : gpu.buffer(`${name}.noBias`, 16);
  return onePass(gpu, {
    kernel: NAME,
    label: name,
    shader: SHADER,
    entryPoint: vec4 ? 'main_vec4' : 'main_scalar',
    constants: {
      WG_X: config.wgX,
      WG_Y: config.wgY,
      TILE_K: config.tileK,
      STAGED: config.staged ? 1 : 0,
      WIDE: config.wide ? 1 : 0,
    },
    params: matmulParams(p),
    bindings: { 1: io.a, 2: io.b, 3: io.bias ?? noBias!, 4: io.c },
    grid,
    owned: [noBias],
  });
}

/** A tiled matmul kernel with fixed tunables, named e.g. 'tiled[16,4,k16,direct]' (for autotuning). */
export function tiledMatmul(config: TiledConfig): MatmulKernel {
  checkTiledConfig(config);
  const name = tiledConfigName(config);
  const tile = tiledTile(config);
  return {
    name,
    summary: `Tiles of ${tile.m}×${tile.n}, 8×${config.wide ? 8 : 4} outputs per invocation, vec4 loads, ${config.staged ? `staged in workgroup memory, k step ${config.tileK}` : 'operands through the caches'}.`,
    prepare: (gpu, p, io) => prepareTiled(gpu, name, config, p, io),
    cost: matmulCost,
  };
}

/** The registry's tiled kernel: the defaults for this adapter's kind. */
export const tiled: MatmulKernel = {
  name: NAME,
  summary:
    'Workgroup tiles, 8×4 or 8×8 outputs per invocation in registers, vec4 loads; staged in workgroup memory on GPUs.',
  prepare: (gpu, p, io) => prepareTiled(gpu, NAME, defaultTiledConfig(gpu), p, io),
  cost: matmulCost,
};
