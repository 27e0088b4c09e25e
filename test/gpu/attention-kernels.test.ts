// Every attention kernel of the registry (variants aside: attention-variants.test.ts) against the
// f64 reference on named cases — one axis varied at a time from a control case — and against each
// other; decode's decline; limits named before anything is created; what `auto` picks. Each path a
// kernel can take (hardware and software defaults, tunables) runs a compact case list in
// attention-paths.test.ts.

import { describe, expect, it } from 'vitest';
import { attention } from '../../src/api.ts';
import { UnsupportedProblemError } from '../../src/gpu/errors.ts';
import { ATTENTION_KINDS, attentionKernels, autoAttention, kernelNames } from '../../src/kernels/registry.ts';
import { blockMask, type MaskShape } from '../../src/masks/index.ts';
import { compareToReference, type Tolerance } from '../../src/reference/compare.ts';
import {
  type AttentionCase,
  type Built,
  build,
  CONTROL,
  coin,
  expectReference,
  F32_TOL,
  fromKeep,
  LARGE_LOGITS,
} from './attention-cases.ts';
import { useGpu } from './gpu-harness.ts';

/** Variants (registry variantOf: f16 storage, subgroups) have their own file and tolerances. */
const KERNELS = kernelNames({ kinds: ATTENTION_KINDS });

interface Case extends AttentionCase {
  name: string;
  tol?: Tolerance;
}

const CASES: Case[] = [
  { name: 'control (2 heads, 64 × 64, headDim 32)', ...CONTROL },
  { name: 'length 1', ...CONTROL, heads: 1, seqQ: 1, seqK: 1 },
  { name: 'seqQ 15, seqK 17 (tile ± 1)', ...CONTROL, seqQ: 15, seqK: 17 },
  { name: 'seqQ 31, seqK 33', ...CONTROL, seqQ: 31, seqK: 33 },
  { name: 'prime 97', ...CONTROL, seqQ: 97, seqK: 97 },
  { name: 'seqK 200', ...CONTROL, seqQ: 17, seqK: 200 },
  { name: 'seqK 257', ...CONTROL, seqQ: 33, seqK: 257 },
  { name: 'headDim 1', ...CONTROL, headDim: 1 },
  { name: 'headDim 13', ...CONTROL, headDim: 13 },
  { name: 'headDim 80', ...CONTROL, seqQ: 33, headDim: 80 },
  { name: 'headDim 256 (the largest)', ...CONTROL, heads: 1, seqQ: 17, seqK: 40, headDim: 256 },
  { name: 'five heads', ...CONTROL, heads: 5, seqQ: 40, seqK: 40 },
  // Grouped-query attention: query head h reads KV head floor(h / (heads / kvHeads)).
  { name: 'GQA: 8 heads over 2 KV heads', ...CONTROL, heads: 8, kvHeads: 2, seqQ: 33, seqK: 45, headDim: 16 },
  {
    name: 'GQA: 4 heads over 1 KV head, causal, mask (block 16)',
    ...CONTROL,
    heads: 4,
    kvHeads: 1,
    seqQ: 40,
    seqK: 70,
    headDim: 20,
    causal: true,
    mask: fromKeep(16, coin(7, 0.6)),
  },
  { name: 'causal, square', ...CONTROL, seqQ: 97, seqK: 97, causal: true },
  { name: 'causal, seqQ < seqK', ...CONTROL, seqQ: 20, seqK: 97, causal: true },
  { name: 'causal, seqQ > seqK (early rows see nothing)', ...CONTROL, seqQ: 50, seqK: 20, causal: true },
  {
    ...LARGE_LOGITS,
    tol: { atol: 1e-4, rtol: 1e-3 },
  },
  {
    name: 'mask: random layout (block 16, seed 11)',
    ...CONTROL,
    seqQ: 70,
    seqK: 90,
    mask: fromKeep(16, coin(11, 0.5)),
  },
  {
    name: 'mask: diagonal (block 32)',
    ...CONTROL,
    seqQ: 97,
    seqK: 97,
    mask: fromKeep(32, (r, c) => r === c),
  },
  {
    name: 'mask: a query block with no key (block 64) gives zeros',
    ...CONTROL,
    seqQ: 130,
    seqK: 200,
    headDim: 16,
    mask: fromKeep(64, (r) => r !== 1),
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
    name: 'mask: causal builder (block 16)',
    ...CONTROL,
    seqQ: 70,
    seqK: 90,
    causal: true,
    mask: (s) => blockMask.causal({ ...s, blockSize: 16 }),
  },
  {
    name: 'mask: sliding window 3 (block 16)',
    ...CONTROL,
    seqQ: 90,
    seqK: 90,
    mask: (s) => blockMask.slidingWindow({ ...s, blockSize: 16 }, { window: 3 }),
  },
  {
    name: 'mask: strided 3, causal (block 16)',
    ...CONTROL,
    seqQ: 90,
    seqK: 90,
    causal: true,
    mask: (s) => blockMask.strided({ ...s, blockSize: 16 }, { stride: 3, causal: true }),
  },
  {
    name: 'mask: BigBird (block 32, seed 3)',
    ...CONTROL,
    seqQ: 100,
    seqK: 130,
    mask: (s) => blockMask.bigBird({ ...s, blockSize: 32 }, { seed: 3 }),
  },
  { name: 'decode-shaped: 1 row over 4099 keys', ...CONTROL, seqQ: 1, seqK: 4099, headDim: 64 },
  {
    name: 'decode-shaped: 16 rows over 4099 keys, causal',
    ...CONTROL,
    seqQ: 16,
    seqK: 4099,
    headDim: 64,
    causal: true,
  },
  { name: 'decode-shaped: 7 rows over 1000 keys, headDim 13', ...CONTROL, seqQ: 7, seqK: 1000, headDim: 13 },
  // hv = 6 vec4 columns: with 4 per invocation the last ones are clamped (computed, not written).
  {
    name: 'decode-shaped: 1 row over 777 keys, headDim 24, 70% of 8-key blocks',
    ...CONTROL,
    seqQ: 1,
    seqK: 777,
    headDim: 24,
    mask: fromKeep(8, coin(4, 0.7)),
  },
  { name: 'decode-shaped: 1 row over 500 keys, headDim 13', ...CONTROL, seqQ: 1, seqK: 500, headDim: 13 },
  {
    name: 'decode-shaped: GQA, 8 heads over 2 KV heads, 1 row over 300 keys',
    ...CONTROL,
    heads: 8,
    kvHeads: 2,
    seqQ: 1,
    seqK: 300,
    headDim: 32,
  },
  {
    name: 'decode-shaped: GQA, 4 heads over 1 KV head, 5 rows, 50% of 16-key blocks, causal',
    ...CONTROL,
    heads: 4,
    kvHeads: 1,
    seqQ: 5,
    seqK: 300,
    headDim: 32,
    causal: true,
    mask: fromKeep(16, coin(8, 0.5)),
  },
  {
    name: 'decode-shaped: 1 row, 60% of 64-key blocks',
    ...CONTROL,
    seqQ: 1,
    seqK: 4099,
    headDim: 64,
    mask: fromKeep(64, coin(9, 0.6)),
  },
  {
    name: 'decode-shaped: 12 rows across mask rows (block 5), causal',
    ...CONTROL,
    seqQ: 12,
    seqK: 303,
    headDim: 16,
    causal: true,
    mask: fromKeep(5, coin(3, 0.5)),
  },
];

/** Rows whose every key is masked must be exactly zero. */
function expectEmptyRowsZero(o: Float32Array, b: Built): void {
  const { heads, seqQ, seqK, headDim } = b.problem;
  const ref = { ...b.problem };
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < seqQ; i++) {
      let any = false;
      for (let j = 0; j < seqK && !any; j++) {
        any = (!ref.causal || j <= i + seqK - seqQ) && (!ref.mask || ref.mask.allows(i, j));
      }
      if (any) continue;
      const row = o.subarray((h * seqQ + i) * headDim, (h * seqQ + i + 1) * headDim);
      expect(
        Array.from(row).every((x) => x === 0),
        `row ${i} of head ${h} is zeros`,
      ).toBe(true);
    }
  }
}

// One device for the whole file: pipelines are cached per device, and compiling them is most of
// this file's time on SwiftShader.
describe('attention kernels', () => {
  const gpu = useGpu();

  describe.each(KERNELS)('%s against the f64 reference', (name) => {
    it.for(CASES)('$name', async (c) => {
      const b = build(c);
      // A kernel that declines the problem (decode given a long query) must refuse it, not run it.
      if (attentionKernels[name].decline?.(b.problem, gpu())) {
        await expect(attention(gpu(), b.input, { kernel: name })).rejects.toBeInstanceOf(
          UnsupportedProblemError,
        );
        return;
      }
      const o = await attention(gpu(), b.input, { kernel: name });
      expectReference(o, b, c.tol ?? F32_TOL);
      expectEmptyRowsZero(o, b);
    });
  });

  describe('a mask chosen on the GPU from the data (blockMask.topK)', () => {
    it.for(KERNELS)('%s', async (name) => {
      const b = build({ ...CONTROL, seqQ: 90, seqK: 100, causal: true });
      const { heads, seqQ, seqK, headDim } = b.problem;
      const mask = await blockMask.topK(gpu(), {
        q: b.q,
        k: b.k,
        heads,
        seqQ,
        seqK,
        headDim,
        blockSize: 16,
        keep: 2,
        causal: true,
      });
      const masked = { ...b, problem: { ...b.problem, mask } };
      const input = { ...masked.problem, q: b.q, k: b.k, v: b.v };
      if (attentionKernels[name].decline?.(masked.problem, gpu())) {
        await expect(attention(gpu(), input, { kernel: name })).rejects.toBeInstanceOf(
          UnsupportedProblemError,
        );
        return;
      }
      const o = await attention(gpu(), input, { kernel: name });
      expectReference(o, masked, F32_TOL);
    });
  });

  describe('kernels agree with each other', () => {
    it.for([
      {
        name: 'prefill: causal, BigBird mask, ragged sizes',
        c: {
          ...CONTROL,
          heads: 3,
          seqQ: 77,
          seqK: 91,
          headDim: 24,
          causal: true,
          mask: (s: Omit<MaskShape, 'blockSize'>) =>
            blockMask.bigBird({ ...s, blockSize: 16 }, { seed: 5, causal: true }),
        },
      },
      {
        name: 'decode: 3 rows over 2000 keys, sliding window',
        c: {
          ...CONTROL,
          seqQ: 3,
          seqK: 2000,
          headDim: 64,
          mask: (s: Omit<MaskShape, 'blockSize'>) =>
            blockMask.slidingWindow({ ...s, blockSize: 64 }, { window: 9, causal: true }),
        },
      },
    ])('$name', async ({ c }) => {
      const b = build(c);
      const outputs: [string, Float32Array][] = [];
      for (const name of KERNELS) {
        if (attentionKernels[name].decline?.(b.problem, gpu())) continue;
        outputs.push([name, await attention(gpu(), b.input, { kernel: name })]);
      }
      expect(outputs.length).toBeGreaterThan(2);
      const [firstName, first] = outputs[0];
      for (const [name, o] of outputs.slice(1)) {
        const result = compareToReference(o, first, { atol: 1e-5, rtol: 1e-4 });
        expect(result.failure, `${name} vs ${firstName}: ${result.failure}`).toBeUndefined();
      }
    });
  });

  describe('what a kernel accepts', () => {
    it('decode declines seqQ = 17 through attention() with UnsupportedProblemError', async () => {
      const b = build({ ...CONTROL, seqQ: 17, seqK: 100 });
      const call = attention(gpu(), b.input, { kernel: 'decode' });
      await expect(call).rejects.toBeInstanceOf(UnsupportedProblemError);
      await expect(call).rejects.toThrow(/1–16 query rows/);
    });

    const checkerboard = fromKeep(16, (r, c) => (r + c) % 2 === 0);
    const full = fromKeep(16, () => true);
    it.for([
      { name: 'decode for a short query', seqQ: 16, mask: undefined, expected: 'decode' },
      {
        name: 'decode for a short query with a sparse mask',
        seqQ: 16,
        mask: checkerboard,
        expected: 'decode',
      },
      { name: 'block-sparse for a sparse mask', seqQ: 64, mask: checkerboard, expected: 'block-sparse' },
      { name: 'flash for a mask that keeps every block', seqQ: 64, mask: full, expected: 'flash' },
      { name: 'flash without a mask', seqQ: 64, mask: undefined, expected: 'flash' },
    ])('auto: $name', ({ seqQ, mask, expected }) => {
      const seqK = 128;
      const problem = {
        heads: 2,
        seqQ,
        seqK,
        headDim: 32,
        causal: false,
        scale: 0.2,
        mask: mask?.({ seqQ, seqK }),
      };
      expect(autoAttention(gpu(), problem).name).toBe(expected);
    });

    // Problems past the device's limits fail in prepare() with the limit named, before any buffer or
    // pipeline exists (the IO buffers here are placeholders: nothing may touch them).
    it.for([
      { name: 'flash', heads: 1, seqQ: 65_536 * 64 + 1, seqK: 8, limit: /maxComputeWorkgroupsPerDimension/ },
      {
        name: 'block-sparse',
        heads: 1,
        seqQ: 65_536 * 64 + 1,
        seqK: 8,
        limit: /maxComputeWorkgroupsPerDimension/,
      },
      { name: 'decode', heads: 4096, seqQ: 16, seqK: 1 << 20, limit: /maxStorageBufferBindingSize/ },
    ])('$name names the limit a problem exceeds', async ({ name, heads, seqQ, seqK, limit }) => {
      const placeholder = gpu().buffer('test.placeholder', 16);
      const io = { q: placeholder, k: placeholder, v: placeholder, o: placeholder };
      const problem = { heads, seqQ, seqK, headDim: 64, causal: false, scale: 0.125 };
      await expect(attentionKernels[name].prepare(gpu(), problem, io)).rejects.toThrow(limit);
      placeholder.destroy();
    });
  });
});
