// TensorFlow.js (4.22, WebGPU backend) as a peer: tf.matMul, and attention composed as
// softmax(matMul(q·scale, kᵀ))·v. The backend is built on attnscope's own GPUDevice
// (new WebGPUBackend(device)), so both run on the same adapter and device. With `timestamp-query` it
// is timed by tf.time(): GPU time of each of its compute passes from timestamp queries, summed; else
// by the wall clock around the calls, a queue flush and onSubmittedWorkDone. Readback is never timed.

import type { Gpu } from '../gpu/gpu.ts';
import type { AttentionCase, AttentionData, MatmulCase, MatmulData } from '../measure/cases.ts';
import { queueClockFor } from '../measure/queue-clock.ts';
import type { TimingInfo } from '../results/types.ts';
import { withNavigatorGpu } from './node-webgpu.ts';
import type { Peer, PeerOp } from './types.ts';

type Tf = typeof import('@tensorflow/tfjs-core');
type Tensor = import('@tensorflow/tfjs-core').Tensor;
type WebGPUBackend = import('@tensorflow/tfjs-backend-webgpu').WebGPUBackend;

const BACKEND = 'webgpu';

/** Creates the TF.js peer on gpu's device; `timing` is attnscope's timer (same timestamps). */
export async function createTfjsPeer(gpu: Gpu, timing?: TimingInfo): Promise<Peer> {
  const tf: Tf = await import('@tensorflow/tfjs-core');
  const webgpu = await import('@tensorflow/tfjs-backend-webgpu');
  const info = {
    vendor: gpu.adapter.vendor,
    architecture: gpu.adapter.architecture,
    device: gpu.adapter.device,
    description: gpu.adapter.description,
  } as GPUAdapterInfo;
  // The backend checks navigator.gpu when constructed; it then uses the device it is given.
  const backend: WebGPUBackend = await withNavigatorGpu(() => new webgpu.WebGPUBackend(gpu.device, info));
  if (tf.findBackendFactory(BACKEND)) tf.removeBackend(BACKEND);
  tf.registerBackend(BACKEND, () => backend, 100);
  if (!(await tf.setBackend(BACKEND))) throw new Error('TF.js refused the WebGPU backend');
  await tf.ready();
  // Small operations may otherwise run on the CPU: every figure here must be the GPU's.
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  // tf.time() times each op's pass on its own: quantized timestamps (Chrome's 100 µs) would round
  // short ops to nothing, so then the wall clock is used.
  // In Node on a CPU adapter the waits rest before polling (gpu/pace.ts); tf.time() waits inside
  // TF.js, where no rest can go, so the GPU's clock around the calls times them instead.
  const clock = queueClockFor(gpu);
  const timestamps =
    !clock &&
    gpu.features.has('timestamp-query') &&
    timing?.source === 'timestamp-query' &&
    !timing.quantized;
  const timingNote = clock
    ? "timed by the GPU's clock from before the calls to after TF.js's queue flush, by timestamps on the shared queue (includes gaps TF.js's per-op CPU work leaves)"
    : timestamps
      ? "timed by tf.time(): timestamp queries around each of TF.js's compute passes, summed (GPU time, one pass per op)"
      : "timed by the wall clock around the calls + TF.js's queue flush + onSubmittedWorkDone (includes submit overhead)";
  // The wall clock's step here includes a submit + onSubmittedWorkDone round trip (~0.1 ms or more).
  const resolutionMs =
    clock || timestamps ? (timing?.resolutionMs ?? 0.001) : Math.max(0.1, timing?.resolutionMs ?? 0);
  const description = `TensorFlow.js ${tf.version_core} WebGPU backend on attnscope's own GPUDevice`;
  const params = { backend: 'webgpu', device: 'shared' } as const;

  const flush = () => {
    backend.ensureCommandEncoderReady();
    backend.endComputePassEncoder();
    backend.submitQueue();
  };

  function op(build: () => Tensor, inputs: Tensor[], what: string): PeerOp {
    return {
      notes: `${description}: ${what}; ${timingNote}`,
      params,
      resolutionMs,
      async output() {
        const out = build();
        try {
          return Float32Array.from(await out.data());
        } finally {
          out.dispose();
        }
      },
      async time(calls, signal) {
        if (signal?.aborted) return undefined;
        const record = () => {
          for (let i = 0; i < calls; i++) tf.dispose(build());
        };
        if (clock) {
          return clock.time(`tfjs ${what}`, calls, async () => {
            record();
            flush();
          });
        }
        if (timestamps) {
          const result = await tf.time(record);
          const ms = Number(result.kernelMs);
          return ms > 0 ? ms : undefined;
        }
        const start = performance.now();
        record();
        flush();
        await gpu.idle();
        return performance.now() - start;
      },
      dispose() {
        tf.dispose(inputs);
      },
    };
  }

  return {
    name: 'tfjs-webgpu',
    description,
    async matmul(c: MatmulCase, data: MatmulData) {
      const a = tf.tensor2d(data.a, [c.m, c.k]);
      const b = tf.tensor2d(data.b, [c.k, c.n]);
      return op(() => tf.matMul(a, b), [a, b], 'tf.matMul');
    },
    async attention(c: AttentionCase, data: AttentionData, scale: number) {
      // The scale is folded into q once, as a model folds it into the query projection.
      const q = tf.tidy(() => tf.mul(tf.tensor3d(data.q, [c.heads, c.seqQ, c.headDim]), scale));
      const k = tf.tensor3d(data.k, [c.heads, c.seqK, c.headDim]);
      const v = tf.tensor3d(data.v, [c.heads, c.seqK, c.headDim]);
      const build = () => tf.tidy(() => tf.matMul(tf.softmax(tf.matMul(q, k, false, true)), v));
      return op(
        build,
        [q, k, v],
        'matMul(q·scale, kᵀ) → softmax → matMul(·, v), scale folded into q beforehand',
      );
    },
    async dispose() {
      clock?.destroy();
      if (tf.findBackend(BACKEND) === backend) tf.removeBackend(BACKEND);
    },
  };
}
