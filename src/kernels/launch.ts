// The one upload → prepare → run once → read back sequence. The library API (src/api.ts), the
// benchmark harness (src/measure/), the top-k builder (src/masks/topk.ts) and the GPU tests all call
// a kernel this way: buffers allocated and the kernel prepared inside error scopes (out of memory
// names the buffers asked for), one call recorded into one pass, the output read back.

import { GpuScopeError } from '../gpu/errors.ts';
import type { Gpu } from '../gpu/gpu.ts';
import { formatBytes } from './limits.ts';
import type { AttentionKernel, AttentionProblem, KernelRun, MatmulKernel, MatmulProblem } from './types.ts';

/** Registers a buffer as owned by the call (freed with it) and returns it. */
export type Own = (buffer: GPUBuffer) => GPUBuffer;

/** What a call's set-up returns: the prepared kernel and the buffer one call writes its result to. */
export interface CallSetup {
  run: KernelRun;
  output: GPUBuffer;
  /** Bytes to read back (default: the whole output buffer). */
  outputBytes?: number;
}

/** A prepared call: run it (runOnce, or encode it into timed passes), then destroy it. */
export interface PreparedCall {
  run: KernelRun;
  output: GPUBuffer;
  outputBytes: number;
  /** Frees the kernel's scratch and every owned buffer. */
  destroy(): void;
}

/** The buffers' names (their labels after the last dot) and sizes: "q 4.0 KiB, k 4.0 KiB". */
function describeBuffers(buffers: readonly GPUBuffer[]): string {
  return buffers.map((b) => `${b.label.split('.').pop()} ${formatBytes(b.size)}`).join(', ');
}

/**
 * Allocates a call's buffers (through `own`) and prepares its kernel inside error scopes. On failure
 * everything is freed; out of GPU memory becomes an Error that names the buffers asked for.
 */
export async function prepareCall(
  gpu: Gpu,
  label: string,
  setup: (own: Own) => Promise<CallSetup>,
): Promise<PreparedCall> {
  const owned: GPUBuffer[] = [];
  let run: KernelRun | undefined;
  const destroy = () => {
    run?.destroy();
    for (const buffer of owned) buffer.destroy();
  };
  try {
    const made = await gpu.scoped(label, async () => {
      const result = await setup((buffer) => {
        owned.push(buffer);
        return buffer;
      });
      run = result.run;
      return result;
    });
    return { run: made.run, output: made.output, outputBytes: made.outputBytes ?? made.output.size, destroy };
  } catch (error) {
    destroy();
    if (error instanceof GpuScopeError && error.kind === 'out-of-memory') {
      const total = owned.reduce((sum, b) => sum + b.size, 0);
      throw new Error(
        `${label}: out of GPU memory asking for ${describeBuffers(owned)} (${formatBytes(total)} in all, plus the kernel's scratch): ${error.message}`,
      );
    }
    throw error;
  }
}

/** Records one call into one pass, submits it inside error scopes and reads the output back. */
export async function runOnce(gpu: Gpu, label: string, call: PreparedCall): Promise<Float32Array> {
  await gpu.scoped(label, () => {
    const encoder = gpu.device.createCommandEncoder({ label });
    const pass = encoder.beginComputePass({ label });
    call.run.encode(pass);
    pass.end();
    gpu.device.queue.submit([encoder.finish()]);
  });
  return new Float32Array(await gpu.read(call.output, call.outputBytes));
}

/** One call of a kernel on arrays: prepareCall, runOnce, then everything freed. */
export async function callOnce(
  gpu: Gpu,
  label: string,
  setup: (own: Own) => Promise<CallSetup>,
): Promise<Float32Array> {
  const call = await prepareCall(gpu, label, setup);
  try {
    return await runOnce(gpu, label, call);
  } finally {
    call.destroy();
  }
}

/** The set-up of an attention call: q, k, v uploaded, o allocated (the library API's layouts). */
export function attentionBuffers(
  gpu: Gpu,
  kernel: AttentionKernel,
  problem: AttentionProblem,
  data: { q: Float32Array; k: Float32Array; v: Float32Array },
): (own: Own) => Promise<CallSetup> {
  return async (own) => {
    const io = {
      q: own(gpu.upload(`${kernel.name}.q`, data.q)),
      k: own(gpu.upload(`${kernel.name}.k`, data.k)),
      v: own(gpu.upload(`${kernel.name}.v`, data.v)),
      o: own(gpu.buffer(`${kernel.name}.o`, 4 * problem.heads * problem.seqQ * problem.headDim)),
    };
    return { run: await kernel.prepare(gpu, problem, io), output: io.o };
  };
}

/** The set-up of a matmul call: a, b (and bias) uploaded, c allocated. */
export function matmulBuffers(
  gpu: Gpu,
  kernel: MatmulKernel,
  problem: MatmulProblem,
  data: { a: Float32Array; b: Float32Array; bias?: Float32Array },
): (own: Own) => Promise<CallSetup> {
  return async (own) => {
    const io = {
      a: own(gpu.upload(`${kernel.name}.a`, data.a)),
      b: own(gpu.upload(`${kernel.name}.b`, data.b)),
      c: own(gpu.buffer(`${kernel.name}.c`, 4 * problem.m * problem.n)),
      bias: data.bias ? own(gpu.upload(`${kernel.name}.bias`, data.bias)) : undefined,
    };
    return { run: await kernel.prepare(gpu, problem, io), output: io.c };
  };
}
