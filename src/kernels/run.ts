// The KernelRun most kernels return: a fixed list of dispatches recorded into the caller's open
// compute pass (in order, so each may read what the one before wrote), and the objects that
// prepare() created, freed by destroy(). onePass() is the whole prepare() tail of a kernel of one
// dispatch: pipeline, uniform, bind group, run.

import type { Gpu, PipelineSpec } from '../gpu/gpu.ts';
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

/** A kernel of one dispatch: its pipeline, its packed `struct Params` (bound at 0), the other bindings. */
export interface OnePass extends PipelineSpec {
  /** Names the uniform and the bind group (default: kernel, which names and keys the pipeline). */
  label?: string;
  params?: ArrayBuffer;
  bindings: Readonly<Record<number, GPUBuffer>>;
  grid: readonly number[];
  /** What else prepare() created for this run (freed after the uniform). */
  owned?: readonly Owned[];
}

/**
 * Compiles (or takes from the cache) the pass's pipeline, then uploads its params and binds them.
 * Where that fails (a shader the adapter rejects, no memory), what prepare() created is freed here:
 * no run exists to free it later.
 */
export async function onePass(gpu: Gpu, pass: OnePass): Promise<KernelRun> {
  const { label = pass.kernel, params: words, bindings, grid, owned = [], ...spec } = pass;
  let params: GPUBuffer | undefined;
  try {
    const pipeline = await gpu.pipeline(spec);
    params = words ? gpu.uniform(`${label}.params`, words) : undefined;
    const group = gpu.bindGroup(label, pipeline, params ? { 0: params, ...bindings } : bindings);
    return dispatchRun([{ pipeline, group, grid }], [params, ...owned]);
  } catch (error) {
    dispatchRun([], [params, ...owned]).destroy();
    throw error;
  }
}
