// attention(), matmul() and gemv(): validate, pick a kernel, run it once, read the output back.

import type { Gpu } from './gpu/gpu.ts';
import { gemvLayout } from './kernels/gemv-common.ts';
import { checkGemvFits, planGemv } from './kernels/gemv-plan.ts';
import { type GemvInput, packActivations, padRows, validateGemv } from './kernels/gemv-validate.ts';
import { formatBytes } from './kernels/limits.ts';
import type { QuantizedMatrix } from './kernels/quantize.ts';
import { selectAttentionKernel, selectGemvKernel, selectMatmulKernel } from './kernels/registry.ts';
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

/**
 * x · W (+ residual) on the GPU for 1–16 rows; x is (rows, k) — (rows, 2k) with a gate —, W a
 * quantize()d matrix; returns y (rows, n).
 */
export async function gemv(
  gpu: Gpu,
  x: Float32Array,
  qw: QuantizedMatrix,
  options: GemvInput & RunOptions,
): Promise<Float32Array> {
  const problem = validateGemv(x, qw, options);
  const kernel = selectGemvKernel(gpu, problem, options.kernel ?? 'auto');
  checkGemvFits(gpu, kernel.name, problem, planGemv(gpu, problem));
  const { rows, n } = problem;
  const layout = gemvLayout(problem);
  const xPadded = packActivations(x, problem, layout);
  const outputBytes = 4 * rows * layout.nPadded;
  const y = await runOnce(gpu, `gemv(${kernel.name})`, outputBytes, async (owned) => {
    const io = {
      x: owned(gpu.upload(`${kernel.name}.x`, xPadded)),
      weights: owned(gpu.upload(`${kernel.name}.weights`, qw.weights)),
      scales:
        qw.scales && layout.scaleWords ? owned(gpu.upload(`${kernel.name}.scales`, qw.scales)) : undefined,
      residual: options.residual
        ? owned(gpu.upload(`${kernel.name}.residual`, padRows(options.residual, rows, n, layout.nPadded)))
        : undefined,
      y: owned(gpu.buffer(`${kernel.name}.y`, outputBytes)),
    };
    return { run: await kernel.prepare(gpu, problem, io), output: io.y };
  });
  const out = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) out.set(y.subarray(r * layout.nPadded, r * layout.nPadded + n), r * n);
  return out;
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
