// attention() and matmul(): validate, pick a kernel, run it once, read the output back.

import type { Gpu } from './gpu/gpu.ts';
import { formatBytes } from './kernels/limits.ts';
import { selectAttentionKernel, selectMatmulKernel } from './kernels/registry.ts';
import type { KernelRun } from './kernels/types.ts';
import {
  type AttentionInput,
  type MatmulInput,
  validateAttention,
  validateMatmul,
} from './kernels/validate.ts';

export interface RunOptions {
  /** 'auto' or a name in attentionKernels / matmulKernels. */
  kernel?: string;
}

/** softmax(scale·QKᵀ, masked)·V on the GPU; returns o (heads, seqQ, headDim). */
export async function attention(
  gpu: Gpu,
  input: AttentionInput,
  options: RunOptions = {},
): Promise<Float32Array> {
  const problem = validateAttention(input, gpu.limits);
  const kernel = selectAttentionKernel(gpu, problem, options.kernel ?? 'auto');
  const outputBytes = 4 * problem.heads * problem.seqQ * problem.headDim;
  return runOnce(gpu, `attention(${kernel.name})`, outputBytes, async (owned) => {
    const io = {
      q: owned(gpu.upload(`${kernel.name}.q`, input.q)),
      k: owned(gpu.upload(`${kernel.name}.k`, input.k)),
      v: owned(gpu.upload(`${kernel.name}.v`, input.v)),
      o: owned(gpu.buffer(`${kernel.name}.o`, outputBytes)),
    };
    return { run: await kernel.prepare(gpu, problem, io), output: io.o };
  });
}

/** act(a·b + bias) on the GPU; a is (m, k), b is (k, n); returns c (m, n). */
export async function matmul(
  gpu: Gpu,
  a: Float32Array,
  b: Float32Array,
  options: MatmulInput & RunOptions,
): Promise<Float32Array> {
  const problem = validateMatmul(a, b, options, gpu.limits);
  const kernel = selectMatmulKernel(gpu, problem, options.kernel ?? 'auto');
  const outputBytes = 4 * problem.m * problem.n;
  return runOnce(gpu, `matmul(${kernel.name})`, outputBytes, async (owned) => {
    const io = {
      a: owned(gpu.upload(`${kernel.name}.a`, a)),
      b: owned(gpu.upload(`${kernel.name}.b`, b)),
      c: owned(gpu.buffer(`${kernel.name}.c`, outputBytes)),
      bias: options.bias ? owned(gpu.upload(`${kernel.name}.bias`, options.bias)) : undefined,
    };
    return { run: await kernel.prepare(gpu, problem, io), output: io.c };
  });
}

function describeSizes(buffers: GPUBuffer[]): string {
  const total = buffers.reduce((sum, b) => sum + b.size, 0);
  return `${formatBytes(total)} (${buffers.map((b) => `${b.label} ${formatBytes(b.size)}`).join(', ')})`;
}

type Setup = (owned: (buffer: GPUBuffer) => GPUBuffer) => Promise<{ run: KernelRun; output: GPUBuffer }>;

/** Allocates, encodes one call in one pass, submits and reads back, inside error scopes; frees everything. */
async function runOnce(gpu: Gpu, what: string, outputBytes: number, setup: Setup): Promise<Float32Array> {
  const buffers: GPUBuffer[] = [];
  let run: KernelRun | undefined;
  try {
    const output = await gpu.scoped(
      () => `${what}, buffers of ${describeSizes(buffers)}`,
      async () => {
        const prepared = await setup((buffer) => {
          buffers.push(buffer);
          return buffer;
        });
        run = prepared.run;
        const encoder = gpu.device.createCommandEncoder({ label: what });
        const pass = encoder.beginComputePass({ label: what });
        prepared.run.encode(pass);
        pass.end();
        gpu.device.queue.submit([encoder.finish()]);
        return prepared.output;
      },
    );
    return new Float32Array(await gpu.read(output, outputBytes));
  } finally {
    run?.destroy();
    for (const buffer of buffers) buffer.destroy();
  }
}
