// The storage formats of the decode-time weight kernels and the kinds of the decode-step ops: facts
// the kernels are written for (src/model/shapes.ts restates them for the model's users).

/** Weight storage formats of the decode-time GEMV kernels (exact formats: README "Weight formats"). */
export const WEIGHT_FORMATS = ['f32', 'f16', 'int8', 'int4'] as const;
export type WeightFormat = (typeof WEIGHT_FORMATS)[number];

/** Group sizes along k that int4 offers (one f16 scale per group of one output column). */
export const INT4_GROUP_SIZES = [32, 64, 128] as const;
export const DEFAULT_INT4_GROUP_SIZE = 32;

export type Gating = 'geglu' | 'swiglu';
/** The norms a model's layers use (a model's `norm`; each is also the name of its kernel). */
export const NORM_KINDS = ['layernorm', 'rmsnorm'] as const;
export type NormKind = (typeof NORM_KINDS)[number];

/**
 * Bytes of a k × n weight matrix stored in `format`, scales included: f32 4 B, f16 2 B per weight;
 * int8 1 B per weight + one f16 scale per column; int4 ½ B per weight + one f16 scale per group of
 * `groupSize` k in each column (the last group may be short), i.e. 4.5 bits per weight at group 32.
 */
export function matrixBytes(
  k: number,
  n: number,
  format: WeightFormat,
  groupSize = DEFAULT_INT4_GROUP_SIZE,
): number {
  switch (format) {
    case 'f32':
      return 4 * k * n;
    case 'f16':
      return 2 * k * n;
    case 'int8':
      return k * n + 2 * n;
    case 'int4':
      return Math.ceil((k * n) / 2) + 2 * n * Math.ceil(k / groupSize);
  }
}
