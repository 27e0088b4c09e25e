// Default tolerances per kind and precision: `|gpu − ref| ≤ atol + rtol·|ref|` against the f64
// reference. A registry line may give its own (KernelMeta.tolerance); peers take their kind's f32 rule.

import type { KernelKind, Precision, ToleranceRule } from './types.ts';

const exact: ToleranceRule = () => ({ atol: 0, rtol: 0 });

/** Sums of k products: f32 rounding grows with k; values stored in half precision (or fewer bits) far more. */
const reduction = (precision: Precision): ToleranceRule =>
  precision === 'f32'
    ? ({ k = 1 }) => ({ atol: 1e-5 + 2e-6 * k, rtol: 1e-3 })
    : ({ k = 1 }) => ({ atol: 2e-3 * Math.sqrt(k), rtol: 1e-2 });

/** Softmax-normalised outputs (attention, and by default the model-step ops). */
const normalised = (precision: Precision): ToleranceRule =>
  precision === 'f32' ? () => ({ atol: 1e-4, rtol: 1e-3 }) : () => ({ atol: 1e-2, rtol: 1e-2 });

/** The tolerance rule of a kind at a precision. */
export function defaultTolerance(kind: KernelKind, precision: Precision): ToleranceRule {
  switch (kind) {
    case 'probe':
    case 'mask':
      return exact;
    case 'matmul':
    case 'gemv':
      return reduction(precision);
    default:
      return normalised(precision);
  }
}
