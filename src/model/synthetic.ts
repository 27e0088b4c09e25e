// Synthetic tensors of a decode step, generated on the GPU from a seed by shaders/weight-fill.wgsl,
// and their CPU twin: the same hash gives the same values exactly, so the f64 reference layer can
// rebuild any weight, cache entry or input without reading a GPU buffer back. Nothing is downloaded.
// Values are f16 numbers built from hash bits (never rounded): sign, 10 mantissa bits and an
// exponent 0–3 below `exp0`, i.e. magnitudes between 2^(exp0−18) and 2^(exp0−14).

import type { Gpu } from '../gpu/gpu.ts';
import { packUniform, u32, uniformLayout } from '../gpu/uniform.ts';
import { checkDispatch } from '../kernels/limits.ts';

const SHADER = new URL('../../shaders/weight-fill.wgsl', import.meta.url);
/** The shader's `struct Params`. */
export const WEIGHT_FILL_PARAMS = uniformLayout(
  'Params',
  u32('words', 'key', 'exp0', 'count', 'columns', 'word0'),
);
const WORKGROUP_SIZE = 256;
/** Workgroups of the grid-stride fill (enough to fill a GPU, few enough for a CPU adapter). */
const FILL_WORKGROUPS = { hardware: 4096, software: 32 } as const;

/** pcg hash (O'Neill's PCG output function), as weight-fill.wgsl computes it in u32. */
export function pcg(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** The hash of element `e` of the stream with this key. */
export function streamHash(key: number, e: number): number {
  return pcg((pcg(e) ^ key) >>> 0);
}

/** A stream key from a seed and the names that tell tensors apart (layer, tensor). */
export function streamKey(seed: number, ...parts: (number | string)[]): number {
  let key = pcg(seed >>> 0);
  for (const part of parts) {
    const word =
      typeof part === 'number'
        ? part >>> 0
        : [...part].reduce((h, ch) => (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0, 7);
    key = pcg((key ^ word) >>> 0);
  }
  return key;
}

/** The biased f16 exponent whose values reach about `magnitude` (clamped to normal f16 numbers). */
export function exponentFor(magnitude: number): number {
  return Math.min(30, Math.max(1, Math.floor(Math.log2(magnitude)) + 15));
}

/** 2^(exponent − 25) for the biased f16 exponents 0…31: (1024 + mantissa) times it is the value. */
const UNIT = Float64Array.from({ length: 32 }, (_, exponent) => 2 ** (exponent - 25));

/** value(e) of weight-fill.wgsl: the f16 number from the hash bits, as a JS number (exact). */
export function valueAt(key: number, exp0: number, e: number): number {
  const r = streamHash(key, e);
  const drop = (r >>> 10) & 3;
  const exponent = Math.max(exp0 - drop, 1);
  const magnitude = (1024 + (r & 0x3ff)) * UNIT[exponent];
  return r >>> 31 ? -magnitude : magnitude;
}

/** int8 q(e) of weight-fill.wgsl: −127..127. */
export function q8At(key: number, e: number): number {
  return (streamHash(key, e) % 255) - 127;
}

/** int4 q(e) of weight-fill.wgsl: −8..7. */
export function q4At(key: number, e: number): number {
  return (streamHash(key, e) & 15) - 8;
}

/** A stream as f32 values on the CPU (for small tensors: inputs, norm weights, tests). */
export function valuesOf(key: number, exp0: number, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let e = 0; e < count; e++) out[e] = valueAt(key, exp0, e);
  return out;
}

export type FillKind = 'f32' | 'f16' | 'int8' | 'int4';

/** Elements per 32-bit word of each fill kind. */
const PER_WORD: Record<FillKind, number> = { f32: 1, f16: 2, int8: 4, int4: 8 };

export interface FillSpec {
  kind: FillKind;
  key: number;
  /** Elements of the stream (the buffer holds ceil(count / per word) words). */
  count: number;
  /** Value streams (f32, f16): the biased exponent (see exponentFor). */
  exp0?: number;
  /** Weights of a k × n matrix in the GEMV layout: n (P consecutive k of one column per word); absent: flat. */
  columns?: number;
}

/** Words a fill writes: flat, or (k rounded up to P) / P rows of n words for a matrix. */
export function fillWords(spec: FillSpec): number {
  const per = PER_WORD[spec.kind];
  if (!spec.columns) return Math.ceil(spec.count / per);
  return Math.ceil(spec.count / spec.columns / per) * spec.columns;
}

/**
 * Fills `buffer` (at least fillWords(spec) · 4 bytes) on the GPU; submits at once and does not wait.
 * A tensor larger than one storage binding is filled in several dispatches over ranges of it.
 */
export async function fillOnGpu(gpu: Gpu, label: string, buffer: GPUBuffer, spec: FillSpec): Promise<void> {
  const words = fillWords(spec);
  if (4 * words > buffer.size)
    throw new Error(`${label}: ${4 * words} bytes to fill, the buffer holds ${buffer.size}`);
  const { maxStorageBufferBindingSize, maxBufferSize, minStorageBufferOffsetAlignment } = gpu.limits;
  const alignWords = minStorageBufferOffsetAlignment / 4;
  const chunkWords =
    Math.floor(Math.min(maxStorageBufferBindingSize, maxBufferSize) / 4 / alignWords) * alignWords;
  const pipeline = await gpu.pipeline({
    kernel: 'weight-fill',
    shader: SHADER,
    entryPoint: `fill_${spec.kind}`,
    constants: { WORKGROUP_SIZE },
  });
  const encoder = gpu.device.createCommandEncoder({ label: `${label}.fill` });
  const pass = encoder.beginComputePass({ label: `${label}.fill` });
  pass.setPipeline(pipeline);
  const owned: GPUBuffer[] = [];
  for (let word0 = 0; word0 < words; word0 += chunkWords) {
    const chunk = Math.min(chunkWords, words - word0);
    const workgroups = Math.min(
      gpu.adapter.isSoftware ? FILL_WORKGROUPS.software : FILL_WORKGROUPS.hardware,
      Math.max(1, Math.ceil(chunk / WORKGROUP_SIZE)),
    );
    checkDispatch(gpu, `${label}.fill`, [workgroups]);
    const params = gpu.uniform(
      `${label}.fill.params`,
      packUniform(WEIGHT_FILL_PARAMS, {
        words: chunk,
        key: spec.key >>> 0,
        exp0: spec.exp0 ?? 15,
        count: spec.count,
        columns: spec.columns ?? 0,
        word0,
      }),
    );
    owned.push(params);
    const group = gpu.device.createBindGroup({
      label: `${label}.fill`,
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: params } },
        { binding: spec.kind === 'f32' ? 1 : 2, resource: { buffer, offset: 4 * word0, size: 4 * chunk } },
      ],
    });
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(workgroups);
  }
  pass.end();
  gpu.device.queue.submit([encoder.finish()]);
  for (const params of owned) params.destroy();
}
