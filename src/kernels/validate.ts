// Input validation for attention() and matmul(): every field is checked, with a message that names
// the field and the limit, before anything is allocated on the GPU.

import { describeValue } from '../util/text.ts';
import { BlockMask } from './block-mask.ts';
import { formatBytes } from './limits.ts';
import type { Activation, AttentionProblem, AttentionShape, MatmulProblem, MatmulShape } from './types.ts';

/** Largest head dimension any attention kernel accepts (flash keeps a query row in registers). */
export const MAX_HEAD_DIM = 256;
/** Largest size of any one axis; larger values are certainly mistakes (and overflow u32 indices). */
export const MAX_AXIS = 1 << 24;

export interface AttentionInput extends AttentionShape {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  /** KV heads (grouped-query attention): divides heads; k and v are (kvHeads, seqK, headDim). */
  kvHeads?: number;
  causal?: boolean;
  scale?: number;
  mask?: BlockMask;
}

export interface MatmulInput extends MatmulShape {
  bias?: Float32Array;
  activation?: Activation;
}

type Limits = Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>;

/** Throws unless value is an integer in [1, max]. */
export function checkSize(field: string, value: unknown, max = MAX_AXIS): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${field}: expected a positive integer, got ${describeValue(value)}`);
  }
  if (!Number.isInteger(value)) throw new Error(`${field}: expected an integer, got ${value}`);
  if (value < 1) throw new Error(`${field}: must be at least 1, got ${value}`);
  if (value > max) throw new Error(`${field}: ${value} exceeds the limit of ${max}`);
  return value;
}

/**
 * Throws unless `value` is a `type` of `expected` elements (`shape` says how that number is made)
 * and, a Float32Array, holds finite values only: WGSL leaves NaN and infinities undefined (a compiler
 * may assume there are none), so no kernel's output on them could be checked against the reference.
 */
export function checkArray(
  field: string,
  value: unknown,
  expected: number,
  shape: string,
  type: 'Float32Array' | 'Uint32Array' = 'Float32Array',
): void {
  const ok = type === 'Float32Array' ? value instanceof Float32Array : value instanceof Uint32Array;
  if (!ok) throw new Error(`${field}: expected a ${type}, got ${describeValue(value)}`);
  const array = value as Float32Array | Uint32Array;
  if (array.length !== expected) {
    throw new Error(`${field}: length ${array.length} does not match ${shape} = ${expected}`);
  }
  if (!(array instanceof Float32Array)) return;
  for (let i = 0; i < array.length; i++) {
    if (!Number.isFinite(array[i])) {
      throw new Error(
        `${field}: element ${i} is ${array[i]}; expected finite values (WGSL leaves NaN and infinities undefined)`,
      );
    }
  }
}

function checkFits(field: string, elements: number, limits: Limits | undefined): void {
  if (!limits) return;
  const bytes = 4 * elements;
  const limit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  if (bytes > limit) {
    throw new Error(
      `${field}: ${formatBytes(bytes)} exceeds this device's maxStorageBufferBindingSize of ${formatBytes(limit)}`,
    );
  }
}

/** Edit distance of two short names (insertions, deletions, substitutions). */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/**
 * Throws on a field of `value` that is not one of `known`, naming it (and the known field it is
 * likeliest a typo of): `{ casual: true }` would otherwise run without the causal mask, silently.
 */
export function checkKnownFields(what: string, value: object, known: readonly string[]): void {
  for (const field of Object.keys(value)) {
    if (known.includes(field)) continue;
    // The closest known name within two edits (case aside), if any.
    let near: string | undefined;
    let best = 3;
    for (const name of known) {
      const d = distance(field.toLowerCase(), name.toLowerCase());
      if (d < best) [near, best] = [name, d];
    }
    throw new Error(
      `${what}: unknown field '${field.slice(0, 40)}'${near ? ` (did you mean '${near}'?)` : ''}; expected ${known.join(', ')}`,
    );
  }
}

/** The fields of attention()'s input, matmul()'s options (but RunOptions') and gemv()'s options. */
export const ATTENTION_INPUT_FIELDS = [
  'q',
  'k',
  'v',
  'heads',
  'seqQ',
  'seqK',
  'headDim',
  'kvHeads',
  'causal',
  'scale',
  'mask',
] as const satisfies readonly (keyof AttentionInput)[];
export const MATMUL_INPUT_FIELDS = [
  'm',
  'k',
  'n',
  'bias',
  'activation',
] as const satisfies readonly (keyof MatmulInput)[];

/** Validates attention() input against the API's rules and (when given) the device limits. */
export function validateAttention(input: AttentionInput, limits?: Limits): AttentionProblem {
  if (typeof input !== 'object' || input === null) throw new Error('attention input: expected an object');
  const heads = checkSize('heads', input.heads);
  const seqQ = checkSize('seqQ', input.seqQ);
  const seqK = checkSize('seqK', input.seqK);
  const headDim = checkSize('headDim', input.headDim, MAX_HEAD_DIM);
  const kvHeads = input.kvHeads === undefined ? heads : checkSize('kvHeads', input.kvHeads, heads);
  if (heads % kvHeads !== 0) {
    throw new Error(`kvHeads: must divide heads (${heads}), got ${kvHeads}`);
  }
  // The device's limits first: a problem too large for it is refused before its arrays are read.
  checkFits('q', heads * seqQ * headDim, limits);
  checkFits('k', kvHeads * seqK * headDim, limits);
  checkArray(
    'q',
    input.q,
    heads * seqQ * headDim,
    `heads × seqQ × headDim (${heads} × ${seqQ} × ${headDim})`,
  );
  checkArray(
    'k',
    input.k,
    kvHeads * seqK * headDim,
    `kvHeads × seqK × headDim (${kvHeads} × ${seqK} × ${headDim})`,
  );
  checkArray(
    'v',
    input.v,
    kvHeads * seqK * headDim,
    `kvHeads × seqK × headDim (${kvHeads} × ${seqK} × ${headDim})`,
  );
  const causal = input.causal === undefined ? false : input.causal;
  if (typeof causal !== 'boolean')
    throw new Error(`causal: expected true or false, got ${describeValue(causal)}`);
  const scale = input.scale === undefined ? 1 / Math.sqrt(headDim) : input.scale;
  if (typeof scale !== 'number' || !Number.isFinite(scale))
    throw new Error(`scale: expected a finite number, got ${describeValue(scale)}`);
  let mask: BlockMask | undefined;
  const given: unknown = input.mask;
  if (given !== undefined) {
    if (typeof given !== 'object' || given === null || !((given as BlockMask).layout instanceof Uint8Array)) {
      throw new Error('mask: expected a BlockMask from blockMask.fromDense or another builder');
    }
    const { blockSize, layout, pattern, seqQ: maskQ, seqK: maskK } = given as BlockMask;
    if (maskQ !== seqQ || maskK !== seqK) {
      throw new Error(
        `mask: built for seqQ=${maskQ}, seqK=${maskK} but the problem has seqQ=${seqQ}, seqK=${seqK}`,
      );
    }
    // Rebuilt from its layout as it is now: a mask sent through postMessage or written by hand is a
    // plain object without the block lists, and a BlockMask's layout can be written after it was
    // built, which would leave its block lists (what block-sparse walks) describing another mask.
    mask = new BlockMask(
      layout,
      { blockSize, seqQ, seqK },
      typeof pattern === 'string' ? pattern : undefined,
    );
  }
  return {
    heads,
    seqQ,
    seqK,
    headDim,
    ...(kvHeads === heads ? {} : { kvHeads }),
    causal,
    scale,
    mask,
  };
}

/** Validates matmul() input: sizes, the lengths of a (m×k), b (k×n), bias (n), the activation. */
export function validateMatmul(a: unknown, b: unknown, input: MatmulInput, limits?: Limits): MatmulProblem {
  if (typeof input !== 'object' || input === null) throw new Error('matmul options: expected { m, k, n }');
  const m = checkSize('m', input.m);
  const k = checkSize('k', input.k);
  const n = checkSize('n', input.n);
  checkFits('a', m * k, limits);
  checkFits('b', k * n, limits);
  checkFits('c', m * n, limits);
  checkArray('a', a, m * k, `m × k (${m} × ${k})`);
  checkArray('b', b, k * n, `k × n (${k} × ${n})`);
  if (input.bias !== undefined) checkArray('bias', input.bias, n, `n (${n})`);
  const activation = input.activation === undefined ? 'none' : input.activation;
  if (activation !== 'none' && activation !== 'gelu') {
    throw new Error(`activation: expected 'none' or 'gelu', got ${describeValue(activation)}`);
  }
  return { m, k, n, bias: input.bias !== undefined, activation };
}
