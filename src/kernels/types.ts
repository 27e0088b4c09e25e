// What every kernel module provides, so the library API, the tests, the benchmarks and the page can
// iterate one registry. A kernel records its dispatches into an open compute pass: several calls fit
// in one pass (timestamps then bracket them all), and dependent dispatches in one pass are ordered.

import type { Gpu } from '../gpu/gpu.ts';
import type { BlockMask } from './block-mask.ts';
import type { GemvKernel } from './gemv-common.ts';

/** `|gpu − ref| ≤ atol + rtol·|ref|`. */
export interface Tolerance {
  atol: number;
  rtol: number;
}

/** The matmul epilogue's activation. */
export type Activation = 'none' | 'gelu';

/** The sizes of an attention: q and o are (heads, seqQ, headDim); k and v hold seqK rows of headDim per head. */
export interface AttentionShape {
  heads: number;
  seqQ: number;
  seqK: number;
  headDim: number;
}

export interface AttentionProblem extends AttentionShape {
  /**
   * KV heads (grouped-query attention): divides heads; k and v hold kvHeads heads and query head h
   * reads KV head floor(h / (heads / kvHeads)). Absent: heads.
   */
  kvHeads?: number;
  causal: boolean;
  scale: number;
  mask?: BlockMask;
}

/** f32 storage buffers in the layouts of the library API; they belong to the caller. */
export interface AttentionIO {
  q: GPUBuffer;
  k: GPUBuffer;
  v: GPUBuffer;
  o: GPUBuffer;
}

/** The sizes of a matmul: a is (m, k), b is (k, n), c is (m, n). */
export interface MatmulShape {
  m: number;
  k: number;
  n: number;
}

export interface MatmulProblem extends MatmulShape {
  /** Fused epilogue: c = act(a·b + bias). */
  bias?: boolean;
  activation?: Activation;
}

export interface MatmulIO {
  a: GPUBuffer;
  b: GPUBuffer;
  c: GPUBuffer;
  /** Required when problem.bias. */
  bias?: GPUBuffer;
}

/** Compulsory memory traffic and useful work of one call, from the kernel's documented model. */
export interface CostModel {
  bytes: number;
  flops: number;
}

export interface KernelRun {
  /** Records one call of the kernel into an open compute pass. */
  encode(pass: GPUComputePassEncoder): void;
  /** Frees what prepare() created (scratch, parameters); the IO buffers stay. */
  destroy(): void;
}

export interface Kernel<Problem, IO> {
  /** Contract name ('unfused', 'flash', 'tiled', …). */
  readonly name: string;
  /** One line: what it does differently from its neighbours. */
  readonly summary: string;
  /** Adapter features it needs; the registry hides it where they are missing. */
  readonly features?: readonly GPUFeatureName[];
  /** Why this kernel declines the problem (raised as UnsupportedProblemError), or undefined. */
  decline?(problem: Problem, gpu: Gpu): string | undefined;
  /** Checks limits (throwing an Error that names the limit), compiles, allocates scratch. */
  prepare(gpu: Gpu, problem: Problem, io: IO): Promise<KernelRun>;
  /** Bytes and FLOPs of one call (see each kernel's file for the model). */
  cost(problem: Problem): CostModel;
}

export type AttentionKernel = Kernel<AttentionProblem, AttentionIO>;
export type MatmulKernel = Kernel<MatmulProblem, MatmulIO>;

export interface ProbeProblem {
  /** Bytes of src and of dst (a positive multiple of 16). */
  bytes: number;
  /** fma only: iterations of every FMA chain (default FMA_DEFAULT_ITERATIONS). */
  iterations?: number;
  /** copy and read: workgroups of the grid (default: 4096 on hardware, 32 on software adapters). */
  workgroups?: number;
  /**
   * copy and read: each invocation walks one contiguous chunk (true) or the grid-stride (false).
   * Default: blocked on software adapters (a CPU thread follows one stream), grid-stride on GPUs
   * (neighbouring lanes, neighbouring addresses).
   */
  blocked?: boolean;
}

/** src holds the input, dst receives the output; both of problem.bytes. */
export interface ProbeIO {
  src: GPUBuffer;
  dst: GPUBuffer;
}

export interface ProbeKernel extends Kernel<ProbeProblem, ProbeIO> {
  /**
   * What dst must hold after one call on src (computed on the CPU), where the probe can say; the
   * adapter's kind when the grid depends on it.
   */
  reference?(src: Float32Array, problem: ProbeProblem, adapter: { isSoftware: boolean }): ArrayLike<number>;
}

/** One candidate configuration of a tunable kernel, built through the kernel module's own factory. */
export interface TuneCandidate {
  /** "tiled[8,8,k16,direct]" */
  label: string;
  /** The override constants, for params and the cache. */
  config: Record<string, number | boolean>;
  kernel: AttentionKernel | MatmulKernel;
}

/** What autotune may sweep for one kernel (its registry entry names it in `tunable`). */
export interface Tunable {
  /** Registry name the winner replaces ('tiled', 'flash', 'decode'). */
  kernel: string;
  family: 'matmul' | 'attention';
  /** Attention: tuned on the plan's largest prefill problem (seqQ = seqK, default) or decode one. */
  shape?: 'prefill' | 'decode';
  /** A few candidates that fit this device (the default first). */
  candidates(gpu: Gpu): TuneCandidate[];
  /** The kernel for a cached configuration (undefined if the configuration is no longer allowed). */
  fromConfig(gpu: Gpu, config: Record<string, number | boolean>): TuneCandidate | undefined;
}

/**
 * What a kernel computes, which decides how it is prepared, checked and timed, which suite runs it
 * and which cost formula applies. A new kind is one line here and one in KernelsByKind.
 */
export type KernelKind =
  | 'dense'
  | 'sparse'
  | 'decode'
  | 'matmul'
  | 'gemv'
  | 'probe'
  | 'mask'
  | 'op'
  | 'model-step';

/** The kernel type of each kind; kinds without a typed family yet take any kernel. */
export interface KernelsByKind {
  dense: AttentionKernel;
  sparse: AttentionKernel;
  decode: AttentionKernel;
  matmul: MatmulKernel;
  probe: ProbeKernel;
  mask: Kernel<unknown, unknown>;
  gemv: GemvKernel;
  op: Kernel<unknown, unknown>;
  'model-step': Kernel<unknown, unknown>;
}

/** How the values a kernel reads are stored (the arithmetic is f32 unless the module says otherwise). */
export type Precision = 'f32' | 'f16' | 'int8' | 'int4';

/**
 * What a kernel stands for beside its kind; consumers look kernels up by role, never by name.
 * - baseline: the plain GPU version of its kind (unfused, naive); speed-ups of the others are against it.
 * - fused: fuses what the baseline does in several passes (the article's fusion claim).
 * - dense-baseline: the dense kernel that sparse and decode kernels are compared with.
 * - memory-bound: its time should follow the bytes it reads (decode, GEMV).
 * - epilogue: runs the fused bias + GELU feed-forward epilogue job.
 * - bandwidth-ceiling / read-ceiling / compute-ceiling: the probe behind copyGBps / readGBps / fmaGflops.
 * - streams-memory: a probe run at the copy sizes (large enough to leave the caches).
 */
export type KernelRole =
  | 'baseline'
  | 'fused'
  | 'dense-baseline'
  | 'memory-bound'
  | 'epilogue'
  | 'bandwidth-ceiling'
  | 'read-ceiling'
  | 'compute-ceiling'
  | 'streams-memory';

/** A kernel's tolerance for a problem: `k` is the reduction length where one applies (matmul, GEMV). */
export type ToleranceRule = (size: { k?: number }) => Tolerance;

/**
 * Which presets run a kernel: 'all' (quick, standard, full), 'standard' (standard and full: variants,
 * each costs a compile) or 'none' (the library only, e.g. a mask kernel run by its builder).
 */
export type PresetInclusion = 'all' | 'standard' | 'none';

/** Everything the code knows about a kernel besides the kernel itself: one registry line. */
export interface KernelMeta {
  /** The kernel this one is a variant of (same function, other precision or features). */
  variantOf?: string;
  precision: Precision;
  roles: readonly KernelRole[];
  tolerance: ToleranceRule;
  /** What autotune may sweep for it. */
  tunable?: Tunable;
  presets: PresetInclusion;
  /** Rank in `auto` selection within its family (1 first); absent: never chosen by `auto`. */
  auto?: number;
}

/** A registered kernel: its name (the kernel's own), kind, the kernel and its metadata. */
export type KernelEntry<K extends KernelKind = KernelKind> = {
  [P in K]: KernelMeta & { readonly name: string; readonly kind: P; readonly kernel: KernelsByKind[P] };
}[K];
