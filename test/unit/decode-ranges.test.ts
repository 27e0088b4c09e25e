// How decode splits the visited key positions into ranges (planDecode): one workgroup each on the
// fused pass, so ranges of unequal length leave a thread idle at the end of a call.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Gpu } from '../../src/gpu/gpu.ts';
import {
  DECODE_FUSED,
  DECODE_HARDWARE,
  DECODE_SOFTWARE,
  planDecode,
} from '../../src/kernels/decode-split.ts';
import type { AttentionProblem } from '../../src/kernels/types.ts';

const gpu = {
  limits: { maxComputeWorkgroupsPerDimension: 65535, maxComputeWorkgroupStorageSize: 16384 },
} as Gpu;
const problem = (heads: number, seqK: number): AttentionProblem => ({
  heads,
  seqQ: 1,
  seqK,
  headDim: 64,
  causal: false,
  scale: 0.125,
});
const SIZES = { scores: 16, values: 64 };

describe('decode ranges', () => {
  it('splits 60% of 8192 keys (4928 positions) into 10 ranges of 496, not 9 of 512 and one of 320', () => {
    const plan = planDecode(gpu, problem(2, 8192), 4928, SIZES, DECODE_SOFTWARE, undefined, undefined, true);
    expect(plan.ranges).toBe(10);
    expect(plan.rangeKeys).toBe(496);
  });

  it('keeps the fewest ranges the limits allow, all within 4 positions of each other', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200_000 }),
        fc.integer({ min: 1, max: 16 }),
        fc.constantFrom('software', 'hardware', 'fused'),
        (positions, heads, kind) => {
          const limits = kind === 'hardware' ? DECODE_HARDWARE : DECODE_SOFTWARE;
          const fused = kind === 'fused';
          const plan = planDecode(
            gpu,
            problem(heads, positions),
            positions,
            SIZES,
            limits,
            undefined,
            undefined,
            fused,
          );
          // One range per row (the fused pass, heads enough for the workgroups wanted), or at least as
          // many as the longest length the limits allow gives.
          const longest = fused ? DECODE_FUSED.maxRange : limits.maxRange;
          if (plan.ranges > 1) expect(plan.ranges).toBeGreaterThanOrEqual(Math.ceil(positions / longest));
          expect(plan.rangeKeys % 4).toBe(0);
          // Every position in a range, and the last range short of the others by under 4 per range.
          expect(plan.ranges * plan.rangeKeys).toBeGreaterThanOrEqual(positions);
          expect((plan.ranges - 1) * plan.rangeKeys).toBeLessThan(positions);
          expect(plan.ranges * plan.rangeKeys - positions).toBeLessThan(4 * plan.ranges);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('takes a given rangeKeys as it is', () => {
    const plan = planDecode(gpu, problem(2, 8192), 4928, SIZES, DECODE_SOFTWARE, 512, undefined, true);
    expect(plan.ranges).toBe(10);
    expect(plan.rangeKeys).toBe(512);
  });
});
