// What a peer library (TensorFlow.js WebGPU, gpu.js) offers the harness: the same operations as
// attnscope's kernels on the same inputs, each able to produce its output (checked against the same
// f64 reference) and to time a number of calls with its own honest sync.

import type { Gpu } from '../gpu/gpu.ts';
import type { ParamValue, TimingInfo } from '../results/types.ts';
import type { AttentionCase, AttentionData, MatmulCase, MatmulData } from './cases.ts';

/** The peer libraries, in the order a run plans them (src/peers implements each). */
export const PEER_NAMES = ['tfjs-webgpu', 'gpu.js', 'onnxruntime-web', 'onnxruntime-web-composed'] as const;
export type PeerName = (typeof PEER_NAMES)[number];

export interface PeerOp {
  /** What really ran and how it is timed, for the result's notes. */
  readonly notes: string;
  /** Added to the result's params (backend, mode, device sharing). */
  readonly params: Record<string, ParamValue>;
  /** Smallest time step of the op's time source (ms). */
  readonly resolutionMs: number;
  /** Runs one call and reads its output back (not timed). */
  output(): Promise<Float32Array>;
  /** Total milliseconds of `calls` calls, or undefined when the sample must be dropped. */
  time(calls: number, signal?: AbortSignal): Promise<number | undefined>;
  dispose(): void;
}

export interface Peer {
  readonly name: PeerName;
  /** One line on the library, version, backend and device, for notes. */
  readonly description: string;
  /** a (m,k) · b (k,n) as the library writes it. */
  matmul?(c: MatmulCase, data: MatmulData): Promise<PeerOp>;
  /** softmax(scale·QKᵀ)·V composed of the library's own operations (no mask, not causal). */
  attention?(c: AttentionCase, data: AttentionData, scale: number): Promise<PeerOp>;
  dispose(): Promise<void>;
}

/** The module the harness loads dynamically (so the page loads fast). */
export interface PeerModule {
  readonly peerNames: readonly PeerName[];
  createPeer(name: PeerName, gpu: Gpu, timing?: TimingInfo): Promise<Peer>;
}

export type PeerLoader = () => Promise<PeerModule>;
