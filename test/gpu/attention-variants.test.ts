// The attention variants of the registry — f16 K/V storage (*-f16) and subgroup reductions
// (*-subgroups) — against the f64 reference and against the kernel they vary, with tolerances for
// f16 rounding. A variant whose adapter feature is missing shows as skipped, with the reason; the
// plain paths still run on a device opened without `subgroups`, from their modules stripped of the
// subgroup passes (WITHOUT_SUBGROUPS).

import { afterAll, describe, expect, it } from 'vitest';
import { attention } from '../../src/api.ts';
import { KernelCompileError, UnsupportedProblemError } from '../../src/gpu/errors.ts';
import type { Gpu } from '../../src/gpu/gpu.ts';
import { openGpu } from '../../src/gpu/open.ts';
import { createDecode, fusedWidth } from '../../src/kernels/decode.ts';
import { createFusedSoftmax } from '../../src/kernels/materialized.ts';
import {
  ATTENTION_KINDS,
  attentionKernels,
  findEntry,
  kernelNames,
  missingFeatures,
  selectAttentionKernel,
} from '../../src/kernels/registry.ts';
import { WITHOUT_SUBGROUPS } from '../../src/kernels/subgroups.ts';
import { blockMask, type MaskShape } from '../../src/masks/index.ts';
import { attentionReference } from '../../src/reference/attention.ts';
import { compareToReference, type Tolerance } from '../../src/reference/compare.ts';
import {
  type AttentionCase,
  build,
  CONTROL,
  expectReference,
  F32_TOL,
  LARGE_LOGITS,
  runKernel,
} from './attention-cases.ts';
import { randomArray, useGpu } from './gpu-harness.ts';

const VARIANTS = kernelNames({ kinds: ATTENTION_KINDS, variants: true }).filter(
  (n) => findEntry(n)?.variantOf,
);
/** The kernel a variant varies ('flash-f16' → 'flash'), from its registry line. */
const baseOf = (name: string) => findEntry(name)?.variantOf as string;

/** K and V rounded to f16 (relative error 2⁻¹¹) move outputs by up to ~1e-3 at unit-scale inputs. */
const F16_TOL: Tolerance = { atol: 2e-3, rtol: 2e-3 };

interface Case extends AttentionCase {
  name: string;
  /** Tolerance for f16 storage where the default does not fit (large logits magnify K's rounding). */
  f16Tol?: Tolerance;
}

function randomLayout(blockSize: number, seed: number, density: number) {
  return ({ seqQ, seqK }: Omit<MaskShape, 'blockSize'>) => {
    const rows = Math.ceil(seqQ / blockSize);
    const cols = Math.ceil(seqK / blockSize);
    const draw = randomArray(rows * cols, seed, 0, 1);
    return blockMask.fromDense(
      Array.from(draw, (x) => (x < density ? 1 : 0)),
      { blockSize, seqQ, seqK },
    );
  };
}

const CASES: Case[] = [
  { name: 'control (2 heads, 64 × 64, headDim 32)', ...CONTROL },
  { name: 'seqQ 31, seqK 33, headDim 13 (rows padded to vec4)', ...CONTROL, seqQ: 31, seqK: 33, headDim: 13 },
  { name: 'causal, seqQ > seqK', ...CONTROL, seqQ: 50, seqK: 20, causal: true },
  { name: 'mask: random layout (block 16)', ...CONTROL, seqQ: 70, seqK: 90, mask: randomLayout(16, 11, 0.5) },
  {
    ...LARGE_LOGITS,
    // K rounded to f16 moves logits of ±50 by a few hundredths: outputs by up to ~7e-3 here.
    f16Tol: { atol: 2e-2, rtol: 2e-2 },
  },
  { name: 'decode-shaped: 1 row over 4099 keys', ...CONTROL, seqQ: 1, seqK: 4099, headDim: 64 },
  { name: 'GQA: 8 heads over 2 KV heads', ...CONTROL, heads: 8, kvHeads: 2, seqQ: 33, seqK: 45, headDim: 16 },
  {
    name: 'decode-shaped GQA: 4 heads over 1 KV head, 2 rows, 60% of 16-key blocks',
    ...CONTROL,
    heads: 4,
    kvHeads: 1,
    seqQ: 2,
    seqK: 300,
    headDim: 32,
    mask: randomLayout(16, 4, 0.6),
  },
  {
    name: 'decode-shaped: 5 rows, 60% of 64-key blocks, causal',
    ...CONTROL,
    seqQ: 5,
    seqK: 2000,
    headDim: 64,
    causal: true,
    mask: randomLayout(64, 9, 0.6),
  },
];

describe('attention variants', () => {
  const gpu = useGpu();

  describe.each(VARIANTS)('%s against the f64 reference and its base kernel', (name) => {
    const kernel = attentionKernels[name];
    const f16 = name.endsWith('-f16');
    it.for(CASES)('$name', async (c, context) => {
      const missing = missingFeatures(gpu(), kernel);
      if (missing.length) {
        context.skip(`skipped: adapter lacks ${missing.join(', ')}`);
        return;
      }
      const { problem, input } = build(c);
      if (kernel.decline?.(problem, gpu())) {
        await expect(attention(gpu(), input, { kernel: name })).rejects.toBeInstanceOf(
          UnsupportedProblemError,
        );
        return;
      }
      const o = await attention(gpu(), input, { kernel: name });
      expect(o.every(Number.isFinite), 'finite output').toBe(true);
      const tol = f16 ? (c.f16Tol ?? F16_TOL) : F32_TOL;
      const reference = compareToReference(o, attentionReference(input.q, input.k, input.v, problem), tol);
      expect(reference.failure, reference.failure).toBeUndefined();
      const base = await attention(gpu(), input, { kernel: baseOf(name) });
      const agreement = compareToReference(o, base, tol);
      expect(agreement.failure, `${name} vs ${baseOf(name)}: ${agreement.failure}`).toBeUndefined();
    });
  });
});

describe('a device without subgroups keeps the plain paths', () => {
  let device: Gpu | undefined;
  const open = async () => {
    device ??= await openGpu({ disableFeatures: ['subgroups' as GPUFeatureName] });
    return device;
  };
  afterAll(() => {
    device?.close();
    device = undefined;
  });

  // The families whose modules hold subgroup passes: as written (`enable subgroups;`) this device
  // rejects them, so their plain passes compile the module through WITHOUT_SUBGROUPS.
  it.each([
    ['decode-attention.wgsl', 'reduce'],
    ['materialized-attention.wgsl', 'pv'],
  ])(
    '%s as written is rejected here (the control: what WITHOUT_SUBGROUPS is for)',
    async (file, entryPoint) => {
      const gpu = await open();
      expect(gpu.features.has('subgroups')).toBe(false);
      const shader = new URL(`../../shaders/${file}`, import.meta.url);
      await expect(gpu.pipeline({ kernel: 'control', shader, entryPoint })).rejects.toThrow(
        KernelCompileError,
      );
      await expect(
        gpu.pipeline({ kernel: 'control', shader, entryPoint, edit: WITHOUT_SUBGROUPS }),
      ).resolves.toBeDefined();
    },
  );

  const DECODE_CASES = [
    { name: 'one row, 4 heads, seqK 300', heads: 4, seqQ: 1, seqK: 300, headDim: 32 },
    {
      name: 'GQA (2 KV heads), 3 rows, causal',
      heads: 4,
      kvHeads: 2,
      seqQ: 3,
      seqK: 77,
      headDim: 16,
      causal: true,
    },
    {
      name: 'one row, sparse (random layout, block 16)',
      heads: 2,
      seqQ: 1,
      seqK: 200,
      headDim: 32,
      mask: randomLayout(16, 5, 0.5),
    },
  ];
  describe.each(DECODE_CASES)('decode, $name', (c) => {
    it.each([
      ['software default (direct scores)', createDecode({ name: 'decode' }), F32_TOL],
      ['hardware default (tiled scores)', createDecode({ name: 'decode', adapterKind: 'hardware' }), F32_TOL],
      ['decode-f16, software default', createDecode({ name: 'decode-f16', kvF16: true }), F16_TOL],
    ])('%s matches the reference', async (_, kernel, tol) => {
      const gpu = await open();
      const b = build(c);
      expect(fusedWidth(gpu, b.problem, true), 'no fused pass without subgroups').toBeUndefined();
      expectReference(await runKernel(gpu, kernel, b), b, tol);
    });
  });

  describe.each(CASES.slice(0, 4))('fused-softmax, $name', (c) => {
    it.each([
      ['software default', createFusedSoftmax({ name: 'fused-softmax' })],
      [
        'hardware default (specialised)',
        createFusedSoftmax({ name: 'fused-softmax', adapterKind: 'hardware' }),
      ],
    ])('%s matches the reference', async (_, kernel) => {
      const gpu = await open();
      const b = build(c);
      expectReference(await runKernel(gpu, kernel, b), b, F32_TOL);
    });
  });

  it('fused-softmax-subgroups is refused with UnsupportedProblemError naming the feature', async () => {
    const gpu = await open();
    const { problem, input } = build(CASES[0]);
    expect(() => selectAttentionKernel(gpu, problem, 'fused-softmax-subgroups')).toThrow(
      UnsupportedProblemError,
    );
    await expect(attention(gpu, input, { kernel: 'fused-softmax-subgroups' })).rejects.toThrow(
      /lacks subgroups/,
    );
  });

  it('fused-softmax and auto still run', async () => {
    const gpu = await open();
    const { problem, input } = build(CASES[3]);
    const reference = attentionReference(input.q, input.k, input.v, problem);
    for (const kernel of ['fused-softmax', 'auto']) {
      const o = await attention(gpu, input, { kernel });
      const result = compareToReference(o, reference, F32_TOL);
      expect(result.failure, `${kernel}: ${result.failure}`).toBeUndefined();
    }
  });
});
