// naive matmul (shaders/matmul.wgsl, entry point naive): one invocation per output, operands straight
// from global memory.
// Bytes model: a, b (and bias) read once, c written once — the compulsory traffic of any matmul.
// FLOP model: 2·m·n·k (plus nothing for the epilogue).

import { checkDispatch } from './limits.ts';
import { checkMatmulBindings, matmulCost, matmulParams } from './matmul-common.ts';
import { onePass } from './run.ts';
import type { MatmulKernel } from './types.ts';

const NAME = 'naive';
const SHADER = new URL('../../shaders/matmul.wgsl', import.meta.url);
const TILE_X = 16;
const TILE_Y = 16;

export const naive: MatmulKernel = {
  name: NAME,
  summary: 'One invocation per output element; every operand read from global memory.',

  async prepare(gpu, p, io) {
    checkMatmulBindings(gpu, NAME, p);
    const grid = [Math.ceil(p.n / TILE_X), Math.ceil(p.m / TILE_Y)] as const;
    checkDispatch(gpu, NAME, grid);
    const noBias = io.bias ? undefined : gpu.buffer(`${NAME}.noBias`, 4);
    return onePass(gpu, {
      kernel: NAME,
      shader: SHADER,
      entryPoint: 'naive',
      constants: { WG_X: TILE_X, WG_Y: TILE_Y },
      params: matmulParams(p),
      bindings: { 1: io.a, 2: io.b, 3: io.bias ?? noBias!, 4: io.c },
      grid,
      owned: [noBias],
    });
  },

  cost: matmulCost,
};
