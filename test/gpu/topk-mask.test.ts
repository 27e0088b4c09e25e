// blockMask.topK on a real adapter: the GPU's pooled scores match the f64 CPU twin, its selection is
// exactly the CPU selection rule applied to those scores, diagonal and sink are always kept, and the
// mask works in attention().

import { describe, expect, it } from 'vitest';
import { attention } from '../../src/api.ts';
import {
  blockMask,
  diagonalBlock,
  pooledBlockScores,
  selectTopKLayout,
  topKOnGpu,
} from '../../src/masks/index.ts';
import { attentionReference } from '../../src/reference/attention.ts';
import { compareToReference } from '../../src/reference/compare.ts';
import { topKApproximationError } from '../../src/reference/topk-error.ts';
import { randomArray, useGpu } from './gpu-harness.ts';

describe('blockMask.topK on the GPU', () => {
  const gpu = useGpu();

  it.each([
    { name: 'control', heads: 2, seqQ: 64, seqK: 64, headDim: 16, blockSize: 8, keep: 2, causal: false },
    { name: 'ragged blocks', heads: 3, seqQ: 61, seqK: 75, headDim: 8, blockSize: 8, keep: 3, causal: false },
    { name: 'causal', heads: 2, seqQ: 64, seqK: 64, headDim: 16, blockSize: 8, keep: 2, causal: true },
    {
      name: 'causal seqQ < seqK',
      heads: 1,
      seqQ: 20,
      seqK: 97,
      headDim: 8,
      blockSize: 8,
      keep: 4,
      causal: true,
    },
    {
      name: 'causal seqQ > seqK',
      heads: 1,
      seqQ: 50,
      seqK: 24,
      headDim: 8,
      blockSize: 8,
      keep: 1,
      causal: true,
    },
    { name: 'keep 0', heads: 1, seqQ: 32, seqK: 48, headDim: 4, blockSize: 4, keep: 0, causal: false },
    {
      name: 'many key blocks',
      heads: 1,
      seqQ: 8,
      seqK: 700,
      headDim: 4,
      blockSize: 2,
      keep: 37,
      causal: false,
    },
    { name: 'headDim 1', heads: 2, seqQ: 16, seqK: 16, headDim: 1, blockSize: 4, keep: 1, causal: false },
  ])('$name', async ({ name: _name, ...problem }) => {
    const q = randomArray(problem.heads * problem.seqQ * problem.headDim, 21);
    const k = randomArray(problem.heads * problem.seqK * problem.headDim, 22);
    const { mask, scores } = await topKOnGpu(gpu(), { ...problem, q, k });

    const cpuScores = pooledBlockScores(q, k, problem);
    const scoreCheck = compareToReference(scores, cpuScores, { atol: 1e-6, rtol: 1e-5 });
    expect(scoreCheck.failure, scoreCheck.failure).toBeUndefined();
    // Exactly the selection rule on the scores the GPU ranked (ties included) …
    expect(Array.from(mask.layout)).toEqual(Array.from(selectTopKLayout(scores, problem)));
    // … and, these scores being well separated, the same as on the f64 scores.
    expect(Array.from(mask.layout)).toEqual(Array.from(selectTopKLayout(cpuScores, problem)));

    for (let r = 0; r < mask.rows; r++) {
      const diagonal = diagonalBlock(mask, r);
      if (problem.causal && diagonal < 0) {
        expect(mask.layout.slice(r * mask.cols, (r + 1) * mask.cols).every((x) => x === 0)).toBe(true);
        continue;
      }
      expect(
        mask.allows(r * mask.blockSize, Math.max(0, diagonal) * mask.blockSize),
        `row ${r} diagonal`,
      ).toBe(true);
      expect(mask.layout[r * mask.cols], `row ${r} sink`).toBe(1);
    }
    expect(mask.pattern).toBe(`topk(k=${problem.keep}${problem.causal ? ',causal' : ''})`);
  });

  it('ties go to the lower column, as on the CPU', async () => {
    // Every key block pools to the same vector: all candidates tie.
    const heads = 1;
    const seqQ = 16;
    const seqK = 64;
    const headDim = 4;
    const q = randomArray(seqQ * headDim, 5);
    const k = new Float32Array(seqK * headDim).fill(0.5);
    const problem = { heads, seqQ, seqK, headDim, blockSize: 4, keep: 3 };
    const { mask } = await topKOnGpu(gpu(), { ...problem, q, k });
    expect(Array.from(mask.layout)).toEqual(
      Array.from(selectTopKLayout(new Float32Array(64).fill(1), problem)),
    );
    expect(mask.colIndex.slice(mask.rowPtr[0], mask.rowPtr[1])).toEqual(Uint32Array.from([0, 1, 2, 3, 12]));
  });

  it('keep ≥ key blocks gives a dense mask', async () => {
    const problem = { heads: 2, seqQ: 40, seqK: 40, headDim: 8, blockSize: 8, keep: 5 };
    const q = randomArray(2 * 40 * 8, 1);
    const mask = await blockMask.topK(gpu(), { ...problem, q, k: q });
    expect(mask.density).toBe(1);
  });

  it('works in attention() with unfused, and reports its error against full attention', async () => {
    const heads = 2;
    const seqQ = 48;
    const seqK = 48;
    const headDim = 16;
    const q = randomArray(heads * seqQ * headDim, 31);
    const k = randomArray(heads * seqK * headDim, 32);
    const v = randomArray(heads * seqK * headDim, 33);
    const mask = await blockMask.topK(gpu(), { q, k, heads, seqQ, seqK, headDim, blockSize: 8, keep: 2 });
    expect(mask.density).toBeCloseTo((6 * 4 - 1) / 36, 12); // 4 per row, 3 where the diagonal is the sink
    const input = { q, k, v, heads, seqQ, seqK, headDim, mask };
    const o = await attention(gpu(), input, { kernel: 'unfused' });
    const scale = 1 / Math.sqrt(headDim);
    const reference = attentionReference(q, k, v, { heads, seqQ, seqK, headDim, causal: false, scale, mask });
    const check = compareToReference(o, reference, { atol: 2e-5, rtol: 2e-4 });
    expect(check.failure, check.failure).toBeUndefined();
    const error = topKApproximationError(input, mask);
    expect(error.relativeL2).toBeGreaterThan(0);
    expect(error.relativeL2).toBeLessThan(1);
  });
});
