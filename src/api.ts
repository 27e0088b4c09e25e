// attention(), matmul() and gemv(): validate, pick a kernel, run it once, read the output back.

import { checkGpu, type Gpu } from './gpu/gpu.ts';
import { gemvLayout } from './kernels/gemv-common.ts';
import { checkGemvFits, planGemv } from './kernels/gemv-plan.ts';
import {
  GEMV_INPUT_FIELDS,
  type GemvInput,
  packActivations,
  padRows,
  validateGemv,
} from './kernels/gemv-validate.ts';
import { attentionBuffers, callOnce, matmulBuffers } from './kernels/launch.ts';
import { checkHalfRange, type QuantizedMatrix } from './kernels/quantize.ts';
import {
  findEntry,
  selectAttentionKernel,
  selectGemvKernel,
  selectMatmulKernel,
} from './kernels/registry.ts';
import {
  ATTENTION_INPUT_FIELDS,
  type AttentionInput,
  checkKnownFields,
  MATMUL_INPUT_FIELDS,
  type MatmulInput,
  validateAttention,
  validateMatmul,
} from './kernels/validate.ts';
import { describeValue } from './util/text.ts';

export interface RunOptions {
  /** 'auto' or a name in attentionKernels / matmulKernels. */
  kernel?: string;
  /**
   * Called with the name of the kernel that runs, before it runs: what 'auto' chose (or the kernel
   * named). The call still returns the output alone.
   */
  onKernel?: (name: string) => void;
}

const RUN_OPTION_FIELDS = ['kernel', 'onKernel'] as const;

/** Throws on an unknown field of `options` (a typo would otherwise be ignored) or an onKernel that is not a function. */
function checkRunOptions(what: string, options: RunOptions, fields: readonly string[] = []): void {
  checkKnownFields(what, options, [...fields, ...RUN_OPTION_FIELDS]);
  if (options.onKernel !== undefined && typeof options.onKernel !== 'function') {
    throw new Error(
      `options.onKernel: expected a function (name) => void, got ${describeValue(options.onKernel)}`,
    );
  }
}

/**
 * softmax(scale·QKᵀ, masked)·V on the GPU; returns o (heads, seqQ, headDim). options may be left
 * out (or undefined); null is rejected, as matmul() and gemv() reject null options.
 */
export async function attention(
  gpu: Gpu,
  input: AttentionInput,
  options: RunOptions = {},
): Promise<Float32Array> {
  checkGpu(gpu);
  if (typeof options !== 'object' || options === null)
    throw new Error(`attention options: expected an object or undefined, got ${describeValue(options)}`);
  checkRunOptions('attention options', options);
  const problem = validateAttention(input, gpu.limits);
  checkKnownFields('attention input', input, ATTENTION_INPUT_FIELDS);
  const kernel = selectAttentionKernel(gpu, problem, options.kernel === undefined ? 'auto' : options.kernel);
  if (findEntry(kernel.name)?.precision === 'f16') {
    const why = ` (${kernel.name} stores K and V as f16)`;
    checkHalfRange('k', input.k, why);
    checkHalfRange('v', input.v, why);
  }
  options.onKernel?.(kernel.name);
  return callOnce(gpu, `attention(${kernel.name})`, attentionBuffers(gpu, kernel, problem, input));
}

/** act(a·b + bias) on the GPU; a is (m, k), b is (k, n); returns c (m, n). */
export async function matmul(
  gpu: Gpu,
  a: Float32Array,
  b: Float32Array,
  options: MatmulInput & RunOptions,
): Promise<Float32Array> {
  checkGpu(gpu);
  const problem = validateMatmul(a, b, options, gpu.limits);
  checkRunOptions('matmul options', options, MATMUL_INPUT_FIELDS);
  const kernel = selectMatmulKernel(gpu, problem, options.kernel === undefined ? 'auto' : options.kernel);
  options.onKernel?.(kernel.name);
  return callOnce(
    gpu,
    `matmul(${kernel.name})`,
    matmulBuffers(gpu, kernel, problem, { a, b, bias: options.bias }),
  );
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
  checkGpu(gpu);
  const problem = validateGemv(x, qw, options);
  checkRunOptions('gemv options', options, GEMV_INPUT_FIELDS);
  const kernel = selectGemvKernel(gpu, problem, options.kernel === undefined ? 'auto' : options.kernel);
  checkGemvFits(gpu, kernel.name, problem, planGemv(gpu, problem));
  options.onKernel?.(kernel.name);
  const { rows, n } = problem;
  const layout = gemvLayout(problem);
  const xPadded = packActivations(x, problem, layout);
  const outputBytes = 4 * rows * layout.nPadded;
  const y = await callOnce(gpu, `gemv(${kernel.name})`, async (owned) => {
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
    return { run: await kernel.prepare(gpu, problem, io), output: io.y, outputBytes };
  });
  const out = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) out.set(y.subarray(r * layout.nPadded, r * layout.nPadded + n), r * n);
  return out;
}
