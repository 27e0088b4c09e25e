// Compares a GPU result with an f64 reference: |gpu − ref| ≤ atol + rtol·|ref| element by element.
// Pure; returns the error figures and, on failure, a small table around the first mismatch.

import type { Tolerance } from '../kernels/types.ts';

export type { Tolerance } from '../kernels/types.ts';

export interface Comparison {
  maxAbsErr: number;
  /** max |gpu − ref| / max(|ref|, atol): relative error that does not explode near zero. */
  maxRelErr: number;
  ok: boolean;
  /** Index of the first element out of tolerance (or non-finite), -1 if none. */
  firstBad: number;
  /** A description of the first mismatch with its neighbours, undefined when ok. */
  failure?: string;
}

/** Compares actual against expected; NaN or ±Inf in actual always fails. */
export function compareToReference(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
): Comparison {
  if (actual.length !== expected.length) {
    return {
      maxAbsErr: Number.POSITIVE_INFINITY,
      maxRelErr: Number.POSITIVE_INFINITY,
      ok: false,
      firstBad: 0,
      failure: `length ${actual.length} ≠ expected ${expected.length}`,
    };
  }
  let maxAbsErr = 0;
  let maxRelErr = 0;
  let firstBad = -1;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const err = Math.abs(a - e);
    const bad = !Number.isFinite(a) || err > tol.atol + tol.rtol * Math.abs(e);
    if (bad && firstBad < 0) firstBad = i;
    if (!Number.isFinite(err)) {
      maxAbsErr = Number.POSITIVE_INFINITY;
      maxRelErr = Number.POSITIVE_INFINITY;
      continue;
    }
    if (err > maxAbsErr) maxAbsErr = err;
    const rel = err / Math.max(Math.abs(e), tol.atol);
    if (rel > maxRelErr) maxRelErr = rel;
  }
  const ok = firstBad < 0;
  return {
    maxAbsErr,
    maxRelErr,
    ok,
    firstBad,
    failure: ok ? undefined : mismatchTable(actual, expected, firstBad),
  };
}

function mismatchTable(actual: ArrayLike<number>, expected: ArrayLike<number>, at: number): string {
  const lines = [`first mismatch at index ${at}:`, '  index        actual      expected'];
  for (let i = Math.max(0, at - 2); i < Math.min(actual.length, at + 3); i++) {
    const mark = i === at ? '>' : ' ';
    lines.push(`${mark} ${String(i).padStart(5)} ${fmt(actual[i])} ${fmt(expected[i])}`);
  }
  return lines.join('\n');
}

function fmt(x: number): string {
  return (Number.isFinite(x) ? x.toPrecision(7) : String(x)).padStart(13);
}
