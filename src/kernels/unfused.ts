// unfused attention: three dispatches (scores, softmax, PV) through an S buffer in global memory.
// Bytes model: Q, K, V read and O written once, plus S written (scores), read and written as P
// (softmax), and P read (pv): 4 · heads·seqQ·seqK · 4 bytes on top of the IO.
// FLOP model: 4 · heads·seqQ·seqK·headDim (QKᵀ and PV; every pair is computed, masked or not).

import { uniformLayout } from '../gpu/uniform.ts';
import {
  type AdapterKind,
  ATTENTION_FIELDS,
  attentionCost,
  attentionParams,
  isSoftwareKind,
  maskLayoutBuffer,
} from './attention-common.ts';
import { checkBinding, checkDispatch } from './limits.ts';
import { dispatchRun } from './run.ts';
import type { AttentionKernel } from './types.ts';

const NAME = 'unfused';
const SHADER = new URL('../../shaders/unfused-attention.wgsl', import.meta.url);
/** The shader's `struct Params`: the shared attention fields only. */
export const UNFUSED_PARAMS = uniformLayout('Params', ATTENTION_FIELDS);
/** Invocations per workgroup in all three passes; a power of two (softmax reduces by halving). */
const WORKGROUP_SIZE = 64;
/** Query rows per workgroup of scores_tiled (the shader's TILE_ROWS). */
const TILE_ROWS = 4;

export interface UnfusedOptions {
  name?: string;
  /**
   * Scores through cooperative, coalesced K tiles in workgroup memory (scores_tiled), or one
   * invocation per score reading its K row from storage. Default: tiled on hardware adapters.
   */
  tiled?: boolean;
  /** Take this adapter kind's defaults instead of the device's own. */
  adapterKind?: AdapterKind;
}

/** An unfused kernel taking the given scores path. */
export function createUnfused(options: UnfusedOptions = {}): AttentionKernel {
  const name = options.name ?? NAME;
  return {
    name,
    summary: 'Three passes through global memory: S = scale·QKᵀ (masked), row softmax, O = PV.',

    async prepare(gpu, p, io) {
      const tiled = options.tiled ?? !isSoftwareKind(gpu, options.adapterKind);
      const scoreBytes = 4 * p.heads * p.seqQ * p.seqK;
      checkBinding(gpu, `${name} scores S (heads × seqQ × seqK f32)`, scoreBytes);
      const grids = {
        scores: [Math.ceil(p.seqK / WORKGROUP_SIZE), tiled ? Math.ceil(p.seqQ / TILE_ROWS) : p.seqQ, p.heads],
        softmax: [p.seqQ, p.heads, 1],
        pv: [Math.ceil((p.seqQ * p.headDim) / WORKGROUP_SIZE), p.heads, 1],
      } as const;
      for (const [pass, grid] of Object.entries(grids)) checkDispatch(gpu, `${name}.${pass}`, grid);

      const constants = { WORKGROUP_SIZE };
      const [scores, softmax, pv] = await Promise.all(
        [tiled ? 'scores_tiled' : 'scores', 'softmax', 'pv'].map((entryPoint) =>
          gpu.pipeline({ kernel: name, shader: SHADER, entryPoint, constants }),
        ),
      );
      const params = gpu.uniform(`${name}.params`, attentionParams(UNFUSED_PARAMS, p, {}));
      const maskLayout = maskLayoutBuffer(gpu, NAME, p);
      const s = gpu.buffer(`${name}.scores`, scoreBytes);
      // 'auto' layouts hold only the bindings an entry point uses, hence one list per pass.
      return dispatchRun(
        [
          {
            pipeline: scores,
            group: gpu.bindGroup(`${name}.scores`, scores, {
              0: params,
              1: io.q,
              2: io.k,
              4: maskLayout,
              5: s,
            }),
            grid: grids.scores,
          },
          {
            pipeline: softmax,
            group: gpu.bindGroup(`${name}.softmax`, softmax, { 0: params, 5: s }),
            grid: grids.softmax,
          },
          {
            pipeline: pv,
            group: gpu.bindGroup(`${name}.pv`, pv, { 0: params, 3: io.v, 5: s, 6: io.o }),
            grid: grids.pv,
          },
        ],
        [params, maskLayout, s],
      );
    },

    // S written and read, P written and read.
    cost: (p) => attentionCost(p, { scratchBytesPerPair: 4 * 4 }),
  };
}

export const unfused = createUnfused();
