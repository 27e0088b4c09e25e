// copy probe: measures the bandwidth ceiling. Bytes model: n read + n written. FLOPs: none.

import { checkBinding } from './limits.ts';
import type { Kernel } from './types.ts';

export interface ProbeProblem {
  /** Bytes per buffer (a multiple of 16). */
  bytes: number;
}

/** src holds the input, dst receives the output; both of problem.bytes. */
export interface ProbeIO {
  src: GPUBuffer;
  dst: GPUBuffer;
}

export type ProbeKernel = Kernel<ProbeProblem, ProbeIO>;

const NAME = 'copy';
const SHADER = new URL('../../shaders/copy.wgsl', import.meta.url);
const WORKGROUP_SIZE = 256;
/** Enough invocations to fill any current GPU; the grid-stride loop covers the rest. */
const MAX_WORKGROUPS = 4096;

export const copy: ProbeKernel = {
  name: NAME,
  summary: 'Bandwidth ceiling: vec4 grid-stride copy, n bytes read and n written.',

  async prepare(gpu, p, io) {
    if (p.bytes % 16 !== 0 || p.bytes < 16)
      throw new Error(`copy.bytes: expected a positive multiple of 16, got ${p.bytes}`);
    checkBinding(gpu, `${NAME} buffer`, p.bytes);
    const pipeline = await gpu.pipeline({
      kernel: NAME,
      shader: SHADER,
      entryPoint: 'main',
      constants: { WORKGROUP_SIZE },
    });
    const group = gpu.bindGroup(NAME, pipeline, [io.src, io.dst]);
    const workgroups = Math.min(MAX_WORKGROUPS, Math.ceil(p.bytes / 16 / WORKGROUP_SIZE));
    return {
      encode(pass) {
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(workgroups);
      },
      destroy() {},
    };
  },

  cost: (p) => ({ bytes: 2 * p.bytes, flops: 0 }),
};
