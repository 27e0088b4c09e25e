// The library API as README documents it: attentionReference takes attention()'s own input object,
// and onKernel tells the caller which kernel 'auto' (or a named kernel) ran; the output is unchanged.

import { describe, expect, it } from 'vitest';
import { attention, matmul } from '../../src/api.ts';
import { attentionKernels, matmulKernels } from '../../src/kernels/registry.ts';
import { blockMask } from '../../src/masks/index.ts';
import { attentionReference } from '../../src/reference/attention.ts';
import { randomArray, useGpu } from './gpu-harness.ts';

const ATOL = 1e-5;
const RTOL = 1e-4;

function maxExcess(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) - (ATOL + RTOL * Math.abs(expected[i])));
  }
  return worst;
}

describe.each([
  { name: 'control: dense', causal: false, masked: false },
  { name: 'causal', causal: true, masked: false },
  { name: 'block mask', causal: false, masked: true },
])('attention() and attentionReference(input): $name', ({ causal, masked }) => {
  const gpu = useGpu();

  it("the reference takes attention()'s input object; onKernel names the kernel auto ran", async () => {
    const [heads, seqQ, seqK, headDim] = [2, 13, 13, 8];
    const input = {
      q: randomArray(heads * seqQ * headDim, 11),
      k: randomArray(heads * seqK * headDim, 12),
      v: randomArray(heads * seqK * headDim, 13),
      heads,
      seqQ,
      seqK,
      headDim,
      causal,
      mask: masked ? blockMask.fromDense([1, 0, 1, 1], { blockSize: 8, seqQ, seqK }) : undefined,
    };
    const ran: string[] = [];
    const out = await attention(gpu(), input, { kernel: 'auto', onKernel: (name) => ran.push(name) });
    expect(ran.length).toBe(1);
    expect(Object.keys(attentionKernels)).toContain(ran[0]);
    const reference = attentionReference(input);
    expect(reference.length).toBe(out.length);
    expect(maxExcess(out, reference)).toBeLessThanOrEqual(0);
    // The object form is the positional form with attention()'s defaults (scale 1/√headDim).
    const positional = attentionReference(input.q, input.k, input.v, {
      heads,
      seqQ,
      seqK,
      headDim,
      causal,
      scale: 1 / Math.sqrt(headDim),
      mask: input.mask,
    });
    expect([...reference]).toEqual([...positional]);
  });
});

describe('onKernel with a named kernel, and for matmul', () => {
  const gpu = useGpu();

  it('reports the kernel named, and the one auto picks for matmul', async () => {
    const ran: string[] = [];
    const q = randomArray(8 * 4, 1);
    await attention(
      gpu(),
      { q, k: q, v: q, heads: 1, seqQ: 8, seqK: 8, headDim: 4 },
      { kernel: 'unfused', onKernel: (name) => ran.push(name) },
    );
    await matmul(gpu(), randomArray(12, 2), randomArray(12, 3), {
      m: 3,
      k: 4,
      n: 3,
      onKernel: (name) => ran.push(name),
    });
    expect(ran[0]).toBe('unfused');
    expect(Object.keys(matmulKernels)).toContain(ran[1]);
  });

  it('the reference refuses a bad input object as attention() does, naming the field', () => {
    const q = randomArray(8 * 4, 1);
    expect(() => attentionReference({ q, k: q, v: q, heads: 1, seqQ: 8, seqK: 8, headDim: 0 })).toThrow(
      /headDim/,
    );
  });
});
