// attnscope's library API (contract: ../shared/design.md "Library API").
/// <reference types="@webgpu/types" preserve="true" />

export { attention, gemv, matmul, type RunOptions } from './api.ts';
export { adapterName, describeAdapter } from './gpu/adapter-info.ts';
export {
  DeviceLostError,
  GpuScopeError,
  KernelCompileError,
  NoAdapterError,
  UnsupportedProblemError,
} from './gpu/errors.ts';
export { Gpu } from './gpu/gpu.ts';
export { BROWSER_HINT, type OpenGpuOptions, openGpu } from './gpu/open.ts';
export type { GateActivation, GemvIO, GemvKernel, GemvLayout, GemvProblem } from './kernels/gemv-common.ts';
export { gemvLayout } from './kernels/gemv-common.ts';
export type { GemvInput } from './kernels/gemv-validate.ts';
export { dequantize, type QuantizedMatrix, type QuantizeOptions, quantize } from './kernels/quantize.ts';
export { attentionKernels, gemvKernels, matmulKernels, probeKernels } from './kernels/registry.ts';
export type {
  AttentionIO,
  AttentionKernel,
  AttentionProblem,
  CostModel,
  KernelRun,
  MatmulIO,
  MatmulKernel,
  MatmulProblem,
} from './kernels/types.ts';
export type { AttentionInput, MatmulInput } from './kernels/validate.ts';
export {
  type BigBirdOptions,
  BlockMask,
  blockMask,
  type MaskShape,
  type SlidingWindowOptions,
  type StridedOptions,
  type TopKInput,
} from './masks/index.ts';
export {
  INT4_GROUP_SIZES,
  type ModelShape,
  models,
  WEIGHT_FORMATS,
  type WeightFormat,
} from './model/shapes.ts';
export { attentionReference } from './reference/attention.ts';
export { gemvReference } from './reference/gemv.ts';
export { matmulReference } from './reference/matmul.ts';
export { type ApproximationError, topKApproximationError } from './reference/topk-error.ts';
export type * from './results/types.ts';
