// rmsnorm and layernorm (shaders/norm.wgsl, an entry point each): the norms of a decoder layer,
// one workgroup per row. Bytes model: x read once (the second and third sweeps hit the cache: a row
// is at most a few tens of KB), gamma (and beta) read once, y written once, all f32.
// FLOP model: 4 per element (rmsnorm), 7 per element (layernorm).
// Override: WORKGROUP_SIZE, a power of two: 256 on GPUs, 64 on software adapters (a CPU thread takes
// a workgroup whole, and rows are short); createNorm's adapterKind forces either (tests run both).

import { type AdapterKind, type Gpu, isSoftwareKind } from '../gpu/gpu.ts';
import { packUniform, u32, uniformLayout } from '../gpu/uniform.ts';
import type { NormKind } from './formats.ts';
import { checkBinding, checkDispatch, checkInvocations } from './limits.ts';
import { onePass } from './run.ts';
import type { Kernel } from './types.ts';

/** `struct Params` of norm.wgsl. */
export const NORM_PARAMS = uniformLayout('Params', [...u32('rows', 'width'), ['eps', 'f32']]);

export interface NormProblem {
  rows: number;
  width: number;
  eps: number;
}

export interface NormIO {
  x: GPUBuffer;
  gamma: GPUBuffer;
  /** layernorm only. */
  beta?: GPUBuffer;
  y: GPUBuffer;
}

export type NormKernel = Kernel<NormProblem, NormIO>;

const SHADER = new URL('../../shaders/norm.wgsl', import.meta.url);

/** Throws an Error naming the field unless the problem is a valid norm. */
export function checkNormProblem(name: string, p: NormProblem): void {
  for (const field of ['rows', 'width'] as const) {
    const value = p[field];
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`${name}.${field}: expected a positive integer, got ${value}`);
    }
  }
  if (!(p.eps > 0 && Number.isFinite(p.eps)))
    throw new Error(`${name}.eps: expected a number above 0, got ${p.eps}`);
}

/** A norm kernel; `adapterKind` forces that adapter kind's workgroup size (default: its own). */
export function createNorm(kind: NormKind, options: { adapterKind?: AdapterKind } = {}): NormKernel {
  const name = kind;
  return {
    name,
    summary:
      kind === 'rmsnorm'
        ? 'RMSNorm of each row (Llama): x / rms(x) · gamma, one workgroup per row.'
        : 'LayerNorm of each row (GLM-130B): (x − mean) / std · gamma + beta, one workgroup per row.',
    async prepare(gpu: Gpu, p, io) {
      checkNormProblem(name, p);
      if (kind === 'layernorm' && !io.beta) throw new Error(`${name}.beta: layernorm needs a beta buffer`);
      const workgroupSize = isSoftwareKind(gpu, options.adapterKind) ? 64 : 256;
      checkInvocations(gpu, `${name} workgroupSize`, workgroupSize);
      checkDispatch(gpu, name, [p.rows]);
      checkBinding(gpu, `${name} x (rows × width)`, 4 * p.rows * p.width);
      const bindings: Record<number, GPUBuffer> = { 1: io.x, 2: io.gamma, 3: io.y };
      if (kind === 'layernorm' && io.beta) bindings[4] = io.beta;
      return onePass(gpu, {
        kernel: name,
        shader: SHADER,
        entryPoint: kind,
        constants: { WORKGROUP_SIZE: workgroupSize },
        params: packUniform(NORM_PARAMS, { rows: p.rows, width: p.width, eps: p.eps }),
        bindings,
        grid: [p.rows],
      });
    },
    cost(p) {
      const vectors = kind === 'layernorm' ? 2 : 1;
      return {
        bytes: 4 * (2 * p.rows * p.width + vectors * p.width),
        flops: (kind === 'layernorm' ? 7 : 4) * p.rows * p.width,
      };
    },
  };
}

export const rmsnorm = createNorm('rmsnorm');
export const layernorm = createNorm('layernorm');
export const normKernels: Readonly<Record<NormKind, NormKernel>> = Object.freeze({ rmsnorm, layernorm });
