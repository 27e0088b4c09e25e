// The gemv suite's cases: real widths streamed from memory on GPUs (≥ 64 MiB of weights, ≥ 256 MiB
// cycled), a scaled-down slice on software adapters that says so; bytes as the format moves them.

import { describe, expect, it } from 'vitest';
import { gemvLayout } from '../../src/kernels/gemv-common.ts';
import { gemvKernels } from '../../src/kernels/registry.ts';
import { GEMV_WORKING_SET_BYTES, gemvBenchCase } from '../../src/measure/gemv-bench.ts';
import { matrixBytes, WEIGHT_FORMATS } from '../../src/model/shapes.ts';
import { problemLabel } from '../../src/ui/results-model.ts';
import { makeResult } from './results-fixtures.ts';

describe('gemv suite cases', () => {
  it.each(WEIGHT_FORMATS)(
    '%s on a GPU: GLM-130B out (12288 × 12288), ≥ 64 MiB, copies cycled to ≥ 256 MiB',
    (format) => {
      const c = gemvBenchCase(false, format, 1);
      expect(c).toMatchObject({
        model: 'glm-130b',
        matrix: 'out',
        k: 12288,
        n: 12288,
        scaledForSoftware: false,
      });
      const bytes = matrixBytes(c.k, c.n, format, c.groupSize);
      const layout = gemvLayout(c);
      expect(layout.weightBytes + layout.scaleBytes).toBe(bytes);
      expect(bytes).toBeGreaterThanOrEqual(64 * 1024 ** 2);
      expect(c.copies * bytes).toBeGreaterThanOrEqual(GEMV_WORKING_SET_BYTES);
      expect((c.copies - 1) * bytes).toBeLessThan(GEMV_WORKING_SET_BYTES);
    },
  );

  it('on a software adapter: a quarter column slice of Llama-3-8B out, one copy, flagged', () => {
    const c = gemvBenchCase(true, 'int4', 3);
    expect(c).toMatchObject({
      model: 'llama-3-8b',
      k: 4096,
      n: 1024,
      rows: 3,
      copies: 1,
      scaledForSoftware: true,
      groupSize: 32,
    });
  });

  it('the bytes a result reports are matrixBytes + x + y', () => {
    const c = gemvBenchCase(false, 'int4', 16);
    const cost = gemvKernels['gemv-int4'].cost(c);
    expect(cost.bytes).toBe(matrixBytes(12288, 12288, 'int4', 32) + 4 * 16 * (12288 + 12288));
  });

  it('the page labels a gemv result by matrix, format, rows and share of the read probe', () => {
    const result = makeResult({
      op: 'gemv',
      kernel: 'gemv-int4',
      params: {
        k: 12288,
        n: 12288,
        rows: 1,
        format: 'int4',
        groupSize: 32,
        model: 'glm-130b',
        matrix: 'out',
      },
      ceilingPair: { probe: 'read', ratio: 0.93, ci95: [0.9, 0.95], workingSetBytes: 1 << 28 },
    });
    expect(problemLabel(result)).toBe(
      '12,288 × 12,288 · int4/g32 · 1 row · glm-130b out · 93 % of the read probe',
    );
  });
});
