// K and V as rows of whole vec4 for the attention kernels (shaders/kv-pack.wgsl), made once per
// prepared call: packed f16 for the *-f16 variants (half the bytes, f32 accumulation), or f32 rows
// padded to a multiple of 4 values when headDim % 4 != 0. Otherwise kernels read the caller's
// buffers directly. Like any prepare() work, this reads K and V as they are when prepare() runs.
// Runs on every adapter: pack2x16float/unpack2x16float are core WGSL, not the `shader-f16` feature.

import type { Gpu } from '../gpu/gpu.ts';
import { packUniform, u32, uniformLayout } from '../gpu/uniform.ts';
import { kvHeadsOf, placeholderBuffer } from './attention-common.ts';
import { checkBinding, checkDispatch } from './limits.ts';
import type { AttentionIO, AttentionProblem } from './types.ts';

const SHADER = new URL('../../shaders/kv-pack.wgsl', import.meta.url);
/** The shader's `struct Shape`. */
export const KV_PACK_SHAPE = uniformLayout('Shape', u32('rows', 'head_dim'));
const WORKGROUP_SIZE = 256;

export type KvFormat = 'f16' | 'f32';

/** K and V for a kernel; destroy() frees copies (never the caller's buffers). */
export interface KvRows {
  k: GPUBuffer;
  v: GPUBuffer;
  destroy(): void;
}

/** The format a kernel reads K/V in, or undefined when it reads the caller's f32 buffers directly. */
export function kvFormat(p: AttentionProblem, f16: boolean): KvFormat | undefined {
  if (f16) return 'f16';
  return p.headDim % 4 === 0 ? undefined : 'f32';
}

function slots(p: AttentionProblem): number {
  return kvHeadsOf(p) * p.seqK * Math.ceil(p.headDim / 4);
}

/** Bytes of one packed tensor. */
export function packedKvBytes(p: AttentionProblem, format: KvFormat): number {
  return slots(p) * (format === 'f16' ? 8 : 16);
}

/** Checks the limits of the packed buffers (call before creating anything). */
export function checkPackedKv(
  gpu: Gpu,
  kernel: string,
  p: AttentionProblem,
  format: KvFormat | undefined,
): void {
  if (!format) return;
  checkBinding(gpu, `${kernel} packed K/V (${format})`, packedKvBytes(p, format));
  checkDispatch(gpu, `${kernel}.kvPack`, [Math.min(Math.ceil(slots(p) / WORKGROUP_SIZE), 65535)]);
}

/** K and V in the given format: copies converted on the GPU (submitted now), or the caller's buffers. */
export async function kvRows(
  gpu: Gpu,
  kernel: string,
  p: AttentionProblem,
  io: AttentionIO,
  format: KvFormat | undefined,
): Promise<KvRows> {
  if (!format) return { k: io.k, v: io.v, destroy() {} };
  const entryPoint = format === 'f16' ? 'to_f16' : 'to_f32';
  const pipeline = await gpu.pipeline({
    kernel: `${kernel}.kvPack`,
    shader: SHADER,
    entryPoint,
    constants: { WORKGROUP_SIZE },
  });
  const rows = kvHeadsOf(p) * p.seqK;
  const shape = gpu.uniform(
    `${kernel}.kvPack.shape`,
    packUniform(KV_PACK_SHAPE, { rows, head_dim: p.headDim }),
  );
  const k = gpu.buffer(`${kernel}.k.${format}`, packedKvBytes(p, format));
  const v = gpu.buffer(`${kernel}.v.${format}`, packedKvBytes(p, format));
  const encoder = gpu.device.createCommandEncoder({ label: `${kernel}.kvPack` });
  const pass = encoder.beginComputePass({ label: `${kernel}.kvPack` });
  pass.setPipeline(pipeline);
  for (const [src, dst] of [
    [io.k, k],
    [io.v, v],
  ] as const) {
    const binding = format === 'f16' ? 2 : 3;
    pass.setBindGroup(0, gpu.bindGroup(`${kernel}.kvPack`, pipeline, { 0: shape, 1: src, [binding]: dst }));
    pass.dispatchWorkgroups(Math.min(Math.ceil(slots(p) / WORKGROUP_SIZE), 65535));
  }
  pass.end();
  gpu.device.queue.submit([encoder.finish()]);
  return {
    k,
    v,
    destroy() {
      shape.destroy();
      k.destroy();
      v.destroy();
    },
  };
}

/** K/V bindings of a flash-style shader, keyed by binding, and what destroy() frees. */
export interface KvBindings {
  entries: Record<number, GPUBuffer>;
  destroy(): void;
}

/**
 * K/V for a shader that declares f32 rows at bindings 2 and 3 and packed f16 rows at 6 and 7
 * (flash, block-sparse): kvRows in the given format, and a placeholder for the pair not read.
 */
export async function kvBindings(
  gpu: Gpu,
  kernel: string,
  p: AttentionProblem,
  io: AttentionIO,
  format: KvFormat | undefined,
): Promise<KvBindings> {
  const kv = await kvRows(gpu, kernel, p, io, format);
  const placeholder = placeholderBuffer(gpu, `${kernel}.unused`);
  const f16 = format === 'f16';
  return {
    entries: {
      2: f16 ? placeholder : kv.k,
      3: f16 ? placeholder : kv.v,
      6: f16 ? kv.k : placeholder,
      7: f16 ? kv.v : placeholder,
    },
    destroy() {
      kv.destroy();
      placeholder.destroy();
    },
  };
}
