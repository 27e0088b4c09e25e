// fma probe: measures the compute ceiling with register-resident FMA chains (shaders/fma.wgsl).
// One invocation per vec4 of dst (bytes / 16 invocations), each running 32 scalar chains.
// FLOP model: (bytes / 16) · 32 chains · 2 · iterations (the final sums are not counted).
// Bytes model: src read once and dst written once (2 · bytes), small beside the FLOPs.
// reference() runs the same chains on the CPU with Math.fround; they are exact, so dst must match
// bit for bit.

import { packUniform, u32, uniformLayout } from '../gpu/uniform.ts';
import { checkProbeBytes, type ProbeKernel, type ProbeProblem } from './copy.ts';
import { checkBinding, checkDispatch } from './limits.ts';
import { onePass } from './run.ts';

const NAME = 'fma';
const SHADER = new URL('../../shaders/fma.wgsl', import.meta.url);
/** The shader's `struct Params`. */
export const FMA_PARAMS = uniformLayout('Params', [
  ...u32('iterations'),
  ['multiplier', 'f32'],
  ['addend', 'f32'],
]);
const WORKGROUP_SIZE = 256;
/** Scalar FMA chains per invocation: 8 vec4 accumulators. */
export const FMA_CHAINS = 32;
/** Iterations when the problem does not say. */
export const FMA_DEFAULT_ITERATIONS = 256;
/** Keeps every value an integer below 2^24 / 8 (exact in f32, sum of 8 included) for |src| ≤ 1. */
export const FMA_MAX_ITERATIONS = 1 << 20;
/** multiplier and addend of every step; the shader reads them from a uniform. */
const MULTIPLIER = 1;
const ADDEND = 1;
const MAX_GROUPS_X = 65535;

/** The iteration count of a problem, checked. */
export function fmaIterations(p: ProbeProblem): number {
  const n = p.iterations ?? FMA_DEFAULT_ITERATIONS;
  if (!Number.isInteger(n) || n < 1 || n > FMA_MAX_ITERATIONS) {
    throw new Error(`${NAME}.iterations: expected an integer in [1, ${FMA_MAX_ITERATIONS}], got ${n}`);
  }
  return n;
}

function grid(p: ProbeProblem): [number, number] {
  const groups = Math.ceil(p.bytes / 16 / WORKGROUP_SIZE);
  return [Math.min(groups, MAX_GROUPS_X), Math.ceil(groups / MAX_GROUPS_X)];
}

/** The CPU twin: dst as the shader computes it, each chain stepped with Math.fround. */
function reference(src: Float32Array, p: ProbeProblem): Float32Array {
  const iterations = fmaIterations(p);
  const f = Math.fround;
  const chainEnd = new Map<number, number>();
  const end = (start: number): number => {
    let x = chainEnd.get(start);
    if (x === undefined) {
      x = start;
      for (let t = 0; t < iterations; t++) x = f(x * MULTIPLIER + ADDEND);
      chainEnd.set(start, x);
    }
    return x;
  };
  const out = new Float32Array(p.bytes / 4);
  for (let i = 0; i < out.length; i++) {
    const start = Math.floor(f(src[i] * 1024));
    const x = Array.from({ length: 8 }, (_, j) => end(f(start + j)));
    out[i] = f(f(f(x[0] + x[1]) + f(x[2] + x[3])) + f(f(x[4] + x[5]) + f(x[6] + x[7])));
  }
  return out;
}

export const fma: ProbeKernel = {
  name: NAME,
  summary: 'Compute ceiling: 32 independent FMA chains per invocation in registers, one vec4 written.',

  async prepare(gpu, p, io) {
    checkProbeBytes(NAME, p.bytes);
    const iterations = fmaIterations(p);
    checkBinding(gpu, `${NAME} buffer`, p.bytes);
    const [x, y] = grid(p);
    checkDispatch(gpu, NAME, [x, y]);
    return onePass(gpu, {
      kernel: NAME,
      shader: SHADER,
      entryPoint: 'main',
      constants: { WORKGROUP_SIZE },
      params: packUniform(FMA_PARAMS, { iterations, multiplier: MULTIPLIER, addend: ADDEND }),
      bindings: { 1: io.src, 2: io.dst },
      grid: [x, y],
    });
  },

  reference,

  cost: (p) => ({
    bytes: 2 * p.bytes,
    flops: (p.bytes / 16) * FMA_CHAINS * 2 * (p.iterations ?? FMA_DEFAULT_ITERATIONS),
  }),
};
