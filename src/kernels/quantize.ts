// Weights for the GEMV kernels on the CPU: quantize() turns a row-major k × n f32 matrix into the
// packed layout of gemv-common.ts in one of the weight formats, dequantize() gives back the values
// the kernels compute with. The formats are a contract (README "Weight formats"):
//   f16:  IEEE half, round to nearest even.
//   int8: per output column j, s_j = f16(max_i |w_ij| / 127) (1 if the column is all zero),
//         q = clamp(round(w / s_j), −127, 127); value = q · s_j.
//   int4: per group of groupSize consecutive k in column j (the last group may be short),
//         s = f16(max |w| / 7) (1 if all zero), q = clamp(round(w / s), −8, 7); value = q · s.
// round is round half to even; w / s is computed in f64. A scale that rounds to 0 in f16 (max |w|
// below ~4e-6) gives q = 0. Weights must be finite and representable: |w| ≤ 65504 for f16, and
// max |w| / 127 (or / 7) ≤ 65504 for the scales.

import type { WeightFormat } from './formats.ts';
import { checkFormat, gemvLayout } from './gemv-common.ts';
import { checkQuantizedMatrix } from './gemv-validate.ts';
import { checkArray, checkKnownFields, checkSize } from './validate.ts';

export interface QuantizeOptions {
  k: number;
  n: number;
  format: WeightFormat;
  /** int4 only: 32, 64 or 128 (default 32). */
  groupSize?: number;
}

const QUANTIZE_FIELDS = [
  'k',
  'n',
  'format',
  'groupSize',
] as const satisfies readonly (keyof QuantizeOptions)[];

/** A weight matrix in the packed layout of the GEMV kernels (gemv-common.ts, README "Weight formats"). */
export interface QuantizedMatrix {
  format: WeightFormat;
  k: number;
  n: number;
  /** int4: k values per scale. */
  groupSize?: number;
  /** (kPadded / P) × nPadded words, P = 1, 2, 4, 8 values of one column along k per word. */
  weights: Uint32Array;
  /** int8 / int4: f16 scales in pairs (even column in the low half), int4 group-major. */
  scales?: Uint32Array;
}

/** Largest finite f16. */
export const F16_MAX = 65504;

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const diff = v - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** The f16 bits nearest to value (round to nearest even; beyond the range: ±Inf; NaN: 0x7e00). */
export function f16Bits(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const a = Math.abs(value);
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24); // subnormal (1024 becomes the least normal)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1;
  if (2 ** (e + 1) <= a) e += 1;
  let mantissa = roundHalfEven((a / 2 ** e - 1) * 1024);
  if (mantissa === 1024) {
    mantissa = 0;
    e += 1;
  }
  return sign | ((e + 15) << 10) | mantissa;
}

/** The value of f16 bits. */
export function f16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** value rounded to the nearest f16. */
export function toF16(value: number): number {
  return f16Value(f16Bits(value));
}

/** Magnitudes from here on round to infinity in f16 (halfway past F16_MAX, ties to even). */
const F16_OVERFLOW = 65520;

/**
 * Throws unless every element of `values` rounds to a finite f16, naming the first that does not
 * (`why` says what stores it as f16): WGSL's pack2x16float leaves such values undefined.
 */
export function checkHalfRange(field: string, values: Float32Array, why = ''): void {
  for (let i = 0; i < values.length; i++) {
    if (Math.abs(values[i]) >= F16_OVERFLOW) {
      throw new Error(`${field}: element ${i} is ${values[i]}, beyond f16's largest value ${F16_MAX}${why}`);
    }
  }
}

function scaleFor(max: number, levels: number, format: string): number {
  if (max === 0) return 1;
  if (max / levels > F16_MAX) {
    throw new Error(
      `w: |w| up to ${max} needs a ${format} scale of ${max / levels}, over the f16 limit of ${F16_MAX}`,
    );
  }
  return toF16(max / levels);
}

const quant = (w: number, s: number, lo: number, hi: number) =>
  s === 0 ? 0 : Math.min(hi, Math.max(lo, roundHalfEven(w / s)));

/** Packs w (k × n, row-major) in `format`; throws on bad input, naming the field and the limit. */
export function quantize(w: Float32Array, options: QuantizeOptions): QuantizedMatrix {
  if (typeof options !== 'object' || options === null)
    throw new Error('quantize options: expected an object');
  checkKnownFields('quantize options', options, QUANTIZE_FIELDS);
  const k = checkSize('k', options.k);
  const n = checkSize('n', options.n);
  const format = options.format;
  const groupSize = checkFormat(format, options.groupSize);
  checkArray('w', w, k * n, `k × n = ${k} × ${n}`);
  const layout = gemvLayout({ k, n, format, groupSize });
  const { nPadded, valuesPerWord: per } = layout;
  const weights = new Uint32Array(layout.weightWords);
  const bits = 32 / per;
  const mask = 2 ** bits - 1;
  const put = (i: number, j: number, field: number) => {
    const word = Math.floor(i / per) * nPadded + j;
    weights[word] = (weights[word] | ((field & mask) << (bits * (i % per)))) >>> 0;
  };
  if (format === 'f32') {
    const raw = new Uint32Array(w.buffer, w.byteOffset, w.length);
    for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) weights[i * nPadded + j] = raw[i * n + j];
    return { format, k, n, weights };
  }
  if (format === 'f16') {
    checkHalfRange('w', w);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < n; j++) {
        put(i, j, f16Bits(w[i * n + j]));
      }
    }
    return { format, k, n, weights };
  }
  const scaleHalves = new Uint16Array(layout.scaleRows * nPadded);
  const [levels, lo, hi, group] = format === 'int8' ? [127, -127, 127, k] : [7, -8, 7, groupSize as number];
  for (let j = 0; j < n; j++) {
    for (let g = 0; g * group < k; g++) {
      const end = Math.min(k, (g + 1) * group);
      let max = 0;
      for (let i = g * group; i < end; i++) max = Math.max(max, Math.abs(w[i * n + j]));
      const s = scaleFor(max, levels, format);
      scaleHalves[g * nPadded + j] = f16Bits(s);
      for (let i = g * group; i < end; i++) put(i, j, quant(w[i * n + j], s, lo, hi));
    }
  }
  for (let j = n; j < nPadded; j++)
    for (let g = 0; g < layout.scaleRows; g++) scaleHalves[g * nPadded + j] = f16Bits(1);
  const scales = new Uint32Array(scaleHalves.buffer);
  return { format, k, n, ...(groupSize ? { groupSize } : {}), weights, scales };
}

/** Reads fields and scales of a packed matrix (the layout computed once). */
export function reader(qw: QuantizedMatrix) {
  const { nPadded, valuesPerWord: per, groupSize } = gemvLayout(qw);
  const bits = 32 / per;
  const signed = qw.format === 'int8' || qw.format === 'int4';
  return {
    field(i: number, j: number): number {
      const word = qw.weights[Math.floor(i / per) * nPadded + j];
      const field = per === 1 ? word : (word >>> (bits * (i % per))) & (2 ** bits - 1);
      return signed && field >= 2 ** (bits - 1) ? field - 2 ** bits : field;
    },
    scale(i: number, j: number): number {
      if (!qw.scales) return 1;
      const row = qw.format === 'int8' ? 0 : Math.floor(i / (groupSize as number));
      const index = row * nPadded + j;
      const word = qw.scales[index >> 1];
      return f16Value(index & 1 ? word >>> 16 : word & 0xffff);
    },
  };
}

/** The quantised integer (int8 / int4), f16 bits or f32 bits at (i, j), read back from the packed words. */
export function packedField(qw: QuantizedMatrix, i: number, j: number): number {
  return reader(qw).field(i, j);
}

/** The scale of (i, j) for int8 / int4 (1 for f32, f16). */
export function scaleAt(qw: QuantizedMatrix, i: number, j: number): number {
  return reader(qw).scale(i, j);
}

/**
 * The k × n values the kernels compute with (q · s, f16 or f32), row-major. Throws, before
 * allocating, unless qw is a consistent packed matrix (checkQuantizedMatrix).
 */
export function dequantize(qw: QuantizedMatrix): Float32Array {
  checkQuantizedMatrix(qw, 'qw');
  const { k, n, format } = qw;
  const read = reader(qw);
  const out = new Float32Array(k * n);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < n; j++) {
      const field = read.field(i, j);
      if (format === 'f32') {
        u32[0] = field;
        out[i * n + j] = f32[0];
      } else if (format === 'f16') out[i * n + j] = f16Value(field);
      else out[i * n + j] = field * read.scale(i, j);
    }
  }
  return out;
}
