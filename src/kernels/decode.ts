// decode attention (shaders/decode-attention.wgsl): split-K for 1–16 query rows over a long key
// sequence, in three dispatches: `scores` (per range of keys: scores, probabilities against the
// range's max, and its (max, sum)), `values` (p · V per range) and `reduce` (merges a row's ranges).
// The scores pass has two paths: tiled (hardware default: a workgroup per KV head and range loads
// the range's K rows into workgroup memory with neighbouring lanes reading neighbouring vec4, and
// the query heads of a GQA group score from that one load) and direct (one invocation per range
// walks its own K rows, no workgroup memory). Software default for one query row where the adapter
// has subgroups of one size: scores and values fused into one pass (the same module's
// `range_attention`: a subgroup per range splits its rows by vec4 columns, online softmax, q loaded
// once per range), then `reduce`: two dispatches (one with one range per row). On a device without
// `subgroups` every pass compiles the module with that pass removed (subgroups.ts). With a mask it
// visits only the key blocks kept for these rows (the union of their CSR rows; elements are still
// checked against the layout when the rows span several mask rows). Declines seqQ > 16.
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
//                  scores pass (4 on software adapters, 256 on hardware ones; autotune sweeps it);
//                  fused: 512 … 64 leaving minWorkgroups (8) workgroups (a CPU adapter pays per
//                  workgroup, and the fused pass has one per range), or one range per row where the
//                  heads alone make minWorkgroups (then no reduce pass: one dispatch)
//   subgroups      the fused pass (software default where it applies; false: the direct passes)
//   tiled          scores pass path: tiled (hardware) or direct (software), see above
//   tileKeys       tiled: key positions per tile, a multiple of 4 (the range, or as many as fit
//                  16 KiB of workgroup memory at hv vec4 each)
//   lanes          values pass with one query row: vec4 output columns per invocation, 1, 2 or 4
//                  (1 on hardware, 4 on software, where a table entry and a p load then serve four
//                  columns; columns are strided, so neighbouring invocations read neighbouring vec4)
//   sizedArrays    q, K and V bindings declared with their lengths (sized-arrays.ts): index clamps
//                  against constants, at one pipeline per size. Default: on software adapters where
//                  K and V hold at least SIZED_MIN_BYTES (SwiftShader, kv 8192: ~5 points more of the
//                  read probe); false elsewhere (a GPU's clamp costs next to nothing)
// ROWS (fixed per pipeline): 1 for a single query row, else 4 per row group; up to 16 rows run as
// further row groups, and the rows past seqQ of the last group are computed, not written.

import { UnsupportedProblemError } from '../gpu/errors.ts';
import { type AdapterKind, type Gpu, isSoftwareKind, uploadSize } from '../gpu/gpu.ts';
import { u32, uniformLayout } from '../gpu/uniform.ts';
import { PLACEHOLDER_BYTES, placeholderBuffer } from './attention-common.ts';
import { attentionFlops, kvBytes, qoBytes } from './attention-cost.ts';
import { ATTENTION_FIELDS, attentionParams } from './attention-params.ts';
import {
  DECODE_DEFAULTS,
  DECODE_FUSED,
  DECODE_HARDWARE,
  DECODE_SOFTWARE,
  fusedWidth,
  metaWords,
  planDecode,
  visitOf,
} from './decode-split.ts';
import { checkPackedKv, kvRows, packedKvBytes } from './kv-pack.ts';
import { checkBinding, checkDispatch, checkInvocations } from './limits.ts';
import { dispatchRun } from './run.ts';
import { sizedArrays } from './sized-arrays.ts';
import { subgroupsEdit } from './subgroups.ts';
import type { AttentionIO, AttentionKernel, AttentionProblem } from './types.ts';

const SHADER = new URL('../../shaders/decode-attention.wgsl', import.meta.url);
/** `struct Params` of decode-attention.wgsl: the shared fields, then the split's plan. */
export const DECODE_PARAMS = uniformLayout('Params', [
  ...ATTENTION_FIELDS,
  ...u32('hv', 'row_groups', 'ranges', 'range_keys', 'visit_positions', 'layout_offset'),
]);
export { DECODE_DEFAULTS, type DecodePlan, decodeDefaults, fusedWidth, planDecode } from './decode-split.ts';

/** K and V bytes from which a software adapter's decode sizes its arrays (the stream pays for a compile). */
export const SIZED_MIN_BYTES = 1 << 20;

/** Longest query decode accepts. */
export const DECODE_MAX_ROWS = 16;

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
  /**
   * Scores and values fused in one pass, a subgroup per key range (one query row, headDim a
   * multiple of 4 and at most 16 · subgroup size, subgroups of one size): default on software
   * adapters with the scores pass direct; true requires the `subgroups` feature; false never.
   */
  subgroups?: boolean;
  /** q, K and V declared with their lengths (see the header); per adapter and size when absent. */
  sizedArrays?: boolean;
  /** Take this adapter kind's defaults instead of the device's own. */
  adapterKind?: AdapterKind;
}

function declineLongQueries(p: AttentionProblem): string | undefined {
  if (p.seqQ <= DECODE_MAX_ROWS) return undefined;
  return `decode handles 1–${DECODE_MAX_ROWS} query rows, this problem has seqQ = ${p.seqQ} (use flash)`;
}

/**
 * The bytes bound at each read-only array binding, as prepare() binds them: q, K and V (f32, or
 * packed f16, the others a 16-byte placeholder) and the visit table, as uploaded.
 */
export function boundBytes(
  p: AttentionProblem,
  io: AttentionIO,
  meta: Uint32Array,
  kvF16: boolean,
  prepacked: boolean,
): Record<string, number> {
  const f32 = (buffer: GPUBuffer) => (kvF16 ? PLACEHOLDER_BYTES : buffer.size);
  const f16 = (buffer: GPUBuffer) =>
    !kvF16 ? PLACEHOLDER_BYTES : prepacked ? buffer.size : packedKvBytes(p, 'f16');
  return {
    q: io.q.size,
    q4: io.q.size,
    k: f32(io.k),
    k4: f32(io.k),
    v: f32(io.v),
    v4: f32(io.v),
    k16: f16(io.k),
    v16: f16(io.v),
    visit_meta: uploadSize(meta.byteLength),
  };
}

/** Kernel.summary by K/V storage. */
const SUMMARY = {
  f32: 'Split-K for 1–16 query rows over long KV: partials per key range, then a reduction; dense or sparse.',
  f16: 'decode with K and V stored as f16 (half the bytes of a memory-bound kernel).',
};

/** A decode kernel with the given name, K/V storage and sizes. */
export function createDecode(options: DecodeOptions): AttentionKernel {
  const { name, kvF16 = false } = options;
  const prepacked = kvF16 && options.kvPrepacked === true;
  const workgroupSize = options.workgroupSize ?? DECODE_DEFAULTS.workgroupSize;
  return {
    name,
    summary: SUMMARY[kvF16 ? 'f16' : 'f32'],
    decline: declineLongQueries,
    features: options.subgroups ? ['subgroups' as GPUFeatureName] : undefined,

    async prepare(gpu: Gpu, p, io) {
      const reason = declineLongQueries(p);
      if (reason) throw new UnsupportedProblemError(name, reason);
      const visit = visitOf(p);
      const software = isSoftwareKind(gpu, options.adapterKind);
      const defaults = software ? DECODE_SOFTWARE : DECODE_HARDWARE;
      const tiled = options.tiled ?? !software;
      const width = fusedWidth(gpu, p, !tiled && (options.subgroups ?? software));
      const scoresWorkgroupSize =
        options.scoresWorkgroupSize ?? options.workgroupSize ?? defaults.scoresWorkgroupSize;
      const plan = planDecode(
        gpu,
        p,
        visit.positions,
        { scores: scoresWorkgroupSize, values: workgroupSize },
        {
          ...defaults,
          minWorkgroups: options.minWorkgroups ?? (width ? DECODE_FUSED : defaults).minWorkgroups,
          lanes: options.lanes ?? defaults.lanes,
        },
        options.rangeKeys,
        tiled ? { tileKeys: options.tileKeys } : undefined,
        width !== undefined,
      );
      const partBytes = p.heads * p.seqQ * plan.ranges * (plan.hv + 1) * 16;
      const probBytes = plan.fused
        ? 4
        : 4 * p.heads * plan.rowGroups * plan.rows * plan.ranges * plan.rangeKeys;
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
        HEAD_SHARE: plan.headShare,
        ...(tiled ? { TILE_KEYS: plan.tileKeys, TILE_VEC4: (plan.tileKeys + 1) * plan.hv } : {}),
      };
      // Fused with one range per row: the fused pass writes the output, no reduce pass follows.
      const passes = plan.fused
        ? plan.ranges === 1
          ? ([] as const)
          : (['reduce'] as const)
        : (['scores', 'values', 'reduce'] as const);
      const meta = metaWords(p, visit, plan);
      const sized = options.sizedArrays ?? (software && kvBytes(p, p.seqK, kvF16) >= SIZED_MIN_BYTES);
      // reduce reads only the partials: it keeps the unsized module, one pipeline for every size.
      const unsized = subgroupsEdit(gpu);
      const edit = sized ? sizedArrays(boundBytes(p, io, meta.words, kvF16, prepacked), unsized) : unsized;
      const pipelines = await Promise.all(
        passes.map((entryPoint) =>
          gpu.pipeline({
            kernel: name,
            shader: SHADER,
            edit: entryPoint === 'reduce' ? unsized : edit,
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
      const reduce = pipelines.at(-1);
      const fused =
        width === undefined
          ? undefined
          : await gpu.pipeline({
              kernel: name,
              shader: SHADER,
              edit,
              entryPoint: 'range_attention',
              constants: {
                WORKGROUP_SIZE: width,
                COLS: Math.ceil(plan.hv / width),
                EVEN: plan.hv % width === 0 ? 1 : 0,
                KV_F16: constants.KV_F16,
                SPARSE: constants.SPARSE,
              },
            });
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
      const reduceSteps = reduce
        ? [
            {
              pipeline: reduce,
              group: gpu.bindGroup(`${name}.reduce`, reduce, { 0: params, 5: part, 8: io.o }),
              grid: plan.grids.reduce,
            },
          ]
        : [];
      const packed = prepacked
        ? { k: io.k, v: io.v, destroy() {} }
        : kvF16
          ? await kvRows(gpu, name, p, io, 'f16')
          : undefined;
      const placeholder = placeholderBuffer(gpu, `${name}.unused`);
      const owned = [params, metaBuffer, part, probs, packed, placeholder];
      if (fused) {
        const group = gpu.bindGroup(`${name}.fused`, fused, {
          0: params,
          4: metaBuffer,
          5: part,
          6: packed?.k ?? placeholder,
          7: packed?.v ?? placeholder,
          8: io.o,
          10: io.q,
          11: kvF16 ? placeholder : io.k,
          12: kvF16 ? placeholder : io.v,
        });
        return dispatchRun([{ pipeline: fused, group, grid: plan.grids.scores }, ...reduceSteps], owned);
      }
      const [scores, values] = pipelines;
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
        ...reduceSteps,
      ];
      return dispatchRun(steps, owned);
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
