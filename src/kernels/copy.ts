// copy probe: measures the bandwidth ceiling. Bytes model: n read + n written. FLOPs: none.
// Also what the stream probes (copy, read) share: their shader (shaders/stream.wgsl, an entry
// point each: copy_probe, read_probe), their grid and prepare().

import type { Gpu } from '../gpu/gpu.ts';
import { checkBinding, checkDispatch } from './limits.ts';
import { onePass } from './run.ts';
import type { KernelRun, ProbeIO, ProbeKernel, ProbeProblem } from './types.ts';

export type { ProbeIO, ProbeKernel, ProbeProblem } from './types.ts';

const NAME = 'copy' as const;
/** The stream probes' shader: entry points copy_probe and read_probe. */
const SHADER = new URL('../../shaders/stream.wgsl', import.meta.url);
/** Invocations per workgroup of the stream probes. */
export const STREAM_WORKGROUP_SIZE = 256;
/**
 * Workgroups of the stream probes' grid unless the problem says. 4096 × 256 invocations fill any
 * current GPU. A software adapter pays per workgroup (SwiftShader: about 2× the bandwidth with 32
 * workgroups than with 4096), so there a few suffice; how few is best depends on the size and the
 * CPU's threads, so the benchmarks time a few grids per size and stream on the fastest
 * (probeGrid, src/measure/rotation.ts).
 */
export const COPY_WORKGROUPS = { hardware: 4096, software: 32 } as const;

/** Throws unless bytes is a positive multiple of 16. */
export function checkProbeBytes(kernel: string, bytes: number): void {
  if (!Number.isInteger(bytes) || bytes % 16 !== 0 || bytes < 16)
    throw new Error(`${kernel}.bytes: expected a positive multiple of 16, got ${bytes}`);
}

/** Workgroups of a stream probe (copy, read) of 256 invocations each. */
export function streamWorkgroups(kernel: string, p: ProbeProblem, isSoftware: boolean): number {
  const wanted = p.workgroups ?? (isSoftware ? COPY_WORKGROUPS.software : COPY_WORKGROUPS.hardware);
  if (!Number.isInteger(wanted) || wanted < 1)
    throw new Error(`${kernel}.workgroups: expected a positive integer, got ${wanted}`);
  // More workgroups than vec4 elements would only idle.
  return Math.min(wanted, Math.ceil(p.bytes / 16 / STREAM_WORKGROUP_SIZE));
}

/** Whether a probe (copy, read) walks contiguous chunks per invocation: see ProbeProblem.blocked. */
export function streamBlocked(kernel: string, p: ProbeProblem, isSoftware: boolean): boolean {
  if (p.blocked !== undefined && typeof p.blocked !== 'boolean')
    throw new Error(`${kernel}.blocked: expected true or false, got ${String(p.blocked)}`);
  return p.blocked ?? isSoftware;
}

/** prepare() of a stream probe (copy, read): one dispatch of its entry point from src into dst. */
export async function prepareStreamProbe(
  gpu: Gpu,
  kernel: string,
  entryPoint: 'copy_probe' | 'read_probe',
  p: ProbeProblem,
  io: ProbeIO,
): Promise<KernelRun> {
  checkProbeBytes(kernel, p.bytes);
  checkBinding(gpu, `${kernel} buffer`, p.bytes);
  const workgroups = streamWorkgroups(kernel, p, gpu.adapter.isSoftware);
  checkDispatch(gpu, kernel, [workgroups]);
  return onePass(gpu, {
    kernel,
    shader: SHADER,
    entryPoint,
    constants: {
      WORKGROUP_SIZE: STREAM_WORKGROUP_SIZE,
      BLOCKED: streamBlocked(kernel, p, gpu.adapter.isSoftware) ? 1 : 0,
    },
    bindings: { 0: io.src, 1: io.dst },
    grid: [workgroups],
  });
}

export const copy: ProbeKernel = {
  name: NAME,
  summary:
    'Bandwidth ceiling: vec4 copy (grid-stride, or blocked on CPU adapters), n bytes read and n written.',

  prepare: (gpu, p, io) => prepareStreamProbe(gpu, NAME, 'copy_probe', p, io),

  reference: (src) => src,

  cost: (p) => ({ bytes: 2 * p.bytes, flops: 0 }),
};
