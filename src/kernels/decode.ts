// decode attention (shaders/decode-attention.wgsl): split-K for 1–16 query rows over a long key
// sequence, in three dispatches: `scores` (per range of keys: scores, probabilities against the
// range's max, and its (max, sum)), `values` (p · V per range) and `reduce` (merges a row's ranges).
// The scores pass has two paths: tiled (hardware default: a workgroup per KV head and range loads
// the range's K rows into workgroup memory with neighbouring lanes reading neighbouring vec4, and
// the query heads of a GQA group score from that one load) and direct (software default: one
// invocation per range walks its own K rows, no workgroup memory). With a mask it visits only the key blocks kept for these rows
// (the union of their CSR rows; elements are still checked against the layout when the rows span
// several mask rows). Declines seqQ > 16.
// Bytes model: Q read and O written once, K and V read once for the visited key rows (as packed
// f16 for decode-f16). Not counted: the probabilities (one f32 per row and visited key, written,
// read and rewritten by `scores`, read by `values`: 16 bytes per key against 8 · headDim of K/V,
// 3% at headDim 64) and the partials (hv + 1 vec4 per row and range).
// FLOP model: 4 · headDim per (query row, visited key).
//
// Overrides (defaults below; createDecode takes others):
//   workgroupSize  invocations per workgroup, 1..256 (64)
//   scoresWorkgroupSize  the same for the scores pass (one invocation per key range): 16 on
//                  software adapters (finer pieces for a few CPU threads), else workgroupSize
//   rangeKeys      keys per range, a multiple of 4: chosen per problem as the longest of 64, 32, 16
//                  (software) or 64 … 8 (hardware) that leaves minWorkgroups workgroups for the
//                  scores pass (4 on software adapters, 256 on hardware ones; autotune sweeps it)
//   tiled          scores pass path: tiled (hardware) or direct (software), see above
//   tileKeys       tiled: key positions per tile, a multiple of 4 (the range, or as many as fit
//                  16 KiB of workgroup memory at hv vec4 each)
//   lanes          values pass with one query row: vec4 output columns per invocation, 1, 2 or 4
//                  (1 on hardware, 4 on software, where a table entry and a p load then serve four
//                  columns; columns are strided, so neighbouring invocations read neighbouring vec4)
// ROWS (fixed per pipeline): 1 for a single query row, else 4 per row group; up to 16 rows run as
// further row groups, and the rows past seqQ of the last group are computed, not written.

import { UnsupportedProblemError } from '../gpu/errors.ts';
import type { Gpu } from '../gpu/gpu.ts';
import { uniformLayout } from '../gpu/uniform.ts';
import {
  type AdapterKind,
  ATTENTION_FIELDS,
  attentionFlops,
  attentionParams,
  headGrid,
  isSoftwareKind,
  kvBytes,
  kvHeadsOf,
  placeholderBuffer,
  qoBytes,
} from './attention-common.ts';
import { checkPackedKv, kvRows } from './kv-pack.ts';
import { checkBinding, checkDispatch, checkInvocations, checkWorkgroupMemory } from './limits.ts';
import { dispatchRun } from './run.ts';
import type { AttentionKernel, AttentionProblem } from './types.ts';

const SHADER = new URL('../../shaders/decode-attention.wgsl', import.meta.url);
/** `struct Params` of decode-attention.wgsl: the shared fields, then the split's plan. */
export const DECODE_PARAMS = uniformLayout('Params', [
  ...ATTENTION_FIELDS,
  ['hv', 'u32'],
  ['row_groups', 'u32'],
  ['ranges', 'u32'],
  ['range_keys', 'u32'],
  ['visit_positions', 'u32'],
  ['_pad2', 'u32'],
  ['_pad3', 'u32'],
  ['layout_offset', 'u32'],
]);
/** Longest query decode accepts. */
export const DECODE_MAX_ROWS = 16;
/** ROWS of a row group when seqQ > 1. */
const ROWS_PER_GROUP = 4;

export interface DecodeOptions {
  name: string;
  kvF16?: boolean;
  /**
   * With kvF16: io.k and io.v already hold packed f16 rows (kv-pack.ts's layout, e.g. a KV cache that
   * rope-append appends to in place): read them where they are, no copy made at prepare.
   */
  kvPrepacked?: boolean;
  workgroupSize?: number;
  /** Invocations per workgroup of the scores pass (one per key range); per adapter when absent. */
  scoresWorkgroupSize?: number;
  /** Keys per range (a multiple of 4); chosen per problem when absent. */
  rangeKeys?: number;
  /** Values pass, one query row: vec4 output columns per invocation (1, 2 or 4); per adapter when absent. */
  lanes?: number;
  minWorkgroups?: number;
  /** Scores pass through workgroup-memory tiles of K (hardware default) or direct (software default). */
  tiled?: boolean;
  /** Tiled scores pass: key positions per tile (a multiple of 4); as many as fit when absent. */
  tileKeys?: number;
  /** Take this adapter kind's defaults instead of the device's own. */
  adapterKind?: AdapterKind;
}

/** Workgroup memory the tiled scores pass allows itself for a tile of K rows. */
const TILE_BYTES = 16384;

export const DECODE_DEFAULTS = { workgroupSize: 64 } as const;
/** Range lengths and the scores-pass workgroups wanted, per adapter kind. */
const DECODE_HARDWARE = { minWorkgroups: 256, minRange: 8, maxRange: 64, lanes: 1, scoresWorkgroupSize: 64 };
/**
 * A CPU adapter hands workgroups to a few threads whole: the scores pass (one invocation per range)
 * has few of them, and a ragged last one per head left one thread with most of the work (SwiftShader:
 * with 77 ranges per head, workgroups of 64 and 13). Workgroups of 16 even that out.
 */
const DECODE_SOFTWARE = { minWorkgroups: 4, minRange: 16, maxRange: 64, lanes: 4, scoresWorkgroupSize: 16 };

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
interface Visit {
  /** Sparse: the quad table (unpadded). */
  quads?: Uint32Array;
  positions: number;
  /** Key rows inside the visited blocks (for the bytes model). */
  keyRows: number;
  /** Mask layout for per-element checks, when the rows span several mask rows. */
  layout?: Uint8Array;
}

function visitOf(p: AttentionProblem): Visit {
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
function metaWords(
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
  /** Tiled scores pass: key positions per tile (0: the direct path). */
  tileKeys: number;
  grids: { scores: number[]; values: number[]; reduce: number[] };
}

/**
 * Picks the range length over the visited positions (the kept keys, not seqK): the longest
 * (fewest partials) whose scores pass still has minWorkgroups workgroups in flight, at least
 * minRange keys; a given rangeKeys wins. Tiled: one scores workgroup per (KV head, row group,
 * range), and tiles of tileKeys positions (given, or as many as TILE_BYTES holds, at most the range).
 */
export function planDecode(
  gpu: Gpu,
  p: AttentionProblem,
  positions: number,
  workgroupSize: { scores: number; values: number },
  limits: { minWorkgroups: number; minRange: number; maxRange: number; lanes: number },
  rangeKeys?: number,
  tiled?: { tileKeys?: number },
): DecodePlan {
  const hv = Math.ceil(p.headDim / 4);
  const rows = p.seqQ === 1 ? 1 : ROWS_PER_GROUP;
  const rowGroups = Math.ceil(p.seqQ / rows);
  const [y, z] = headGrid(gpu, p.heads);
  const kvHeads = kvHeadsOf(p);
  const [kvY, kvZ] = headGrid(gpu, kvHeads);
  const scoresWorkgroups = (range: number) => {
    const items = rowGroups * Math.max(1, Math.ceil(positions / range));
    return tiled ? items : Math.ceil(items / workgroupSize.scores);
  };
  let range = rangeKeys;
  if (range === undefined) {
    range = limits.minRange;
    for (let candidate = limits.maxRange; candidate > limits.minRange; candidate /= 2) {
      if (scoresWorkgroups(candidate) * (tiled ? kvHeads : p.heads) >= limits.minWorkgroups) {
        range = candidate;
        break;
      }
    }
  }
  if (!Number.isInteger(range) || range < 4 || range % 4 !== 0) {
    throw new Error(`decode.rangeKeys: expected a positive multiple of 4, got ${range}`);
  }
  const ranges = Math.max(1, Math.ceil(positions / range));
  if (![1, 2, 4].includes(limits.lanes)) {
    throw new Error(`decode.lanes: expected 1, 2 or 4, got ${limits.lanes}`);
  }
  // Four query rows per group already share each table entry and p load four ways.
  const lanes = rows === 1 ? limits.lanes : 1;
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
    tileKeys,
    grids: {
      scores: tiled ? [scoresWorkgroups(range), kvY, kvZ] : [scoresWorkgroups(range), y, z],
      values: [Math.ceil((rowGroups * ranges * Math.ceil(hv / lanes)) / workgroupSize.values), y, z],
      reduce: [p.seqQ, y, z],
    },
  };
}

function declineLongQueries(p: AttentionProblem): string | undefined {
  if (p.seqQ <= DECODE_MAX_ROWS) return undefined;
  return `decode handles 1–${DECODE_MAX_ROWS} query rows, this problem has seqQ = ${p.seqQ} (use flash)`;
}

/** A decode kernel with the given name, K/V storage and sizes. */
export function createDecode(options: DecodeOptions): AttentionKernel {
  const { name, kvF16 = false } = options;
  const prepacked = kvF16 && options.kvPrepacked === true;
  const workgroupSize = options.workgroupSize ?? DECODE_DEFAULTS.workgroupSize;
  return {
    name,
    summary: kvF16
      ? 'decode with K and V stored as f16 (half the bytes of a memory-bound kernel).'
      : 'Split-K for 1–16 query rows over long KV: partials per key range, then a reduction; dense or sparse.',

    decline: declineLongQueries,

    async prepare(gpu: Gpu, p, io) {
      const reason = declineLongQueries(p);
      if (reason) throw new UnsupportedProblemError(name, reason);
      const visit = visitOf(p);
      const software = isSoftwareKind(gpu, options.adapterKind);
      const defaults = software ? DECODE_SOFTWARE : DECODE_HARDWARE;
      const tiled = options.tiled ?? !software;
      const scoresWorkgroupSize =
        options.scoresWorkgroupSize ?? options.workgroupSize ?? defaults.scoresWorkgroupSize;
      const plan = planDecode(
        gpu,
        p,
        visit.positions,
        { scores: scoresWorkgroupSize, values: workgroupSize },
        {
          ...defaults,
          minWorkgroups: options.minWorkgroups ?? defaults.minWorkgroups,
          lanes: options.lanes ?? defaults.lanes,
        },
        options.rangeKeys,
        tiled ? { tileKeys: options.tileKeys } : undefined,
      );
      const partBytes = p.heads * p.seqQ * plan.ranges * (plan.hv + 1) * 16;
      const probBytes = 4 * p.heads * plan.rowGroups * plan.rows * plan.ranges * plan.rangeKeys;
      checkInvocations(gpu, `${name} workgroupSize`, workgroupSize);
      checkInvocations(gpu, `${name} scoresWorkgroupSize`, scoresWorkgroupSize);
      const reduceWorkgroupSize = Math.max(workgroupSize, plan.hv);
      for (const [pass, grid] of Object.entries(plan.grids)) checkDispatch(gpu, `${name}.${pass}`, grid);
      checkBinding(gpu, `${name} partials (heads × seqQ × ${plan.ranges} ranges)`, partBytes);
      checkBinding(gpu, `${name} probabilities (heads × rows × visited keys)`, probBytes);
      checkPackedKv(gpu, name, p, kvF16 && !prepacked ? 'f16' : undefined);

      const constants = {
        WORKGROUP_SIZE: workgroupSize,
        ROWS: plan.rows,
        ALIGNED: p.headDim % 4 === 0 ? 1 : 0,
        KV_F16: kvF16 ? 1 : 0,
        SPARSE: visit.quads ? 1 : 0,
        LANES: plan.lanes,
        ...(tiled ? { TILE_KEYS: plan.tileKeys, TILE_VEC4: (plan.tileKeys + 1) * plan.hv } : {}),
      };
      const [scores, values, reduce] = await Promise.all(
        (['scores', 'values', 'reduce'] as const).map((entryPoint) =>
          gpu.pipeline({
            kernel: name,
            shader: SHADER,
            entryPoint: entryPoint === 'scores' && tiled ? 'scores_tiled' : entryPoint,
            // reduce: one invocation per vec4 column of a row, so at least hv of them.
            constants: {
              ...constants,
              WORKGROUP_SIZE: {
                scores: scoresWorkgroupSize,
                values: workgroupSize,
                reduce: reduceWorkgroupSize,
              }[entryPoint],
            },
          }),
        ),
      );
      const meta = metaWords(p, visit, plan);
      const params = gpu.uniform(
        `${name}.params`,
        attentionParams(DECODE_PARAMS, p, {
          hv: plan.hv,
          row_groups: plan.rowGroups,
          ranges: plan.ranges,
          range_keys: plan.rangeKeys,
          visit_positions: visit.positions,
          layout_offset: meta.layoutOffset,
        }),
      );
      const metaBuffer = gpu.upload(`${name}.meta`, meta.words);
      const part = gpu.buffer(`${name}.partials`, partBytes);
      const probs = gpu.buffer(`${name}.probabilities`, probBytes);
      const packed = prepacked
        ? { k: io.k, v: io.v, destroy() {} }
        : kvF16
          ? await kvRows(gpu, name, p, io, 'f16')
          : undefined;
      const placeholder = placeholderBuffer(gpu, `${name}.unused`);
      const steps = [
        {
          pipeline: scores,
          group: gpu.bindGroup(`${name}.scores`, scores, {
            0: params,
            1: io.q,
            2: kvF16 ? placeholder : io.k,
            4: metaBuffer,
            5: part,
            6: packed?.k ?? placeholder,
            9: probs,
            10: io.q,
            11: kvF16 ? placeholder : io.k,
          }),
          grid: plan.grids.scores,
        },
        {
          pipeline: values,
          group: gpu.bindGroup(`${name}.values`, values, {
            0: params,
            3: kvF16 ? placeholder : io.v,
            4: metaBuffer,
            5: part,
            7: packed?.v ?? placeholder,
            9: probs,
            12: kvF16 ? placeholder : io.v,
          }),
          grid: plan.grids.values,
        },
        {
          pipeline: reduce,
          group: gpu.bindGroup(`${name}.reduce`, reduce, { 0: params, 5: part, 8: io.o }),
          grid: plan.grids.reduce,
        },
      ];
      return dispatchRun(steps, [params, metaBuffer, part, probs, packed, placeholder]);
    },

    cost(p: AttentionProblem) {
      const { keyRows } = visitOf(p);
      return {
        bytes: qoBytes(p) + kvBytes(p, keyRows, kvF16),
        flops: attentionFlops(p.heads * p.seqQ * keyRows, p.headDim),
      };
    },
  };
}

export const decode = createDecode({ name: 'decode' });
export const decodeF16 = createDecode({ name: 'decode-f16', kvF16: true });
