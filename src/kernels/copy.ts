// copy probe: measures the bandwidth ceiling. Bytes model: n read + n written. FLOPs: none.
// Also what the ceiling probes share: their types (ProbeProblem, ProbeIO, ProbeKernel), and the grid
// and prepare() of the grid-stride probes (copy, read).

import type { Gpu } from '../gpu/gpu.ts';
import { checkBinding, checkDispatch } from './limits.ts';
import { dispatchRun } from './run.ts';
import type { Kernel, KernelRun } from './types.ts';

export interface ProbeProblem {
  /** Bytes of src and of dst (a positive multiple of 16). */
  bytes: number;
  /** fma only: iterations of every FMA chain (default FMA_DEFAULT_ITERATIONS). */
  iterations?: number;
  /** copy and read: workgroups of the grid-stride loop (default: 4096 on hardware, 32 on software adapters). */
  workgroups?: number;
}

/** src holds the input, dst receives the output; both of problem.bytes. */
export interface ProbeIO {
  src: GPUBuffer;
  dst: GPUBuffer;
}

export interface ProbeKernel extends Kernel<ProbeProblem, ProbeIO> {
  /**
   * What dst must hold after one call on src (computed on the CPU), where the probe can say; the
   * adapter's kind when the grid depends on it.
   */
  reference?(src: Float32Array, problem: ProbeProblem, adapter: { isSoftware: boolean }): ArrayLike<number>;
}

const NAME = 'copy';
const SHADER = new URL('../../shaders/copy.wgsl', import.meta.url);
/** Invocations per workgroup of the grid-stride probes. */
export const STREAM_WORKGROUP_SIZE = 256;
/**
 * Workgroups of the grid-stride loop. 4096 × 256 invocations fill any current GPU. A software
 * adapter pays per workgroup (SwiftShader: about 2× the bandwidth with 32 workgroups than with 4096,
 * flat from 4 to 32), so there a few suffice.
 */
export const COPY_WORKGROUPS = { hardware: 4096, software: 32 } as const;

/** Throws unless bytes is a positive multiple of 16. */
export function checkProbeBytes(kernel: string, bytes: number): void {
  if (!Number.isInteger(bytes) || bytes % 16 !== 0 || bytes < 16)
    throw new Error(`${kernel}.bytes: expected a positive multiple of 16, got ${bytes}`);
}

/** Workgroups of a grid-stride bandwidth probe (copy, read) of 256 invocations each. */
export function streamWorkgroups(kernel: string, p: ProbeProblem, isSoftware: boolean): number {
  const wanted = p.workgroups ?? (isSoftware ? COPY_WORKGROUPS.software : COPY_WORKGROUPS.hardware);
  if (!Number.isInteger(wanted) || wanted < 1)
    throw new Error(`${kernel}.workgroups: expected a positive integer, got ${wanted}`);
  // More workgroups than vec4 elements would only idle.
  return Math.min(wanted, Math.ceil(p.bytes / 16 / STREAM_WORKGROUP_SIZE));
}

/** prepare() of a grid-stride probe (copy, read): one dispatch of `shader` from src into dst. */
export async function prepareStreamProbe(
  gpu: Gpu,
  kernel: string,
  shader: URL,
  p: ProbeProblem,
  io: ProbeIO,
): Promise<KernelRun> {
  checkProbeBytes(kernel, p.bytes);
  checkBinding(gpu, `${kernel} buffer`, p.bytes);
  const workgroups = streamWorkgroups(kernel, p, gpu.adapter.isSoftware);
  checkDispatch(gpu, kernel, [workgroups]);
  const pipeline = await gpu.pipeline({
    kernel,
    shader,
    entryPoint: 'main',
    constants: { WORKGROUP_SIZE: STREAM_WORKGROUP_SIZE },
  });
  const group = gpu.bindGroup(kernel, pipeline, [io.src, io.dst]);
  return dispatchRun([{ pipeline, group, grid: [workgroups] }]);
}

export const copy: ProbeKernel = {
  name: NAME,
  summary: 'Bandwidth ceiling: vec4 grid-stride copy, n bytes read and n written.',

  prepare: (gpu, p, io) => prepareStreamProbe(gpu, NAME, SHADER, p, io),

  reference: (src) => src,

  cost: (p) => ({ bytes: 2 * p.bytes, flops: 0 }),
};
