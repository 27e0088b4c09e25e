// ONNX Runtime Web (onnxruntime-web/webgpu: ORT's native WebGPU execution provider, compiled to wasm)
// as a peer, on attnscope's own GPUDevice (passed as the EP's `device`), inputs and outputs kept on
// the GPU. Two peers share this module:
// - 'onnxruntime-web': MatMul for matmul; for attention and decode the com.microsoft MultiHeadAttention
//   operator. ORT's WebGPU EP has two fused attention kernels, MultiHeadAttention and
//   GroupQueryAttention, and both reach the same flash-attention programs (contrib_ops/webgpu/bert/
//   flash_attention.cc) through CanApplyFlashAttention. MultiHeadAttention is the one that takes our
//   problem as it is (separate q, k, v with as many kv heads as query heads, no past cache, no rotary,
//   no seqlens inputs); GroupQueryAttention needs seqlens_k/total_sequence_length and a KV cache of a
//   model's decode loop. The flash path needs batch 1, no bias, head size % 4 = 0, the `subgroups`
//   feature and present_key/present_value outputs (see onnx-models.ts); every problem here meets them.
// - 'onnxruntime-web-composed': attention as MatMul → Softmax → MatMul (the exporters' composition).
// Timing: the wall clock around `calls` session.run() calls on GPU-resident tensors (outputs left on
// the GPU), then onSubmittedWorkDone on the shared queue: ORT exposes no per-run GPU time here. That
// includes ORT's per-run CPU work (graph walk, dispatch set-up in wasm), as a model's run would.
// Sessions refuse CPU fallback (session.disable_cpu_ep_fallback), so every node ran on the WebGPU EP.
//
// In Node two things stand in the way, both worked around here: dawn.node rejects typed arrays over a
// SharedArrayBuffer in queue.writeBuffer ("Invalid argument"; ORT's threaded wasm heap is one), so such
// writes are copied first; and Node's main thread waits in NodePlatform::DrainTasks for V8's background
// TurboFan compilation of ORT's 26 MB wasm (many minutes on a small CPU) while GPU promises wait on
// the main thread, so V8 is told to run wasm on its baseline compiler (--liftoff-only). In Node ORT's
// CPU-side work therefore runs slower than in a browser; its GPU work is the same.

import type { Gpu } from '../gpu/gpu.ts';
import { isNode } from '../gpu/open.ts';
import type { AttentionCase, AttentionData, MatmulCase, MatmulData } from '../measure/cases.ts';
import { queueClockFor } from '../measure/queue-clock.ts';
import { withNavigatorGpu } from './node-webgpu.ts';
import {
  composedAttentionModel,
  headsToRows,
  matmulModel,
  multiHeadAttentionModel,
  rowsToHeads,
  transposeLast,
} from './onnx-models.ts';
import { subgroupLanes } from './subgroup-lanes.ts';
import type { Peer, PeerName, PeerOp } from './types.ts';

type Ort = typeof import('onnxruntime-web');
type Session = import('onnxruntime-web').InferenceSession;
type Tensor = import('onnxruntime-web').Tensor;

const PACKAGE = 'onnxruntime-web/webgpu';

let liftoffOnly = false;
/** Queues whose writeBuffer copies SharedArrayBuffer-backed data (one per device ORT has run on). */
const patchedQueues = new WeakSet<GPUQueue>();

/** Node only: baseline wasm compiler, and SharedArrayBuffer-backed writes copied (see header). */
async function prepareNode(gpu: Gpu): Promise<void> {
  if (!isNode()) return;
  if (!liftoffOnly) {
    const v8Name = 'node:v8';
    const v8: typeof import('node:v8') = await import(/* @vite-ignore */ v8Name);
    v8.setFlagsFromString('--liftoff-only');
    liftoffOnly = true;
  }
  const queue = gpu.device.queue;
  if (patchedQueues.has(queue)) return;
  const write = queue.writeBuffer.bind(queue) as (...args: unknown[]) => undefined;
  const copyIfShared = (
    buffer: GPUBuffer,
    offset: number,
    data: BufferSource | SharedArrayBuffer,
    dataOffset = 0,
    size?: number,
  ) => {
    if (data instanceof SharedArrayBuffer) {
      const bytes = size ?? data.byteLength - dataOffset;
      return write(buffer, offset, new Uint8Array(data, dataOffset, bytes).slice(), 0, bytes);
    }
    if (ArrayBuffer.isView(data) && data.buffer instanceof SharedArrayBuffer) {
      const unit = (data as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
      const start = data.byteOffset + dataOffset * unit;
      const bytes = size === undefined ? data.byteLength - dataOffset * unit : size * unit;
      return write(buffer, offset, new Uint8Array(data.buffer, start, bytes).slice(), 0, bytes);
    }
    return write(buffer, offset, data, dataOffset, size);
  };
  Object.defineProperty(queue, 'writeBuffer', { value: copyIfShared, configurable: true, writable: true });
  patchedQueues.add(queue);
}

/** Fewer lanes per subgroup than ORT's FlashAttention WGSL is written for. */
export const ORT_MIN_SUBGROUP_LANES = 8;

/**
 * Said beside ORT's MultiHeadAttention results with more than one query row on a device whose
 * subgroups are narrower than ORT's FlashAttention WGSL expects (measured: test/gpu/ort-attention.test.ts).
 */
export function narrowSubgroupNote(lanes: number, version: string): string {
  return (
    `known cause of wrong output here: this device's subgroups are ${lanes} lanes wide, and ORT ${version}'s ` +
    `FlashAttention WGSL (in its wasm) is written for at least ${ORT_MIN_SUBGROUP_LANES}: it steps keys by ` +
    'min(subgroup size, 16) yet scores 8 or 16 keys per step through subgroupShuffle, reading lanes the ' +
    'subgroup does not have. Measured on SwiftShader (4 lanes): wrong from 32 query rows on, right below, right ' +
    "at every size on the same adapter without the 'subgroups' feature, and ORT's CPU (wasm) EP on the same graph " +
    'and inputs matches the f64 reference'
  );
}

/** Creates one of the two ORT Web peers on gpu's device. */
export async function createOrtPeer(name: PeerName, gpu: Gpu): Promise<Peer> {
  await prepareNode(gpu);
  const ort: Ort = (await import('onnxruntime-web/webgpu')) as Ort;
  ort.env.logLevel = 'error';
  ort.env.wasm.numThreads = 1;
  const version = ort.env.versions?.web ?? 'unknown';
  const where = isNode() ? 'Node, wasm on V8 Liftoff' : 'browser';
  const description = `ONNX Runtime Web ${version} (${PACKAGE}), WebGPU execution provider on attnscope's own GPUDevice (${where})`;
  // In Node on a CPU adapter the wait rests before polling (gpu/pace.ts), so the GPU's clock takes
  // the wall clock's place: the same span, without the wait.
  const clock = queueClockFor(gpu);
  const timingNote = clock
    ? "timed by the GPU's clock from before the session.run() calls to after them, by timestamps on the shared queue (GPU-resident inputs and outputs; includes gaps ORT's per-run CPU work leaves)"
    : "timed by the wall clock around the session.run() calls (GPU-resident inputs and outputs) + onSubmittedWorkDone (includes ORT's per-run CPU work)";
  const params = { backend: 'webgpu', ep: 'webgpu', ortVersion: version, device: 'shared' } as const;

  async function session(model: Uint8Array): Promise<Session> {
    // ORT checks navigator.gpu when its WebGPU EP starts (in Node lent for the moment, as for TF.js).
    return withNavigatorGpu(() =>
      ort.InferenceSession.create(model, {
        executionProviders: [{ name: 'webgpu', device: gpu.device } as never],
        preferredOutputLocation: 'gpu-buffer',
        graphOptimizationLevel: 'disabled',
        extra: { session: { disable_cpu_ep_fallback: '1' } },
      }),
    );
  }

  function gpuTensor(
    label: string,
    data: Float32Array,
    dims: number[],
  ): { tensor: Tensor; buffer: GPUBuffer } {
    const buffer = gpu.upload(`ort.${label}`, data);
    return { tensor: ort.Tensor.fromGpuBuffer(buffer, { dataType: 'float32', dims }), buffer };
  }

  async function op(
    model: Promise<Uint8Array>,
    inputs: Record<string, { data: Float32Array; dims: number[] }>,
    outputName: string,
    what: string,
    reorder: (x: Float32Array) => Float32Array = (x) => x,
  ): Promise<PeerOp> {
    const s = await session(await model);
    const owned = Object.entries(inputs).map(([key, v]) => [key, gpuTensor(key, v.data, v.dims)] as const);
    const feeds = Object.fromEntries(owned.map(([key, v]) => [key, v.tensor]));
    const run = async () => {
      const out = await s.run(feeds);
      return out;
    };
    const release = (out: Record<string, Tensor>) => {
      for (const t of Object.values(out)) t.dispose();
    };
    // One run at set-up: ORT creates and compiles its pipelines on the first session.run() (seconds on
    // a software adapter), set-up as our kernels' pipeline compiles are, outside verification and timing.
    release(await run());
    await gpu.idle();
    return {
      notes: `${description}: ${what}; ${timingNote}`,
      params,
      resolutionMs: 0.1,
      async output() {
        const out = await run();
        try {
          return reorder(Float32Array.from((await out[outputName].getData()) as Float32Array));
        } finally {
          release(out);
        }
      },
      async time(calls, signal) {
        if (signal?.aborted) return undefined;
        const outs: Record<string, Tensor>[] = [];
        const runs = async () => {
          for (let i = 0; i < calls; i++) outs.push(await run());
        };
        try {
          if (clock) return await clock.time(`ort ${what}`, calls, runs);
          const start = performance.now();
          await runs();
          await gpu.idle();
          return performance.now() - start;
        } finally {
          for (const out of outs) release(out);
        }
      },
      dispose() {
        void s.release();
        for (const [, v] of owned) v.buffer.destroy();
      },
    };
  }

  const shape = (c: AttentionCase) => ({ heads: c.heads, seqQ: c.seqQ, seqK: c.seqK, headDim: c.headDim });
  const lanes = await subgroupLanes(gpu.device);
  const narrow = lanes !== undefined && lanes < ORT_MIN_SUBGROUP_LANES;

  const peer: Peer = {
    name,
    description,
    async dispose() {
      clock?.destroy();
    },
  };
  if (name === 'onnxruntime-web') {
    peer.matmul = (c: MatmulCase, data: MatmulData) =>
      op(
        matmulModel(c.m, c.k, c.n),
        { a: { data: data.a, dims: [c.m, c.k] }, b: { data: data.b, dims: [c.k, c.n] } },
        'c',
        'MatMul',
      );
    peer.attention = (c: AttentionCase, data: AttentionData, scale: number) => {
      const { heads: h, seqQ, seqK, headDim: d } = c;
      const what =
        'com.microsoft MultiHeadAttention (fused; flash-attention path with present key/value), q/k/v as (1, seq, heads·headDim)';
      return op(
        multiHeadAttentionModel(shape(c), scale),
        {
          query: { data: headsToRows(data.q, h, seqQ, d), dims: [1, seqQ, h * d] },
          key: { data: headsToRows(data.k, h, seqK, d), dims: [1, seqK, h * d] },
          value: { data: headsToRows(data.v, h, seqK, d), dims: [1, seqK, h * d] },
        },
        'output',
        narrow && lanes !== undefined && seqQ > 1 ? `${what}; ${narrowSubgroupNote(lanes, version)}` : what,
        (x) => rowsToHeads(x, h, seqQ, d),
      );
    };
  } else {
    peer.attention = (c: AttentionCase, data: AttentionData, scale: number) => {
      const { heads: h, seqQ, seqK, headDim: d } = c;
      return op(
        composedAttentionModel(shape(c)),
        {
          q: { data: data.q.map((x) => x * scale), dims: [h, seqQ, d] },
          kt: { data: transposeLast(data.k, h, seqK, d), dims: [h, d, seqK] },
          v: { data: data.v, dims: [h, seqK, d] },
        },
        'o',
        'MatMul(q·scale, kᵀ) → Softmax → MatMul(·, v), scale folded into q and k transposed beforehand',
      );
    };
  }
  return peer;
}
