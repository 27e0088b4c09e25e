// flash's key splits: a grid too small to fill a large GPU is split along the keys.

import { describe, expect, it } from 'vitest';
import { FLASH_MIN_WORKGROUPS, planSplits } from '../../src/kernels/flash.ts';

const problem = (heads: number, seqQ: number, seqK: number) => ({
  heads,
  seqQ,
  seqK,
  headDim: 64,
  causal: false,
  scale: 0.125,
});

describe('planSplits', () => {
  it('h = 8, s = 512, blocks of 64 rows: 64 workgroups become at least FLASH_MIN_WORKGROUPS', () => {
    const { splits, splitKeys } = planSplits(problem(8, 512, 512), 64, 32, 'auto');
    expect(Math.ceil(512 / 64) * 8 * splits).toBeGreaterThanOrEqual(FLASH_MIN_WORKGROUPS);
    expect(splitKeys % 32).toBe(0);
    expect(splits * splitKeys).toBeGreaterThanOrEqual(512);
  });

  it('a grid that already fills the GPU is not split', () => {
    expect(planSplits(problem(32, 2048, 2048), 64, 32, 'auto').splits).toBe(1);
  });

  it('at most seqK / (2 · tileK) splits, none of them empty', () => {
    expect(planSplits(problem(1, 16, 100), 64, 32, 'auto').splits).toBe(1);
    const { splits, splitKeys } = planSplits(problem(1, 16, 200), 64, 32, 'auto');
    expect(splits).toBe(3);
    expect((splits - 1) * splitKeys).toBeLessThan(200);
  });

  it.each([0, 1.5])('splits = %s is refused, naming the field', (splits) => {
    expect(() => planSplits(problem(1, 16, 100), 64, 32, splits)).toThrow(
      /flash.splits: expected a positive integer/,
    );
  });
});
