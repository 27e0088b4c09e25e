// gate (shaders/gate.wgsl): h = act(a) · b of a gated feed-forward layer (GeGLU: GELU, SwiGLU: SiLU)
// as a pass of its own, for when the down projection cannot gate in its prologue.
// Bytes model: the up output (rows × 2·ffn) read once, h (rows × ffn) written once, f32.
// FLOP model: about 10 per element (the activation and the product).

import type { Gpu } from '../gpu/gpu.ts';
import { packUniform, u32, uniformLayout } from '../gpu/uniform.ts';
import { elementGrid } from './elementwise.ts';
import type { Gating } from './formats.ts';
import { checkInvocations } from './limits.ts';
import { onePass } from './run.ts';
import type { Kernel } from './types.ts';

export interface GateProblem {
  rows: number;
  ffn: number;
  gating: Gating;
}

export interface GateIO {
  /** (rows, 2·ffn): act input in columns [0, ffn), linear in [ffn, 2·ffn). */
  up: GPUBuffer;
  /** (rows, ffn) */
  h: GPUBuffer;
}

const NAME = 'gate';
const SHADER = new URL('../../shaders/gate.wgsl', import.meta.url);
/** The shader's `struct Params`. */
export const GATE_PARAMS = uniformLayout('Params', u32('rows', 'ffn'));
const WORKGROUP_SIZE = 256;

export const gate: Kernel<GateProblem, GateIO> = {
  name: NAME,
  summary: 'GeGLU / SwiGLU gating h = act(a) · b as its own pass (fused into the down GEMV where it can be).',
  async prepare(gpu: Gpu, p, io) {
    for (const field of ['rows', 'ffn'] as const) {
      if (!Number.isInteger(p[field]) || p[field] < 1) {
        throw new Error(`${NAME}.${field}: expected a positive integer, got ${p[field]}`);
      }
    }
    if (p.gating !== 'geglu' && p.gating !== 'swiglu') {
      throw new Error(`${NAME}.gating: expected 'geglu' or 'swiglu', got '${String(p.gating)}'`);
    }
    checkInvocations(gpu, NAME, WORKGROUP_SIZE);
    const grid = elementGrid(gpu, NAME, p.rows * p.ffn, WORKGROUP_SIZE);
    return onePass(gpu, {
      kernel: NAME,
      shader: SHADER,
      entryPoint: 'main',
      constants: { WORKGROUP_SIZE, SWIGLU: p.gating === 'swiglu' ? 1 : 0 },
      params: packUniform(GATE_PARAMS, { rows: p.rows, ffn: p.ffn }),
      bindings: { 1: io.up, 2: io.h },
      grid,
    });
  },
  cost(p) {
    return { bytes: 4 * 3 * p.rows * p.ffn, flops: 10 * p.rows * p.ffn };
  },
};
