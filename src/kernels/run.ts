// The KernelRun most kernels return: a fixed list of dispatches recorded into the caller's open
// compute pass (in order, so each may read what the one before wrote), and the objects that
// prepare() created, freed by destroy().

import type { KernelRun } from './types.ts';

/** One dispatch: a pipeline, its bind group 0 and the workgroup counts (missing ones are 1). */
export interface DispatchStep {
  pipeline: GPUComputePipeline;
  group: GPUBindGroup;
  grid: readonly number[];
}

/** Something prepare() created; undefined where it created nothing (e.g. an optional stand-in). */
export type Owned = { destroy(): void } | undefined;

/** A run that records `steps` in order and destroys `owned` in order. */
export function dispatchRun(steps: readonly DispatchStep[], owned: readonly Owned[] = []): KernelRun {
  return {
    encode(pass) {
      for (const { pipeline, group, grid } of steps) {
        const [x, y = 1, z = 1] = grid;
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(x, y, z);
      }
    },
    destroy() {
      for (const object of owned) object?.destroy();
    },
  };
}
