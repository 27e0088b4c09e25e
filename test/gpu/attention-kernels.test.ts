// Every attention kernel of the registry (variants aside: attention-variants.test.ts) against the
// f64 reference on named cases — one axis varied at a time from a control case — and against each
// other; decode's decline; limits named before anything is created; what `auto` picks.

import { describe, expect, it } from 'vitest';
import { attention } from '../../src/api.ts';
import { UnsupportedProblemError } from '../../src/gpu/errors.ts';
import type { Gpu } from '../../src/gpu/gpu.ts';
import { createBlockSparse } from '../../src/kernels/block-sparse.ts';
import { createDecode } from '../../src/kernels/decode.ts';
import { createFlash } from '../../src/kernels/flash.ts';
import { ATTENTION_KINDS, attentionKernels, autoAttention, kernelNames } from '../../src/kernels/registry.ts';
import type { AttentionKernel } from '../../src/kernels/types.ts';
import { blockMask, type MaskShape } from '../../src/masks/index.ts';
import { attentionReference } from '../../src/reference/attention.ts';
import { compareToReference, type Tolerance } from '../../src/reference/compare.ts';
import { type AttentionCase, type Built, build, CONTROL, F32_TOL, LARGE_LOGITS } from './attention-cases.ts';
import { randomArray, useGpu } from './gpu-harness.ts';

/** Variants (registry variantOf: f16 storage, subgroups) have their own file and tolerances. */
const KERNELS = kernelNames({ kinds: ATTENTION_KINDS });

interface Case extends AttentionCase {
  name: string;
  tol?: Tolerance;
}

/** A 0/1 layout from keep(row, col). */
function layout(rows: number, cols: number, keep: (r: number, c: number) => boolean): Uint8Array {
  const out = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = keep(r, c) ? 1 : 0;
  return out;
}

function fromKeep(blockSize: number, keep: (r: number, c: number) => boolean) {
  return ({ seqQ, seqK }: Omit<MaskShape, 'blockSize'>) =>
    blockMask.fromDense(layout(Math.ceil(seqQ / blockSize), Math.ceil(seqK / blockSize), keep), {
      blockSize,
      seqQ,
      seqK,
    });
}

/** Deterministic coin flips for random layouts. */
function coin(seed: number, p: number): () => boolean {
  const next = randomArray(4096, seed, 0, 1);
  let n = 0;
  return () => next[n++ % next.length] < p;
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

/** Runs a kernel object once (kernels outside the registry cannot go through attention()). */
async function runKernel(gpu: Gpu, kernel: AttentionKernel, b: Built): Promise<Float32Array> {
  const { problem: p } = b;
  const bytes = 4 * p.heads * p.seqQ * p.headDim;
  const io = {
    q: gpu.upload('test.q', b.q),
    k: gpu.upload('test.k', b.k),
    v: gpu.upload('test.v', b.v),
    o: gpu.buffer('test.o', bytes),
  };
  const run = await kernel.prepare(gpu, p, io);
  const encoder = gpu.device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  run.encode(pass);
  pass.end();
  gpu.device.queue.submit([encoder.finish()]);
  const o = new Float32Array(await gpu.read(io.o, bytes));
  run.destroy();
  for (const buffer of Object.values(io)) buffer.destroy();
  return o;
}

function expectReference(o: Float32Array, b: Built, tol: Tolerance): void {
  expect(o.every(Number.isFinite), 'finite output').toBe(true);
  const result = compareToReference(o, attentionReference(b.q, b.k, b.v, b.problem), tol);
  expect(result.failure, result.failure).toBeUndefined();
}

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

  function caseNamed(prefix: string): Case {
    const found = CASES.find((c) => c.name.startsWith(prefix));
    if (!found) throw new Error(`no case named ${prefix}`);
    return found;
  }

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

  describe('paths the registry defaults do not take', () => {
    // Hardware adapters get K/V staged through workgroup memory and pipelines with the head
    // dimension and tile fixed (loops unrolled); SwiftShader defaults to direct loads and run-time
    // sizes, so the other paths are checked here, with odd tile sizes.
    const prefill = ['prime 97', 'causal, seqQ > seqK', 'headDim 80'].map(caseNamed);
    const masked = ['mask: random layout', 'mask: ragged block 5', 'mask: strided 3, causal'].map(caseNamed);
    const short = ['decode-shaped: 7 rows', 'decode-shaped: 12 rows'].map(caseNamed);
    const oneRow = [
      'decode-shaped: 1 row over 777',
      'decode-shaped: 1 row over 500',
      'decode-shaped: 1 row, 60%',
    ].map(caseNamed);
    it.for([
      {
        name: 'flash, staged, specialised pipeline',
        kernel: createFlash({ name: 'flash', staged: true, specialize: true }),
        cases: [...prefill.slice(0, 2), masked[0]],
      },
      {
        name: 'flash, staged, blockQ 16, tileK 7',
        kernel: createFlash({ name: 'flash', staged: true, blockQ: 16, tileK: 7 }),
        cases: [...prefill, ...masked],
      },
      {
        name: 'block-sparse, staged',
        kernel: createBlockSparse({ name: 'block-sparse', staged: true }),
        cases: masked,
      },
      {
        name: 'block-sparse, direct, tiles of 7 keys across blocks',
        kernel: createBlockSparse({ name: 'block-sparse', staged: false, tileK: 7 }),
        cases: masked,
      },
      {
        name: 'decode, workgroup 128, ranges of 12 keys',
        kernel: createDecode({ name: 'decode', workgroupSize: 128, rangeKeys: 12 }),
        cases: short,
      },
      // The values pass's columns per invocation: 1 is the hardware default, 4 the software one.
      ...[1, 2, 4].map((lanes) => ({
        name: `decode, one row, ${lanes} vec4 columns per values invocation`,
        kernel: createDecode({ name: 'decode', lanes }),
        cases: oneRow,
      })),
      // The scores pass's workgroups: 64 invocations as on hardware (16 on software adapters).
      {
        name: 'decode, scores workgroups of 64, values of 32',
        kernel: createDecode({ name: 'decode', scoresWorkgroupSize: 64, workgroupSize: 32 }),
        cases: [...oneRow, ...short],
      },
      // Workgroups smaller than a row's 16 vec4 columns: the reduce pass still covers them all.
      {
        name: 'decode, workgroups of 8 at headDim 64',
        kernel: createDecode({ name: 'decode', workgroupSize: 8 }),
        cases: [caseNamed('decode-shaped: 1 row over 4099'), caseNamed('decode-shaped: 16 rows')],
      },
    ])('$name', async ({ kernel, cases }) => {
      for (const c of cases) {
        const b = build(c);
        expectReference(await runKernel(gpu(), kernel, b), b, F32_TOL);
      }
    });

    it.each([
      { options: { lanes: 3 }, message: /decode.lanes: expected 1, 2 or 4, got 3/ },
      { options: { rangeKeys: 6 }, message: /decode.rangeKeys: expected a positive multiple of 4, got 6/ },
    ])('decode refuses $options, naming the field', async ({ options, message }) => {
      const kernel = createDecode({ name: 'decode', ...options });
      await expect(runKernel(gpu(), kernel, build(oneRow[0]))).rejects.toThrow(message);
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
