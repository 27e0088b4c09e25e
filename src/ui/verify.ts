// The first check a visitor can make: run `unfused` attention on a small problem (odd sizes, causal)
// on this GPU and compare every output value with the f64 CPU reference.

import { attention } from '../api.ts';
import type { Gpu } from '../gpu/gpu.ts';
import { entryWithRole } from '../kernels/registry.ts';
import { attentionReference } from '../reference/attention.ts';
import { compareToReference, type Tolerance } from '../reference/compare.ts';
import { seededArray } from '../util/random.ts';

export const VERIFY_PROBLEM = { heads: 2, seqQ: 97, seqK: 97, headDim: 32, causal: true } as const;
export const VERIFY_TOLERANCE: Tolerance = { atol: 2e-5, rtol: 2e-4 };

export interface VerifyOutcome {
  ok: boolean;
  values: number;
  maxAbsErr: number;
  maxRelErr: number;
  wallMs: number;
  /** The first mismatch with its neighbours, when not ok. */
  failure?: string;
}

/** Runs unfused attention once on VERIFY_PROBLEM and compares it with the reference. */
export async function verifyUnfused(gpu: Gpu): Promise<VerifyOutcome> {
  const { heads, seqQ, seqK, headDim, causal } = VERIFY_PROBLEM;
  const q = seededArray(heads * seqQ * headDim, 1);
  const k = seededArray(heads * seqK * headDim, 2);
  const v = seededArray(heads * seqK * headDim, 3);
  const scale = 1 / Math.sqrt(headDim);
  const started = performance.now();
  const output = await attention(
    gpu,
    { q, k, v, heads, seqQ, seqK, headDim, causal, scale },
    { kernel: entryWithRole('dense', 'baseline').name },
  );
  const wallMs = performance.now() - started;
  const expected = attentionReference(q, k, v, { heads, seqQ, seqK, headDim, causal, scale });
  const comparison = compareToReference(output, expected, VERIFY_TOLERANCE);
  return {
    ok: comparison.ok,
    values: output.length,
    maxAbsErr: comparison.maxAbsErr,
    maxRelErr: comparison.maxRelErr,
    wallMs,
    failure: comparison.failure,
  };
}
