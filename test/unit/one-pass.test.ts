// onePass(): what a kernel's prepare() created is freed when the pass cannot be built, and handed
// to the run otherwise (a failed compile must not leave buffers for the garbage collector).

import { describe, expect, it } from 'vitest';
import type { Gpu } from '../../src/gpu/gpu.ts';
import { onePass } from '../../src/kernels/run.ts';

function stand(fail: boolean) {
  const destroyed: string[] = [];
  const buffer = (name: string) => ({ destroy: () => destroyed.push(name) }) as unknown as GPUBuffer;
  const gpu = {
    pipeline: async () => {
      if (fail) throw new Error('shader rejected');
      return {} as GPUComputePipeline;
    },
    uniform: (label: string) => buffer(label),
    bindGroup: () => ({}) as GPUBindGroup,
  } as unknown as Gpu;
  return { gpu, destroyed, buffer };
}

/** A one-dispatch pass with a uniform and what prepare() created. */
const passOf = (owned: (GPUBuffer | undefined)[]) => ({
  kernel: 'k',
  shader: new URL('file:///k.wgsl'),
  entryPoint: 'main',
  params: new ArrayBuffer(16),
  bindings: {},
  grid: [1],
  owned,
});

describe('onePass', () => {
  it('frees what prepare() created when the pipeline fails', async () => {
    const { gpu, destroyed, buffer } = stand(true);
    await expect(onePass(gpu, passOf([buffer('table'), undefined]))).rejects.toThrow('shader rejected');
    expect(destroyed).toEqual(['table']);
  });

  it('hands the uniform and what prepare() created to the run, freed by destroy()', async () => {
    const { gpu, destroyed, buffer } = stand(false);
    const run = await onePass(gpu, passOf([buffer('table')]));
    expect(destroyed).toEqual([]);
    run.destroy();
    expect(destroyed).toEqual(['k.params', 'table']);
  });
});
