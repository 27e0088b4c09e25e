// How decode (decode.ts) splits one call: the positions it visits (dense: every key; sparse: the
// kept key blocks, as a table of quads), the key ranges of its scores and values passes (or of its
// fused pass) and their grids, per adapter kind.

import type { Gpu } from '../gpu/gpu.ts';
import { headGrid, kvHeadsOf } from './attention-common.ts';
import { checkWorkgroupMemory } from './limits.ts';
import type { AttentionProblem } from './types.ts';

/** ROWS of a row group when seqQ > 1. */
const ROWS_PER_GROUP = 4;

/** Workgroup memory the tiled scores pass allows itself for a tile of K rows. */
const TILE_BYTES = 16384;

export const DECODE_DEFAULTS = { workgroupSize: 64 } as const;
/** Range lengths and the scores-pass workgroups wanted, per adapter kind. */
export const DECODE_HARDWARE = {
  minWorkgroups: 256,
  minRange: 8,
  maxRange: 64,
  lanes: 1,
  scoresWorkgroupSize: 64,
};
/**
 * A CPU adapter hands workgroups to a few threads whole: the scores pass (one invocation per range)
 * has few of them, and a ragged last one per head left one thread with most of the work (SwiftShader:
 * with 77 ranges per head, workgroups of 64 and 13). Workgroups of 16 even that out.
 */
export const DECODE_SOFTWARE = {
  minWorkgroups: 4,
  minRange: 16,
  maxRange: 64,
  lanes: 4,
  scoresWorkgroupSize: 16,
};
/**
 * The fused pass: one workgroup (a subgroup) per range, and a CPU adapter pays per workgroup
 * (SwiftShader: at kv 8192, ranges of 64 keys made the pass ~20% slower than ranges of 512).
 */
export const DECODE_FUSED = { minWorkgroups: 8, minRange: 64, maxRange: 512 };

/**
 * The fused pass's workgroup size (its subgroup size), or undefined where it does not apply: more
 * than one query row, headDim not a multiple of 4 or over 16 vec4 per lane, no `subgroups`, or
 * subgroups whose size varies (a workgroup of one subgroup's size would not be one subgroup).
 */
export function fusedWidth(gpu: Gpu, p: AttentionProblem, wanted: boolean): number | undefined {
  if (!wanted || p.seqQ !== 1 || p.headDim % 4 !== 0 || !gpu.features.has('subgroups')) return undefined;
  const { subgroupMinSize: min, subgroupMaxSize: max } = gpu.device.adapterInfo ?? {};
  if (!min || min !== max || min > gpu.limits.maxComputeInvocationsPerWorkgroup) return undefined;
  return Math.ceil(p.headDim / 4) <= 4 * min ? min : undefined;
}

/** The split target and values-pass columns decode uses on this kind of adapter unless told. */
export function decodeDefaults(isSoftware: boolean): { minWorkgroups: number; lanes: number } {
  const { minWorkgroups, lanes } = isSoftware ? DECODE_SOFTWARE : DECODE_HARDWARE;
  return { minWorkgroups, lanes };
}

/**
 * What decode walks: quads of 4 positions. Dense: position = key. Sparse: the kept key blocks back
 * to back, each padded to a multiple of 4 positions (so 4 positions never straddle two blocks),
 * listed one word per quad (first key · 4 + keys in it − 1) so that the shader's loops stay flat
 * however short the runs of kept blocks are.
 */
export interface Visit {
  /** Sparse: the quad table (unpadded). */
  quads?: Uint32Array;
  positions: number;
  /** Key rows inside the visited blocks (for the bytes model). */
  keyRows: number;
  /** Mask layout for per-element checks, when the rows span several mask rows. */
  layout?: Uint8Array;
}

export function visitOf(p: AttentionProblem): Visit {
  const mask = p.mask;
  if (!mask) return { positions: Math.ceil(p.seqK / 4) * 4, keyRows: p.seqK };
  const kept = new Uint8Array(mask.cols);
  for (let n = 0; n < mask.nnz; n++) kept[mask.colIndex[n]] = 1;
  const perBlock = Math.ceil(mask.blockSize / 4);
  const quads = new Uint32Array(mask.cols * perBlock);
  let count = 0;
  let keyRows = 0;
  for (let col = 0; col < mask.cols; col++) {
    if (!kept[col]) continue;
    const first = col * mask.blockSize;
    const keys = Math.min(mask.blockSize, p.seqK - first);
    keyRows += keys;
    for (let at = 0; at < keys; at += 4) quads[count++] = (first + at) * 4 + Math.min(4, keys - at) - 1;
  }
  return {
    quads: quads.subarray(0, count),
    positions: 4 * count,
    keyRows,
    layout: mask.rows > 1 ? mask.layout : undefined,
  };
}

/**
 * visit_meta: the quad table padded to every position of the ranges (seqK · 4: no keys), then
 * (when needed) the layout; layoutOffset 0 means no layout.
 */
export function metaWords(
  p: AttentionProblem,
  visit: Visit,
  plan: DecodePlan,
): { words: Uint32Array; layoutOffset: number } {
  if (!visit.quads) return { words: new Uint32Array(1), layoutOffset: 0 };
  const tableLength = (plan.ranges * plan.rangeKeys) / 4;
  const words = new Uint32Array(tableLength + (visit.layout?.length ?? 0));
  words.fill(p.seqK * 4, 0, tableLength);
  words.set(visit.quads);
  if (!visit.layout) return { words, layoutOffset: 0 };
  words.set(visit.layout, tableLength);
  return { words, layoutOffset: tableLength };
}

/** How one call splits its work. */
export interface DecodePlan {
  hv: number;
  rows: number;
  rowGroups: number;
  /** Positions per range (a multiple of 4): keys scored by one invocation, one partial per row. */
  rangeKeys: number;
  ranges: number;
  /** Values pass: vec4 output columns per invocation. */
  lanes: number;
  /** Values pass: query heads of a GQA group per invocation, sharing each V load (1, 2 or 4). */
  headShare: number;
  /** Tiled scores pass: key positions per tile (0: the direct path). */
  tileKeys: number;
  /** Scores and values in one pass (grids.scores is its grid, grids.values unused). */
  fused: boolean;
  grids: { scores: number[]; values: number[]; reduce: number[] };
}

/**
 * Picks the range length over the visited positions (the kept keys, not seqK): the longest
 * (fewest partials) whose scores pass still has minWorkgroups workgroups in flight, at least
 * minRange keys, then as many ranges of equal length (to a multiple of 4); a given rangeKeys wins.
 * Tiled: one scores workgroup per (KV head, row group, range), and tiles of tileKeys positions
 * (given, or as many as TILE_BYTES holds, at most the range).
 */
export function planDecode(
  gpu: Gpu,
  p: AttentionProblem,
  positions: number,
  workgroupSize: { scores: number; values: number },
  limits: { minWorkgroups: number; minRange: number; maxRange: number; lanes: number },
  rangeKeys?: number,
  tiled?: { tileKeys?: number },
  fused?: boolean,
): DecodePlan {
  const hv = Math.ceil(p.headDim / 4);
  const rows = p.seqQ === 1 ? 1 : ROWS_PER_GROUP;
  const rowGroups = Math.ceil(p.seqQ / rows);
  const [y, z] = headGrid(gpu, p.heads);
  const kvHeads = kvHeadsOf(p);
  const [kvY, kvZ] = headGrid(gpu, kvHeads);
  const scoresWorkgroups = (range: number) => {
    const items = rowGroups * Math.max(1, Math.ceil(positions / range));
    return tiled || fused ? items : Math.ceil(items / workgroupSize.scores);
  };
  let range = rangeKeys;
  if (range === undefined && fused && p.heads >= limits.minWorkgroups) {
    // Heads alone give the workgroups wanted: one range per row, and the fused pass writes the
    // output itself (no partials, no reduce pass: one dispatch).
    range = Math.max(4, Math.ceil(positions / 4) * 4);
  }
  if (range === undefined) {
    const { minRange, maxRange } = fused ? DECODE_FUSED : limits;
    const { minWorkgroups } = limits;
    range = minRange;
    for (let candidate = maxRange; candidate > minRange; candidate /= 2) {
      if (scoresWorkgroups(candidate) * (tiled ? kvHeads : p.heads) >= minWorkgroups) {
        range = candidate;
        break;
      }
    }
  }
  if (!Number.isInteger(range) || range < 4 || range % 4 !== 0) {
    throw new Error(`decode.rangeKeys: expected a positive multiple of 4, got ${range}`);
  }
  if (rangeKeys === undefined) {
    // As many ranges, of equal length: a short last range leaves its thread idle at the end.
    range = Math.ceil(positions / Math.max(1, Math.ceil(positions / range)) / 4) * 4;
  }
  const ranges = Math.max(1, Math.ceil(positions / range));
  if (![1, 2, 4].includes(limits.lanes)) {
    throw new Error(`decode.lanes: expected 1, 2 or 4, got ${limits.lanes}`);
  }
  // Four query rows per group already share each table entry and p load four ways.
  const lanes = rows === 1 ? limits.lanes : 1;
  // One row, one column per invocation: the query heads of a GQA group share each V load instead
  // (as many as divide the group, up to 4: the invocation's accumulators).
  const group = p.heads / kvHeads;
  const headShare = rows === 1 && lanes === 1 ? ([4, 2].find((s) => group % s === 0) ?? 1) : 1;
  const [shareY, shareZ] = headGrid(gpu, p.heads / headShare);
  let tileKeys = 0;
  if (tiled) {
    // (tileKeys + 1) · hv vec4: the shader skews each column's rows by one vec4 (bank conflicts).
    const fit =
      Math.floor((Math.min(TILE_BYTES, gpu.limits.maxComputeWorkgroupStorageSize) / (16 * hv) - 1) / 4) * 4;
    tileKeys = tiled.tileKeys ?? Math.min(range, fit);
    if (!Number.isInteger(tileKeys) || tileKeys < 4 || tileKeys % 4 !== 0) {
      throw new Error(`decode.tileKeys: expected a positive multiple of 4, got ${tileKeys}`);
    }
    checkWorkgroupMemory(
      gpu,
      `decode.tileKeys (${tileKeys} keys × headDim ${p.headDim})`,
      16 * (tileKeys + 1) * hv,
    );
  }
  return {
    hv,
    rows,
    rowGroups,
    rangeKeys: range,
    ranges,
    lanes,
    headShare,
    tileKeys,
    fused: fused === true,
    grids: {
      scores: tiled ? [scoresWorkgroups(range), kvY, kvZ] : [scoresWorkgroups(range), y, z],
      values: [
        Math.ceil((rowGroups * ranges * Math.ceil(hv / lanes)) / workgroupSize.values),
        shareY,
        shareZ,
      ],
      reduce: [p.seqQ, y, z],
    },
  };
}
