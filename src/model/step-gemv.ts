// The weight matrices of a decode step on the GPU: their buffers in each format (filled from their
// hash streams by weight-fill.wgsl) and the GEMV that multiplies by them, with the residual add in its
// epilogue and, for the down projection, the gating in its prologue where the GEMV offers them.

import type { Gpu } from '../gpu/gpu.ts';
import { checkBinding } from '../kernels/limits.ts';
import { naive } from '../kernels/naive-matmul.ts';
import type { KernelRun } from '../kernels/types.ts';
import type { Gating } from './shapes.ts';
import { fillOnGpu } from './synthetic.ts';
import type { MatrixSpec } from './weights.ts';

/** A weight matrix as the GEMV kernels read it: quantised values and (int8/int4) f16 scales. */
export interface WeightBuffers {
  values: GPUBuffer;
  scales?: GPUBuffer;
  destroy(): void;
}

function scaleCount(m: MatrixSpec): number {
  if (m.format === 'int8') return m.n;
  if (m.format === 'int4') return Math.ceil(m.k / (m.groupSize ?? 32)) * m.n;
  return 0;
}

/** Bytes of the values buffer and of the scales buffer of a matrix. */
export function weightBufferBytes(m: MatrixSpec): { values: number; scales: number } {
  const perWord = { f32: 1, f16: 2, int8: 4, int4: 8 }[m.format];
  return { values: 4 * Math.ceil((m.k * m.n) / perWord), scales: 4 * Math.ceil(scaleCount(m) / 2) };
}

/** Allocates and fills a matrix (submitted, not awaited). */
export async function createWeights(gpu: Gpu, label: string, m: MatrixSpec): Promise<WeightBuffers> {
  const bytes = weightBufferBytes(m);
  checkBinding(gpu, `${label} (${m.k} × ${m.n} ${m.format})`, bytes.values);
  const values = gpu.buffer(label, bytes.values);
  await fillOnGpu(gpu, label, values, { kind: m.format, key: m.key, count: m.k * m.n, exp0: m.exp0 });
  let scales: GPUBuffer | undefined;
  if (bytes.scales) {
    scales = gpu.buffer(`${label}.scales`, bytes.scales);
    await fillOnGpu(gpu, `${label}.scales`, scales, {
      kind: 'f16',
      key: m.scaleKey,
      count: scaleCount(m),
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
  /** The x given is the up projection's output (rows × 2k): gate it on load (act(a) · b). */
  gated?: Gating;
}

/** The GEMV a decode step uses, and what it can fuse. */
export interface StepGemv {
  name: string;
  /** Whether the gating can be fused into the prologue (else the step runs the gate pass). */
  fusesGate(m: MatrixSpec): boolean;
  prepare(gpu: Gpu, m: MatrixSpec, w: WeightBuffers, call: GemvCall): Promise<KernelRun>;
}

/**
 * Interim GEMV: the naive matmul with m = rows, f32 weights only, the residual as its bias (one
 * row only). Used until the decode-time GEMV kernels are in the registry.
 */
export const matmulGemv: StepGemv = {
  name: 'naive',
  fusesGate: () => false,
  async prepare(gpu, m, w, call) {
    if (m.format !== 'f32') throw new Error(`decodeStep.format: '${m.format}' needs the GEMV kernels`);
    if (call.residual && call.rows !== 1) throw new Error('decodeStep.batch: above 1 needs the GEMV kernels');
    if (call.gated) throw new Error('decodeStep: the matmul cannot gate its input');
    return naive.prepare(
      gpu,
      { m: call.rows, k: m.k, n: m.n, bias: call.residual !== undefined },
      { a: call.x, b: w.values, c: call.y, bias: call.residual },
    );
  },
};
