// The weight matrices of a decode step on the GPU: their buffers in the GEMV kernels' packed layout
// (src/kernels/gemv-common.ts), filled from their hash streams by weight-fill.wgsl, and the GEMV
// that multiplies by them: the kernel of the format (`auto`), with the residual add in its epilogue
// and, for the down projection, the GeGLU/SwiGLU gating in its prologue.

import type { Gpu } from '../gpu/gpu.ts';
import { type GemvProblem, gemvLayout } from '../kernels/gemv-common.ts';
import { formatBytes } from '../kernels/limits.ts';
import { selectGemvKernel } from '../kernels/registry.ts';
import type { KernelRun } from '../kernels/types.ts';
import type { Gating } from './shapes.ts';
import { fillOnGpu } from './synthetic.ts';
import type { MatrixSpec } from './weights.ts';

/** A weight matrix as the GEMV kernels read it: packed values and (int8/int4) f16 scales. */
export interface WeightBuffers {
  values: GPUBuffer;
  scales?: GPUBuffer;
  destroy(): void;
}

function layoutOf(m: MatrixSpec) {
  return gemvLayout({ k: m.k, n: m.n, format: m.format, groupSize: m.groupSize });
}

/** Bytes of the values buffer and of the scales buffer of a matrix. */
export function weightBufferBytes(m: MatrixSpec): { values: number; scales: number } {
  const layout = layoutOf(m);
  return { values: layout.weightBytes, scales: layout.scaleBytes };
}

/** Throws unless the matrix is in the GEMV layout without padding (the step's activations have no row padding). */
export function checkStepMatrix(m: MatrixSpec): void {
  const layout = layoutOf(m);
  if (layout.kPadded !== m.k || layout.nPadded !== m.n) {
    throw new Error(
      `decodeStep: the ${m.name} matrix (${m.k} × ${m.n}) needs k a multiple of ${layout.stepK} and n a multiple of 4`,
    );
  }
}

/** Allocates and fills a matrix (submitted, not awaited). Throws naming maxBufferSize when it cannot fit. */
export async function createWeights(gpu: Gpu, label: string, m: MatrixSpec): Promise<WeightBuffers> {
  checkStepMatrix(m);
  const layout = layoutOf(m);
  const limit = gpu.limits.maxBufferSize;
  if (layout.weightBytes > limit) {
    throw new Error(
      `${label}: ${m.k} × ${m.n} ${m.format} weights need ${formatBytes(layout.weightBytes)} in one buffer, over this device's maxBufferSize of ${formatBytes(limit)} (measure a tensor-parallel slice: tp)`,
    );
  }
  const values = gpu.buffer(label, layout.weightBytes);
  await fillOnGpu(gpu, label, values, {
    kind: m.format,
    key: m.key,
    count: m.k * m.n,
    exp0: m.exp0,
    columns: m.n,
  });
  let scales: GPUBuffer | undefined;
  if (layout.scaleBytes) {
    scales = gpu.buffer(`${label}.scales`, layout.scaleBytes);
    await fillOnGpu(gpu, `${label}.scales`, scales, {
      kind: 'f16',
      key: m.scaleKey,
      count: layout.scaleRows * m.n,
      exp0: m.scaleExp0,
    });
  }
  return {
    values,
    scales,
    destroy() {
      values.destroy();
      scales?.destroy();
    },
  };
}

export interface GemvCall {
  rows: number;
  /** y = x · W (+ residual) */
  x: GPUBuffer;
  y: GPUBuffer;
  residual?: GPUBuffer;
  /** The x given is the up projection's output (rows × 2k, act half first): gate it on load. */
  gated?: Gating;
}

/** The GEMV a decode step uses. */
export interface StepGemv {
  /** Whether the gating is fused into the prologue (else the step runs the gate pass). */
  fusesGate: boolean;
  /** The registry name of the kernel used for a matrix. */
  kernelName(gpu: Gpu, m: MatrixSpec): string;
  prepare(gpu: Gpu, m: MatrixSpec, w: WeightBuffers, call: GemvCall): Promise<KernelRun>;
}

function problemOf(m: MatrixSpec, call: Pick<GemvCall, 'rows' | 'residual' | 'gated'>): GemvProblem {
  return {
    k: m.k,
    n: m.n,
    rows: call.rows,
    format: m.format,
    ...(m.format === 'int4' ? { groupSize: m.groupSize } : {}),
    ...(call.residual ? { residual: true } : {}),
    ...(call.gated ? { gate: call.gated === 'geglu' ? 'gelu' : 'silu' } : {}),
  };
}

/** The GEMV kernels of the registry ('auto': the kernel of the weight format), gating fused. */
export const registryGemv: StepGemv = {
  fusesGate: true,
  kernelName: (gpu, m) => selectGemvKernel(gpu, problemOf(m, { rows: 1 }), 'auto').name,
  prepare(gpu, m, w, call) {
    const problem = problemOf(m, call);
    const kernel = selectGemvKernel(gpu, problem, 'auto');
    return kernel.prepare(gpu, problem, {
      x: call.x,
      weights: w.values,
      ...(w.scales ? { scales: w.scales } : {}),
      ...(call.residual ? { residual: call.residual } : {}),
      y: call.y,
    });
  },
};
