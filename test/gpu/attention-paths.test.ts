// Every path an attention kernel can take runs the same compact case list against the f64 reference:
// the software-adapter defaults, the hardware-adapter defaults (forced with adapterKind, so a
// software adapter in CI checks the GPU paths as thoroughly as its own), and each tunable that
// changes the code taken (staged or direct tiles, specialised or run-time sizes, workgroup sizes,
// values columns, key-range splits). Prefill-shaped kernels take PREFILL, decode takes DECODE.

import { describe, expect, it } from 'vitest';
import { UnsupportedProblemError } from '../../src/gpu/errors.ts';
import { createBlockSparse } from '../../src/kernels/block-sparse.ts';
import { createDecode, fusedWidth } from '../../src/kernels/decode.ts';
import { createFlash } from '../../src/kernels/flash.ts';
import { createFusedSoftmax, createUnfused } from '../../src/kernels/materialized.ts';
import { missingFeatures } from '../../src/kernels/registry.ts';
import type { AttentionKernel } from '../../src/kernels/types.ts';
import type { Tolerance } from '../../src/reference/compare.ts';
import {
  type AttentionCase,
  build,
  CONTROL,
  coin,
  expectReference,
  F32_TOL,
  fromKeep,
  LARGE_LOGITS,
  runKernel,
} from './attention-cases.ts';
import { useGpu } from './gpu-harness.ts';

interface Case extends AttentionCase {
  name: string;
  /** Where f32 needs more room than F32_TOL. */
  tol?: Tolerance;
  /** Where f16 K/V storage needs more room than F16_TOL. */
  f16Tol?: Tolerance;
}

/** K and V rounded to f16 move outputs by up to ~1e-3 at unit-scale inputs. */
const F16_TOL: Tolerance = { atol: 2e-3, rtol: 2e-3 };

/** Prefill-shaped: ragged sizes, causal both ways, large logits, masks, GQA (compact: CI's budget). */
const PREFILL: Case[] = [
  { name: 'ragged: seqQ 15, seqK 17, headDim 13', ...CONTROL, seqQ: 15, seqK: 17, headDim: 13 },
  { name: 'headDim 80, seqK 70', ...CONTROL, heads: 1, seqQ: 33, seqK: 70, headDim: 80 },
  { name: 'causal, seqQ > seqK (early rows see nothing)', ...CONTROL, seqQ: 50, seqK: 20, causal: true },
  // Few query blocks over many keys: flash's hardware default splits the keys itself (split-k + merge).
  {
    name: 'split-k by default: seqQ 9, seqK 300, causal',
    ...CONTROL,
    seqQ: 9,
    seqK: 300,
    headDim: 16,
    causal: true,
  },
  { ...LARGE_LOGITS, tol: { atol: 1e-4, rtol: 1e-3 }, f16Tol: { atol: 2e-2, rtol: 2e-2 } },
  {
    name: 'mask: random layout (block 16)',
    ...CONTROL,
    seqQ: 70,
    seqK: 90,
    mask: fromKeep(16, coin(11, 0.5)),
  },
  {
    name: 'mask: ragged block 5 with causal',
    ...CONTROL,
    seqQ: 31,
    seqK: 17,
    causal: true,
    mask: fromKeep(5, coin(5, 0.7)),
  },
  {
    name: 'GQA: 8 heads over 2 KV heads, causal, mask (block 16)',
    ...CONTROL,
    heads: 8,
    kvHeads: 2,
    seqQ: 40,
    seqK: 70,
    headDim: 20,
    causal: true,
    mask: fromKeep(16, coin(7, 0.6)),
  },
];

/** Decode-shaped: one row and row groups, ragged head dimensions, masks across mask rows, GQA. */
const DECODE: Case[] = [
  { name: '1 row over 700 keys, headDim 64', ...CONTROL, seqQ: 1, seqK: 700, headDim: 64 },
  { name: '1 row over 500 keys, headDim 13', ...CONTROL, seqQ: 1, seqK: 500, headDim: 13 },
  // hv = 6 vec4 columns: with 4 per invocation the last ones are clamped (computed, not written).
  {
    name: '1 row over 777 keys, headDim 24, 70% of 8-key blocks',
    ...CONTROL,
    seqQ: 1,
    seqK: 777,
    headDim: 24,
    mask: fromKeep(8, coin(4, 0.7)),
  },
  {
    name: '1 row, GQA: 4 heads over 2 KV heads, causal, 60% of 64-key blocks, headDim 32',
    ...CONTROL,
    heads: 4,
    kvHeads: 2,
    seqQ: 1,
    seqK: 900,
    headDim: 32,
    causal: true,
    mask: fromKeep(64, coin(9, 0.6)),
  },
  // Groups of 4 and of 3 query heads: the values pass shares each V load among 4 heads, or (3) none.
  {
    name: '1 row, GQA: 8 heads over 2 KV heads, headDim 20',
    ...CONTROL,
    heads: 8,
    kvHeads: 2,
    seqQ: 1,
    seqK: 333,
    headDim: 20,
  },
  {
    name: '1 row, GQA: 6 heads over 2 KV heads, headDim 16',
    ...CONTROL,
    heads: 6,
    kvHeads: 2,
    seqQ: 1,
    seqK: 260,
    headDim: 16,
  },
  { name: '7 rows over 400 keys, headDim 13', ...CONTROL, seqQ: 7, seqK: 400, headDim: 13 },
  {
    name: '12 rows across mask rows (block 5), causal',
    ...CONTROL,
    seqQ: 12,
    seqK: 303,
    headDim: 16,
    causal: true,
    mask: fromKeep(5, coin(3, 0.5)),
  },
  {
    // Rows are taken 4 at a time: rows 5–7 pad the last group, past the mask's last row (block 2).
    name: '5 rows across 3 mask rows (block 2), padded to 8',
    ...CONTROL,
    seqQ: 5,
    seqK: 37,
    headDim: 8,
    mask: fromKeep(2, coin(4, 0.6)),
  },
  {
    name: 'GQA: 4 heads over 1 KV head, 5 rows, 50% of 16-key blocks, causal',
    ...CONTROL,
    heads: 4,
    kvHeads: 1,
    seqQ: 5,
    seqK: 300,
    headDim: 32,
    causal: true,
    mask: fromKeep(16, coin(8, 0.5)),
  },
];

interface Path {
  name: string;
  kernel: AttentionKernel;
  cases: Case[];
  f16?: boolean;
}

const flash = (name: string, options: Parameters<typeof createFlash>[0]) => ({
  name,
  kernel: createFlash(options),
  cases: PREFILL,
  f16: options.kvF16,
});
const sparse = (name: string, options: Parameters<typeof createBlockSparse>[0]) => ({
  name,
  kernel: createBlockSparse(options),
  cases: PREFILL,
  f16: options.kvF16,
});
const decode = (name: string, options: Parameters<typeof createDecode>[0]) => ({
  name,
  kernel: createDecode(options),
  cases: DECODE,
  f16: options.kvF16,
});
const fused = (name: string, options: Parameters<typeof createFusedSoftmax>[0]) => ({
  name,
  kernel: createFusedSoftmax(options),
  cases: PREFILL,
});

const PATHS: Path[] = [
  { name: 'unfused, software default', kernel: createUnfused({ adapterKind: 'software' }), cases: PREFILL },
  {
    name: 'unfused, hardware default (coalesced K tiles)',
    kernel: createUnfused({ adapterKind: 'hardware' }),
    cases: PREFILL,
  },
  fused('fused-softmax, software default (run-time sizes)', {
    name: 'fused-softmax',
    adapterKind: 'software',
  }),
  fused('fused-softmax, hardware default (specialised)', { name: 'fused-softmax', adapterKind: 'hardware' }),
  fused('fused-softmax, specialised, workgroups of 16, tiles of 8 keys (rows scored twice)', {
    name: 'fused-softmax',
    workgroupSize: 16,
    tileK: 8,
    specialize: true,
  }),
  fused('fused-softmax-subgroups, software default (workgroups of 64)', {
    name: 'fused-softmax-subgroups',
    subgroups: true,
    adapterKind: 'software',
  }),
  fused('fused-softmax-subgroups, hardware default (specialised)', {
    name: 'fused-softmax-subgroups',
    subgroups: true,
    adapterKind: 'hardware',
  }),
  // 6 invocations: the second subgroup of 4 lanes is partial (2 lanes absent).
  fused('fused-softmax-subgroups, workgroups of 6 (a partial subgroup)', {
    name: 'fused-softmax-subgroups',
    subgroups: true,
    workgroupSize: 6,
  }),
  // 2 invocations: a workgroup smaller than any subgroup (the subgroup is partial).
  fused('fused-softmax-subgroups, workgroups of 2 (smaller than a subgroup)', {
    name: 'fused-softmax-subgroups',
    subgroups: true,
    workgroupSize: 2,
  }),
  flash('flash, software default (direct, run-time sizes)', { name: 'flash', adapterKind: 'software' }),
  flash('flash, hardware default (staged, specialised)', { name: 'flash', adapterKind: 'hardware' }),
  flash('flash, staged, run-time sizes, blockQ 16, tileK 7', {
    name: 'flash',
    staged: true,
    specialize: false,
    blockQ: 16,
    tileK: 7,
  }),
  // Keys split 3 ways (17 keys: splits of 7, 7 and 3), partials merged by the second pass.
  flash('flash, staged, specialised, 3 key splits of tiles of 7 keys', {
    name: 'flash',
    staged: true,
    specialize: true,
    tileK: 7,
    splits: 3,
  }),
  flash('flash, direct, specialised, blockQ 32', {
    name: 'flash',
    staged: false,
    specialize: true,
    blockQ: 32,
  }),
  flash('flash-f16, software default', { name: 'flash-f16', kvF16: true, adapterKind: 'software' }),
  flash('flash-f16, hardware default', { name: 'flash-f16', kvF16: true, adapterKind: 'hardware' }),
  sparse('block-sparse, software default (direct)', { name: 'block-sparse', adapterKind: 'software' }),
  sparse('block-sparse, hardware default (staged, specialised)', {
    name: 'block-sparse',
    adapterKind: 'hardware',
  }),
  sparse('block-sparse, direct, tiles of 7 keys across blocks', {
    name: 'block-sparse',
    staged: false,
    tileK: 7,
  }),
  sparse('block-sparse, staged, run-time sizes, blockQ 16, tileK 5', {
    name: 'block-sparse',
    staged: true,
    specialize: false,
    blockQ: 16,
    tileK: 5,
  }),
  sparse('block-sparse-f16, software default', {
    name: 'block-sparse-f16',
    kvF16: true,
    adapterKind: 'software',
  }),
  sparse('block-sparse-f16, hardware default', {
    name: 'block-sparse-f16',
    kvF16: true,
    adapterKind: 'hardware',
  }),
  // With subgroups (SwiftShader has them): one-row cases take the fused pass, the others direct scores.
  decode('decode, software default (fused pass where it applies)', {
    name: 'decode',
    adapterKind: 'software',
  }),
  decode('decode, software default without subgroups (direct scores)', {
    name: 'decode',
    adapterKind: 'software',
    subgroups: false,
  }),
  // Ranges of 20 keys: 5 quads, the last range ragged.
  decode('decode, fused pass, ranges of 20 keys', { name: 'decode', subgroups: true, rangeKeys: 20 }),
  // Heads alone make the workgroups wanted: one range per row, the output written by the fused pass.
  decode('decode, fused pass, one range per row (no reduce pass)', {
    name: 'decode',
    subgroups: true,
    minWorkgroups: 1,
  }),
  // q, K, V and the visit table declared with their lengths (software default from 1 MiB of K/V):
  // the fused pass for one row, the direct passes for row groups.
  decode('decode, software default, arrays sized in the text', {
    name: 'decode',
    adapterKind: 'software',
    sizedArrays: true,
  }),
  decode('decode-f16, software default, arrays sized in the text', {
    name: 'decode-f16',
    kvF16: true,
    adapterKind: 'software',
    sizedArrays: true,
  }),
  decode('decode, hardware default (scores from coalesced K tiles)', {
    name: 'decode',
    adapterKind: 'hardware',
  }),
  // Ranges of 20 keys in tiles of 8 (8, 8, then a partial 4); workgroups of 4 loop over the items
  // (query heads × quads) and over the (head, row) sweeps.
  decode('decode, tiled scores, tiles of 8 keys, ranges of 20, scores workgroups of 4', {
    name: 'decode',
    tiled: true,
    tileKeys: 8,
    rangeKeys: 20,
    scoresWorkgroupSize: 4,
  }),
  decode('decode, hardware defaults with direct scores', {
    name: 'decode',
    adapterKind: 'hardware',
    tiled: false,
  }),
  // The direct passes' tunables (subgroups: false, or a software adapter would fuse one-row cases).
  decode('decode, 2 vec4 columns per values invocation', { name: 'decode', lanes: 2, subgroups: false }),
  decode('decode, workgroups of 128, ranges of 12 keys', {
    name: 'decode',
    workgroupSize: 128,
    rangeKeys: 12,
    subgroups: false,
  }),
  // Workgroups smaller than a row's vec4 columns: the reduce pass still covers them all.
  decode('decode, workgroups of 8', { name: 'decode', workgroupSize: 8, subgroups: false }),
  decode('decode-f16, software default (fused pass where it applies)', {
    name: 'decode-f16',
    kvF16: true,
    adapterKind: 'software',
  }),
  decode('decode-f16, software default without subgroups', {
    name: 'decode-f16',
    kvF16: true,
    adapterKind: 'software',
    subgroups: false,
  }),
  decode('decode-f16, hardware default', { name: 'decode-f16', kvF16: true, adapterKind: 'hardware' }),
];

// One device for the whole file: pipelines are cached per device.
describe('attention kernel paths', () => {
  const gpu = useGpu();

  describe.each(PATHS)('$name', ({ kernel, cases, f16 }) => {
    it.for(cases)('$name', async (c, context) => {
      const missing = missingFeatures(gpu(), kernel);
      if (missing.length) {
        context.skip(`skipped: adapter lacks ${missing.join(', ')}`);
        return;
      }
      const b = build(c);
      if (kernel.decline?.(b.problem, gpu())) {
        await expect(runKernel(gpu(), kernel, b)).rejects.toBeInstanceOf(UnsupportedProblemError);
        return;
      }
      const tol = f16 ? (c.f16Tol ?? F16_TOL) : (c.tol ?? F32_TOL);
      expectReference(await runKernel(gpu(), kernel, b), b, tol);
    });
  });

  // Where the fused pass applies: one query row, headDim a multiple of 4 and at most 16 vec4 per
  // lane, subgroups of one size (then the workgroup is that size); elsewhere the direct passes.
  it('decode takes the fused pass only where it applies', (context) => {
    const { subgroupMinSize: min, subgroupMaxSize: max } = gpu().device.adapterInfo ?? {};
    if (!gpu().features.has('subgroups') || !min || min !== max) {
      context.skip('skipped: adapter lacks subgroups of one size');
      return;
    }
    const problem = { heads: 2, seqQ: 1, seqK: 100, headDim: 64, causal: false, scale: 0.125 };
    expect(fusedWidth(gpu(), problem, true)).toBe(min);
    expect(fusedWidth(gpu(), problem, false)).toBeUndefined();
    expect(fusedWidth(gpu(), { ...problem, seqQ: 2 }, true)).toBeUndefined();
    expect(fusedWidth(gpu(), { ...problem, headDim: 13 }, true)).toBeUndefined();
    expect(fusedWidth(gpu(), { ...problem, headDim: 16 * min }, true)).toBe(min);
    expect(fusedWidth(gpu(), { ...problem, headDim: 16 * min + 4 }, true)).toBeUndefined();
  });

  describe('configurations that cannot work are refused, naming the field', () => {
    it.for([
      {
        kernel: createDecode({ name: 'decode', lanes: 3 }),
        message: /decode.lanes: expected 1, 2 or 4, got 3/,
      },
      {
        kernel: createDecode({ name: 'decode', rangeKeys: 6 }),
        message: /decode.rangeKeys: expected a positive multiple of 4, got 6/,
      },
      {
        kernel: createDecode({ name: 'decode', tiled: true, tileKeys: 10 }),
        message: /decode.tileKeys: expected a positive multiple of 4, got 10/,
      },
      {
        kernel: createDecode({ name: 'decode', tiled: true, tileKeys: 4096 }),
        message: /decode.tileKeys \(4096 keys × headDim 64\): tiles need 1048832 bytes of workgroup memory/,
      },
      {
        kernel: createFusedSoftmax({ name: 'fused-softmax-subgroups', subgroups: true, workgroupSize: 0 }),
        message: /fused-softmax-subgroups.workgroupSize: expected a positive integer, got 0/,
      },
      {
        kernel: createFusedSoftmax({ name: 'fused-softmax', tileK: 6 }),
        message: /fused-softmax.tileK: expected a multiple of 4 in 4..64, got 6/,
      },
    ])('$message', async ({ kernel, message }, context) => {
      const missing = missingFeatures(gpu(), kernel);
      if (missing.length) {
        context.skip(`skipped: adapter lacks ${missing.join(', ')}`);
        return;
      }
      await expect(runKernel(gpu(), kernel, build(DECODE[0]))).rejects.toThrow(message);
    });
  });
});
