// Converts K and V to packed f16 once per prepared call, for the *-f16 attention kernels (which read
// half the bytes and accumulate in f32). Runs on every adapter: it uses pack2x16float/unpack2x16float
// of core WGSL, not the optional `shader-f16` feature.

import type { Gpu } from '../gpu/gpu.ts';
import { checkBinding, checkDispatch } from './limits.ts';
import type { AttentionIO, AttentionProblem } from './types.ts';

const SHADER = new URL('../../shaders/kv-f16.wgsl', import.meta.url);
const WORKGROUP_SIZE = 256;

export interface PackedKv {
  k16: GPUBuffer;
  v16: GPUBuffer;
  destroy(): void;
}

/** Bytes of one packed tensor: (heads · seqK) rows of ceil(headDim / 4) 8-byte words. */
export function packedKvBytes(p: AttentionProblem): number {
  return p.heads * p.seqK * Math.ceil(p.headDim / 4) * 8;
}

/** Checks the limits of the packed buffers (call before creating anything). */
export function checkPackedKv(gpu: Gpu, kernel: string, p: AttentionProblem): void {
  checkBinding(gpu, `${kernel} packed f16 K/V`, packedKvBytes(p));
  const words = p.heads * p.seqK * Math.ceil(p.headDim / 4);
  checkDispatch(gpu, `${kernel}.kvF16`, [Math.min(Math.ceil(words / WORKGROUP_SIZE), 65535)]);
}

/** Allocates k16/v16 and submits their conversion from io.k/io.v (queue order puts it before later work). */
export async function packKvF16(
  gpu: Gpu,
  kernel: string,
  p: AttentionProblem,
  io: AttentionIO,
): Promise<PackedKv> {
  const pipeline = await gpu.pipeline({
    kernel: `${kernel}.kvF16`,
    shader: SHADER,
    entryPoint: 'main',
    constants: { WORKGROUP_SIZE },
  });
  const rows = p.heads * p.seqK;
  const words = rows * Math.ceil(p.headDim / 4);
  const shape = gpu.uniform(`${kernel}.kvF16.shape`, new Uint32Array([rows, p.headDim, 0, 0]).buffer);
  const k16 = gpu.buffer(`${kernel}.k16`, packedKvBytes(p));
  const v16 = gpu.buffer(`${kernel}.v16`, packedKvBytes(p));
  const encoder = gpu.device.createCommandEncoder({ label: `${kernel}.kvF16` });
  const pass = encoder.beginComputePass({ label: `${kernel}.kvF16` });
  pass.setPipeline(pipeline);
  for (const [src, dst] of [
    [io.k, k16],
    [io.v, v16],
  ] as const) {
    pass.setBindGroup(0, gpu.bindGroup(`${kernel}.kvF16`, pipeline, [shape, src, dst]));
    pass.dispatchWorkgroups(Math.min(Math.ceil(words / WORKGROUP_SIZE), 65535));
  }
  pass.end();
  gpu.device.queue.submit([encoder.finish()]);
  return {
    k16,
    v16,
    destroy() {
      shape.destroy();
      k16.destroy();
      v16.destroy();
    },
  };
}
