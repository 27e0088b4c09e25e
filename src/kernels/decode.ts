// decode attention (shaders/decode-attention.wgsl): split-K for 1–16 query rows over a long key
// sequence: pass `split` turns each chunk of keys into partials (max, sum, output) per query row,
// pass `reduce` merges them. With a mask it visits only the key blocks kept for these rows (the
// union of their CSR rows; elements are still checked against the layout when the rows span
// several mask rows). Declines seqQ > 16.
// Bytes model: Q read and O written once, K and V read once for the visited key rows (as packed
// f16 for decode-f16). The partials (hv + 1 vec4 per group of hv · keysPerThread keys, written
// and read once: about 1/(2 · keysPerThread) of the K/V bytes) are not counted.
// FLOP model: 4 · headDim per (query row, visited key).
//
// Overrides (defaults below; createDecode takes others):
//   workgroupSize  64, 128 or 256 invocations (64)
//   pSlots         vec4 capacity of the probability buffer in workgroup memory (default 4 ·
//                  workgroupSize: 4 KiB at 64); it bounds rows · keys per chunk
//   keysPerThread  keys each invocation scores per chunk: a multiple of 4, 4..32, chosen per
//                  problem: the largest (fewest chunks) that still gives minWorkgroups workgroups
//   minWorkgroups  workgroups wanted in flight (512 on hardware adapters, 16 on software ones)
// Rows per workgroup: min(4, seqQ); more rows (up to 16) run as further row groups.

import { UnsupportedProblemError } from '../gpu/errors.ts';
import type { Gpu } from '../gpu/gpu.ts';
import {
  attentionFlops,
  attentionParams,
  headGrid,
  kvBytes,
  placeholderBuffer,
  qoBytes,
} from './attention-common.ts';
import { checkPackedKv, packKvF16 } from './kv-f16.ts';
import { checkBinding, checkDispatch, checkInvocations, checkWorkgroupMemory } from './limits.ts';
import type { AttentionKernel, AttentionProblem } from './types.ts';

const SHADER = new URL('../../shaders/decode-attention.wgsl', import.meta.url);
/** Longest query decode accepts. */
export const DECODE_MAX_ROWS = 16;
/** The shader's MAX_ROWS (rows per workgroup); one group holds up to 64 vec4 lanes (headDim 256). */
const ROWS_PER_WORKGROUP = 4;
const MAX_LANES = 64;
const MAX_KEYS_PER_THREAD = 32;

export interface DecodeOptions {
  name: string;
  kvF16?: boolean;
  workgroupSize?: number;
  pSlots?: number;
  keysPerThread?: number;
  minWorkgroups?: number;
}

export const DECODE_DEFAULTS = { workgroupSize: 64 } as const;

/** Key blocks decode visits: every key (dense), or the union of the mask rows' kept blocks. */
interface Visit {
  blocks?: Uint32Array;
  /** Positions walked: seqK dense, blocks · blockSize sparse. */
  keys: number;
  /** Key rows actually inside the visited blocks (for the bytes model). */
  keyRows: number;
  /** Mask layout for per-element checks, when the rows span several mask rows. */
  layout?: Uint8Array;
}

function visitOf(p: AttentionProblem): Visit {
  const mask = p.mask;
  if (!mask) return { keys: p.seqK, keyRows: p.seqK };
  const kept = new Uint8Array(mask.cols);
  for (let n = 0; n < mask.nnz; n++) kept[mask.colIndex[n]] = 1;
  const blocks = Uint32Array.from(Array.from(kept.keys()).filter((col) => kept[col]));
  let keyRows = 0;
  for (const col of blocks) keyRows += Math.min(mask.blockSize, p.seqK - col * mask.blockSize);
  return {
    blocks,
    keys: blocks.length * mask.blockSize,
    keyRows,
    layout: mask.rows > 1 ? mask.layout : undefined,
  };
}

/** meta: the visited blocks, then (when needed) the layout; layoutOffset 0 means no layout. */
function metaWords(visit: Visit): { words: Uint32Array; layoutOffset: number } {
  const blocks = visit.blocks ?? new Uint32Array(0);
  if (!visit.layout) return { words: blocks.length ? blocks : new Uint32Array(1), layoutOffset: 0 };
  const layoutOffset = Math.max(1, blocks.length);
  const words = new Uint32Array(layoutOffset + visit.layout.length);
  words.set(blocks);
  words.set(visit.layout, layoutOffset);
  return { words, layoutOffset };
}

/** How one call splits its work. */
export interface DecodePlan {
  hv: number;
  rows: number;
  rowGroups: number;
  groups: number;
  keysPerThread: number;
  chunks: number;
  splits: number;
}

/** Chooses keys per thread (hence chunks) so that enough workgroups run, within the probability buffer. */
export function planDecode(
  p: AttentionProblem,
  visitKeys: number,
  workgroupSize: number,
  pSlots: number,
  minWorkgroups: number,
  maxWorkgroups: number,
  keysPerThread?: number,
): DecodePlan {
  const hv = Math.ceil(p.headDim / 4);
  const rows = Math.min(ROWS_PER_WORKGROUP, p.seqQ);
  const rowGroups = Math.ceil(p.seqQ / rows);
  const groups = Math.floor(workgroupSize / hv);
  const fit = Math.floor((4 * pSlots) / (rows * groups * hv) / 4) * 4;
  const largest = Math.min(MAX_KEYS_PER_THREAD, fit);
  if (largest < 4) {
    throw new Error(`decode: pSlots ${pSlots} cannot hold 4 keys per invocation for ${rows} rows`);
  }
  const chunksFor = (kpt: number) => Math.max(1, Math.ceil(visitKeys / (groups * hv * kpt)));
  let kpt = Math.min(largest, Math.max(4, (keysPerThread ?? 4) - ((keysPerThread ?? 4) % 4)));
  if (keysPerThread === undefined) {
    // The largest candidate (fewest chunks) that still gives minWorkgroups and fits the grid; else the
    // one with the most workgroups that fits.
    const fits = (c: number) => chunksFor(c) * rowGroups <= maxWorkgroups;
    const candidates = Array.from({ length: largest / 4 }, (_, n) => largest - 4 * n);
    kpt =
      candidates.find((c) => fits(c) && chunksFor(c) * rowGroups * p.heads >= minWorkgroups) ??
      [...candidates].reverse().find(fits) ??
      largest;
  }
  const chunks = chunksFor(kpt);
  return { hv, rows, rowGroups, groups, keysPerThread: kpt, chunks, splits: chunks * groups };
}

function declineLongQueries(p: AttentionProblem): string | undefined {
  if (p.seqQ <= DECODE_MAX_ROWS) return undefined;
  return `decode handles 1–${DECODE_MAX_ROWS} query rows, this problem has seqQ = ${p.seqQ} (use flash)`;
}

/** A decode kernel with the given name, K/V storage and sizes. */
export function createDecode(options: DecodeOptions): AttentionKernel {
  const { name, kvF16 = false } = options;
  const workgroupSize = options.workgroupSize ?? DECODE_DEFAULTS.workgroupSize;
  const pSlots = options.pSlots ?? 4 * workgroupSize;
  return {
    name,
    summary: kvF16
      ? 'decode with K and V stored as f16 (half the bytes of a memory-bound kernel).'
      : 'Split-K for 1–16 query rows over long KV: partials per key chunk, then a reduction; dense or sparse.',

    decline: declineLongQueries,

    async prepare(gpu: Gpu, p, io) {
      const reason = declineLongQueries(p);
      if (reason) throw new UnsupportedProblemError(name, reason);
      if (workgroupSize < MAX_LANES)
        throw new Error(`${name}.workgroupSize: at least ${MAX_LANES}, got ${workgroupSize}`);
      const visit = visitOf(p);
      const minWorkgroups = options.minWorkgroups ?? (gpu.adapter.isSoftware ? 16 : 512);
      const maxWorkgroups = gpu.limits.maxComputeWorkgroupsPerDimension;
      const plan = planDecode(
        p,
        visit.keys,
        workgroupSize,
        pSlots,
        minWorkgroups,
        maxWorkgroups,
        options.keysPerThread,
      );
      const [y, z] = headGrid(gpu, p.heads);
      const splitGrid = [plan.chunks * plan.rowGroups, y, z];
      const reduceGrid = [p.seqQ, y, z];
      const partBytes = p.heads * p.seqQ * plan.splits * (plan.hv + 1) * 16;
      checkInvocations(gpu, `${name} workgroupSize`, workgroupSize);
      checkWorkgroupMemory(
        gpu,
        `${name} (pSlots ${pSlots}, workgroupSize ${workgroupSize})`,
        16 * pSlots + 2 * 4 * ROWS_PER_WORKGROUP * workgroupSize,
      );
      checkDispatch(gpu, `${name}.split`, splitGrid);
      checkDispatch(gpu, `${name}.reduce`, reduceGrid);
      checkBinding(gpu, `${name} partials (heads × seqQ × ${plan.splits} splits)`, partBytes);
      if (kvF16) checkPackedKv(gpu, name, p);

      const constants = { WORKGROUP_SIZE: workgroupSize, P_SLOTS: pSlots, KV_F16: kvF16 ? 1 : 0 };
      const [split, reduce] = await Promise.all(
        (['split', 'reduce'] as const).map((entryPoint) =>
          gpu.pipeline({ kernel: name, shader: SHADER, entryPoint, constants }),
        ),
      );
      const meta = metaWords(visit);
      const params = gpu.uniform(
        `${name}.params`,
        attentionParams(p, [
          plan.hv,
          plan.rows,
          plan.chunks,
          plan.groups,
          plan.keysPerThread,
          visit.keys,
          visit.blocks ? 1 : 0,
          meta.layoutOffset,
        ]),
      );
      const metaBuffer = gpu.upload(`${name}.meta`, meta.words);
      const part = gpu.buffer(`${name}.partials`, partBytes);
      const packed = kvF16 ? await packKvF16(gpu, name, p, io) : undefined;
      const placeholder = placeholderBuffer(gpu, `${name}.unused`);
      const splitGroup = gpu.bindGroup(`${name}.split`, split, {
        0: params,
        1: io.q,
        2: kvF16 ? placeholder : io.k,
        3: kvF16 ? placeholder : io.v,
        4: metaBuffer,
        5: part,
        6: packed?.k16 ?? placeholder,
        7: packed?.v16 ?? placeholder,
      });
      const reduceGroup = gpu.bindGroup(`${name}.reduce`, reduce, { 0: params, 5: part, 8: io.o });
      return {
        encode(pass) {
          pass.setPipeline(split);
          pass.setBindGroup(0, splitGroup);
          pass.dispatchWorkgroups(splitGrid[0], splitGrid[1], splitGrid[2]);
          pass.setPipeline(reduce);
          pass.setBindGroup(0, reduceGroup);
          pass.dispatchWorkgroups(reduceGrid[0], reduceGrid[1], reduceGrid[2]);
        },
        destroy() {
          params.destroy();
          metaBuffer.destroy();
          part.destroy();
          packed?.destroy();
          placeholder.destroy();
        },
      };
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
