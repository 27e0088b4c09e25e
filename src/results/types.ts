// The results JSON (contract: ../shared/design.md "Results JSON"). Every speed figure the page, the CLI
// and share links show is one of these records; field names here are relied on outside the code.

import type { AdapterDescription, Runtime } from '../gpu/adapter-info.ts';
import type { Projection } from '../model/projection.ts';

export const RESULTS_SCHEMA = 'attnscope.results/1';

export type Op = 'attention' | 'decode' | 'matmul' | 'probe' | 'gemv' | 'decode-step';
export type Impl = 'attnscope' | 'tfjs-webgpu' | 'gpu.js' | 'onnxruntime-web' | 'onnxruntime-web-composed';
export type { AdapterDescription, Runtime } from '../gpu/adapter-info.ts';

export interface LatencyStats {
  /** Milliseconds of GPU time per call. */
  median: number;
  p10: number;
  p90: number;
  ci95: [number, number];
  samples: number;
  /** Coefficient of variation over the samples; above 0.05 marks the figure noisy. */
  cv?: number;
  noisy?: boolean;
  /** Samples more than 1.5 IQR outside the quartiles: labelled, kept. */
  outliers?: number;
}

export interface TimingInfo {
  source: 'timestamp-query' | 'wall-clock';
  /** Whether the GPU timestamps were rounded by the implementation (Chrome/Dawn quantization). */
  quantized: boolean;
  /** Smallest time step the timer can show, in milliseconds. */
  resolutionMs: number;
}

export interface Environment {
  runtime: Runtime;
  userAgent: string;
  adapter: AdapterDescription;
  features: string[];
  limits: Record<string, number>;
  timing: TimingInfo;
}

export interface Ceilings {
  copyGBps: number;
  fmaGflops: number;
}

export type ParamValue = number | string | boolean;

export interface BenchResult {
  id: string;
  op: Op;
  kernel: string;
  impl: Impl;
  params: Record<string, ParamValue>;
  /** Absent when the result was not verified or could not be timed. */
  latencyMs?: LatencyStats;
  bytes: number;
  flops: number;
  gbps?: number;
  gflops?: number;
  bwUtil?: number;
  computeUtil?: number;
  /** flops / bytes. */
  intensity?: number;
  density?: number;
  speedupVsDense?: number;
  /**
   * When speedupVsDense comes from samples timed interleaved with the dense baseline: the baseline's
   * median in those pairs (ms). This result's latencyMs comes from the same pairs; the baseline's own
   * result is a separate measurement.
   */
  pairedBaselineMs?: number;
  maxAbsErr: number;
  maxRelErr: number;
  verified: boolean;
  /** Why the configuration failed or was not timed. */
  error?: string;
  /** Free-form notes: the peer backend that really ran, the tuned configuration, … */
  notes?: string;
  /** 95% CI of speedupVsDense when it comes from samples timed interleaved with the dense baseline. */
  speedupCi95?: [number, number];
  /** decode-step: one layer's time split by op (per-pass timestamps), with each op's bytes per token. */
  ops?: OpTime[];
  /** decode-step: the whole model projected from this layer (every figure labelled projected). */
  projection?: Projection;
  /** The kernel timed interleaved with the read probe at the same working set: its share of the probe. */
  ceilingPair?: CeilingPair;
  /** decode-step with sparse KV: the layer timed interleaved with the same layer over dense KV. */
  sparseKv?: SparseKvPair;
  /** gemv: the same kernel on a cache-resident working set against the streamed one, timed interleaved. */
  residency?: Residency;
  /**
   * Set when the result is above 100 % of its ceiling (ceilingPair.ratio > 1): why that is not a
   * bandwidth figure. The CLI and the page show it beside the result.
   */
  aboveCeiling?: string;
}

/**
 * Time per byte of a kernel on a small working set reused from cache ÷ on the streamed one, from
 * interleaved pairs: ≈ 1 when the kernel runs no faster from cache (compute-bound on this adapter),
 * well below 1 when memory limits it.
 */
export interface Residency {
  ratio: number;
  ci95: [number, number];
  /** Bytes of the resident working set (reused call after call). */
  residentBytes: number;
}

/** Sparse KV against dense KV in one decode layer, timed interleaved (same load). */
export interface SparseKvPair {
  /** The dense-KV layer's median in the pairs, ms. */
  denseMs: number;
  /** 1 − sparse ÷ dense time (from the median of the per-pair ratios). */
  timeSaved: number;
  /** 1 − sparse ÷ dense bytes per token of the layer. */
  bytesSaved: number;
  /** timeSaved ÷ bytesSaved (1 = time falls as much as the bytes; target ≥ 0.9). */
  ratio: number;
  ci95: [number, number];
  pairs: number;
}

/** One op of a decode step: median ms per layer and bytes per token. */
export interface OpTime {
  op: string;
  ms: number;
  bytes: number;
  /** The op on a cache-resident working set against the streamed one (see Residency). */
  residency?: Residency;
}

/** gbps ÷ the read probe's GB/s, from samples of both taken in turn in the same run. */
export interface CeilingPair {
  /** The probe ('read'). */
  probe: string;
  ratio: number;
  ci95: [number, number];
  /** Bytes the probe streamed (the kernel's working set, so that neither reads from a cache). */
  workingSetBytes: number;
}

export interface ResultsFile {
  schema: typeof RESULTS_SCHEMA;
  createdAt: string;
  tool: { name: string; version: string };
  /** 'complete' when every planned configuration ran; otherwise why the run stopped early. */
  status?: 'complete' | 'cancelled' | 'failed';
  preset?: string;
  environment: Environment;
  ceilings: Ceilings;
  results: BenchResult[];
}
