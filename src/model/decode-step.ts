// One decoder layer's decode step on the GPU, at a model's real shape or a tensor-parallel slice of
// it: norm → QKV GEMV → RoPE + KV append → decode attention over the cache (dense, or the kept key
// blocks; grouped-query attention through kvHeads, K/V never copied) → output GEMV + residual → norm
// → up GEMV → gating (in the down GEMV's prologue, or a pass of its own) → down GEMV + residual.
// Weights, norm vectors, caches and the input are synthetic, filled on the GPU from hash streams
// (src/model/weights.ts), one set per cycled layer so that a timing streams them from memory.
// The KV cache is f32 or (plan.kvCache 'f16', the default for f16/int8/int4 weights) packed f16:
// rope-append rounds the new K/V rows to f16 and writes them into the layout decode-f16 reads, and
// decode-f16 reads the cache in place (no copy at prepare).
// The residual stream ping-pongs: layer input x → (after attention) mid → x. Each layer's stages are
// recorded in order into one compute pass (WebGPU orders dependent dispatches within a pass), and a
// token's layers into one command buffer.

import type { Gpu } from '../gpu/gpu.ts';
import { BlockMask } from '../kernels/block-mask.ts';
import { createDecode, decode, decodeF16 } from '../kernels/decode.ts';
import { gate } from '../kernels/gate.ts';
import { checkBinding, formatBytes } from '../kernels/limits.ts';
import { normKernels } from '../kernels/norm.ts';
import { ropeAppend } from '../kernels/rope-append.ts';
import type { AttentionProblem, KernelRun } from '../kernels/types.ts';
import {
  type DecodePlan,
  keptBlocks,
  kvValueBytes,
  type OpBytes,
  type StepOp,
  stepBytes,
} from './decode-plan.ts';
import {
  createWeights,
  registryGemv,
  type StepGemv,
  type WeightBuffers,
  weightBufferBytes,
} from './step-gemv.ts';
import { fillOnGpu } from './synthetic.ts';
import { BETA_EXP0, inputKey, layerStreams, matrixSpecs, UNIT_EXP0 } from './weights.ts';

/** One op of a layer: its name (as in the per-op breakdown) and its recorded dispatches. */
export interface Stage {
  op: StepOp;
  run: KernelRun;
}

export interface DecodeStep {
  plan: DecodePlan;
  /** The GEMV kernels used (registry names, one per format) and whether they gated in the prologue. */
  gemv: string;
  gateFused: boolean;
  /** Per op of one layer: bytes per token (the documented model). */
  opBytes: OpBytes[];
  /** One layer's bytes per token. */
  bytes: number;
  /** All buffers the cycled layers hold (weights, caches, activations). */
  workingSetBytes: number;
  /** The stages of layer `layer` (0 … layersCycled − 1). */
  stages(layer: number): readonly Stage[];
  /** Records layer `layer` into an open pass. */
  encodeLayer(pass: GPUComputePassEncoder, layer: number): void;
  /** Records one token: every cycled layer in turn, into one command buffer, and submits it. */
  submitToken(): void;
  /** Puts the input x back to its initial values (the caches' appended rows are rewritten by each step). */
  resetInput(): Promise<void>;
  /** The residual stream x (batch × hidden) after the last step, as f32. */
  readOutput(): Promise<Float32Array>;
  destroy(): void;
}

export interface DecodeStepInit {
  /** The GEMV to use (default: the registry's kernel of the format, gating fused). */
  gemv?: StepGemv;
}

type Owned = { destroy(): void };

/** decode-f16 over a cache already in its packed layout (rope-append writes it in place). */
const decodeF16InPlace = createDecode({ name: decodeF16.name, kvF16: true, kvPrepacked: true });

/**
 * Throws an Error naming the buffer and the device limit when one of the step's buffers cannot exist
 * on this device — a weight matrix over maxBufferSize (use a larger tp), its scales, the KV cache or
 * the widest activation over one binding — before anything is allocated. Returns one cache's bytes.
 */
export function checkDecodeStepLimits(gpu: Gpu, plan: DecodePlan): number {
  const s = plan.slice;
  const B = plan.batch;
  const cacheBytes = kvValueBytes(plan.kvCache) * B * s.kvHeads * plan.context * s.headDim;
  checkBinding(gpu, `decodeStep KV cache (batch × kvHeads × context × headDim ${plan.kvCache})`, cacheBytes);
  for (const m of matrixSpecs(s, plan.format, plan.seed, 0, plan.groupSize)) {
    const bytes = weightBufferBytes(m);
    if (bytes.values > gpu.limits.maxBufferSize) {
      throw new Error(
        `decodeStep ${m.name} weights (${m.k} × ${m.n} ${m.format}): need ${formatBytes(bytes.values)} in one buffer, over this device's maxBufferSize of ${formatBytes(gpu.limits.maxBufferSize)} (measure a tensor-parallel slice: a larger tp)`,
      );
    }
    if (bytes.scales) checkBinding(gpu, `decodeStep ${m.name} scales`, bytes.scales);
  }
  checkBinding(gpu, 'decodeStep up-projection output (batch × 2·ffn f32)', 4 * B * 2 * s.ffn);
  return cacheBytes;
}

/** Allocates, fills and prepares every layer of the plan. Throws (naming the limit) before allocating when a buffer cannot fit. */
export async function createDecodeStep(
  gpu: Gpu,
  plan: DecodePlan,
  init: DecodeStepInit = {},
): Promise<DecodeStep> {
  const gemv = init.gemv ?? registryGemv;
  const s = plan.slice;
  const B = plan.batch;
  const qkvCols = (s.heads + 2 * s.kvHeads) * s.headDim;
  const f16Cache = plan.kvCache === 'f16';
  const cacheBytes = checkDecodeStepLimits(gpu, plan);
  const specs0 = matrixSpecs(s, plan.format, plan.seed, 0, plan.groupSize);
  const gateFused = gemv.fusesGate;
  const owned: Owned[] = [];
  const buffer = (label: string, bytes: number) => {
    const b = gpu.buffer(label, bytes);
    owned.push(b);
    return b;
  };
  try {
    const act = {
      x: buffer('decodeStep.x', 4 * B * s.hidden),
      mid: buffer('decodeStep.mid', 4 * B * s.hidden),
      xn: buffer('decodeStep.xn', 4 * B * s.hidden),
      qkv: buffer('decodeStep.qkv', 4 * B * qkvCols),
      q: buffer('decodeStep.q', 4 * B * s.heads * s.headDim),
      o: buffer('decodeStep.o', 4 * B * s.heads * s.headDim),
      up: buffer('decodeStep.up', 4 * B * 2 * s.ffn),
      h: gateFused ? undefined : buffer('decodeStep.h', 4 * B * s.ffn),
    };
    const resetInput = async () => {
      await fillOnGpu(gpu, 'decodeStep.x', act.x, {
        kind: 'f32',
        key: inputKey(plan.seed),
        count: B * s.hidden,
        exp0: UNIT_EXP0,
      });
    };
    await resetInput();

    const layout = keptBlocks(plan);
    const mask =
      plan.kv === 'sparse'
        ? new BlockMask(
            layout,
            { blockSize: plan.blockSize, seqQ: 1, seqK: plan.context },
            `kept(${plan.kvDensity})`,
          )
        : undefined;
    const attentionProblem: AttentionProblem = {
      heads: B * s.heads,
      kvHeads: B * s.kvHeads,
      seqQ: 1,
      seqK: plan.context,
      headDim: s.headDim,
      causal: false,
      scale: 1 / Math.sqrt(s.headDim),
      ...(mask ? { mask } : {}),
    };

    const layers: Stage[][] = [];
    let weightBytes = 0;
    for (let layer = 0; layer < plan.layersCycled; layer++) {
      const tag = `decodeStep.L${layer}`;
      const specs = matrixSpecs(s, plan.format, plan.seed, layer, plan.groupSize);
      const weights: WeightBuffers[] = [];
      for (const m of specs) {
        const w = await createWeights(gpu, `${tag}.${m.name}`, m);
        owned.push(w);
        weights.push(w);
        weightBytes += w.values.size + (w.scales?.size ?? 0);
      }
      const streams = layerStreams(plan.seed, layer);
      const vector = async (label: string, key: number, exp0: number) => {
        const b = buffer(`${tag}.${label}`, 4 * s.hidden);
        await fillOnGpu(gpu, `${tag}.${label}`, b, { kind: 'f32', key, count: s.hidden, exp0 });
        return b;
      };
      const norm1 = {
        gamma: await vector('norm1.gamma', streams.norm1.gamma, UNIT_EXP0),
        beta: await vector('norm1.beta', streams.norm1.beta, BETA_EXP0),
      };
      const norm2 = {
        gamma: await vector('norm2.gamma', streams.norm2.gamma, UNIT_EXP0),
        beta: await vector('norm2.beta', streams.norm2.beta, BETA_EXP0),
      };
      const kCache = buffer(`${tag}.kCache`, cacheBytes);
      const vCache = buffer(`${tag}.vCache`, cacheBytes);
      // The fill's values are f16 numbers: the f16 cache holds them exactly, packed in pairs (headDim
      // is a multiple of 4, so the pairs are decode-f16's rows of hv vec2<u32> with no padding).
      const cacheCount = B * s.kvHeads * plan.context * s.headDim;
      await fillOnGpu(gpu, `${tag}.kCache`, kCache, {
        kind: plan.kvCache,
        key: streams.kCache,
        count: cacheCount,
        exp0: UNIT_EXP0,
      });
      await fillOnGpu(gpu, `${tag}.vCache`, vCache, {
        kind: plan.kvCache,
        key: streams.vCache,
        count: cacheCount,
        exp0: UNIT_EXP0,
      });

      const norm = normKernels[s.norm];
      const normProblem = { rows: B, width: s.hidden, eps: plan.eps };
      const [wqkv, wout, wup, wdown] = weights;
      const stages: Stage[] = [];
      const add = (op: StepOp, run: KernelRun) => {
        owned.push(run);
        stages.push({ op, run });
      };
      add(
        'norm',
        await norm.prepare(gpu, normProblem, { x: act.x, gamma: norm1.gamma, beta: norm1.beta, y: act.xn }),
      );
      add('qkv', await gemv.prepare(gpu, specs[0], wqkv, { rows: B, x: act.xn, y: act.qkv }));
      add(
        'rope-append',
        await ropeAppend.prepare(
          gpu,
          {
            batch: B,
            heads: s.heads,
            kvHeads: s.kvHeads,
            headDim: s.headDim,
            capacity: plan.context,
            position: plan.context - 1,
            base: plan.ropeBase,
            kvF16: f16Cache,
          },
          { qkv: act.qkv, q: act.q, kCache, vCache },
        ),
      );
      add(
        'attention',
        await (f16Cache ? decodeF16InPlace : decode).prepare(gpu, attentionProblem, {
          q: act.q,
          k: kCache,
          v: vCache,
          o: act.o,
        }),
      );
      add('out', await gemv.prepare(gpu, specs[1], wout, { rows: B, x: act.o, y: act.mid, residual: act.x }));
      add(
        'norm2',
        await norm.prepare(gpu, normProblem, { x: act.mid, gamma: norm2.gamma, beta: norm2.beta, y: act.xn }),
      );
      add('up', await gemv.prepare(gpu, specs[2], wup, { rows: B, x: act.xn, y: act.up }));
      if (act.h) {
        add(
          'gate',
          await gate.prepare(gpu, { rows: B, ffn: s.ffn, gating: s.gating }, { up: act.up, h: act.h }),
        );
        add(
          'down',
          await gemv.prepare(gpu, specs[3], wdown, { rows: B, x: act.h, y: act.x, residual: act.mid }),
        );
      } else {
        add(
          'down',
          await gemv.prepare(gpu, specs[3], wdown, {
            rows: B,
            x: act.up,
            y: act.x,
            residual: act.mid,
            gated: s.gating,
          }),
        );
      }
      layers.push(stages);
    }
    await gpu.idle();

    const bytes = stepBytes(plan, gateFused);
    const activationBytes = Object.values(act).reduce((sum, b) => sum + (b?.size ?? 0), 0);
    const encodeLayer = (pass: GPUComputePassEncoder, layer: number) => {
      for (const stage of layers[layer]) stage.run.encode(pass);
    };
    return {
      plan,
      gemv: gemv.kernelName(gpu, specs0[0]),
      gateFused,
      opBytes: bytes.ops,
      bytes: bytes.total,
      workingSetBytes:
        weightBytes + plan.layersCycled * (2 * cacheBytes + 4 * 4 * s.hidden) + activationBytes,
      stages: (layer) => layers[layer],
      encodeLayer,
      submitToken() {
        const encoder = gpu.device.createCommandEncoder({ label: 'decodeStep.token' });
        const pass = encoder.beginComputePass({ label: 'decodeStep.token' });
        for (let layer = 0; layer < layers.length; layer++) encodeLayer(pass, layer);
        pass.end();
        gpu.device.queue.submit([encoder.finish()]);
      },
      resetInput,
      async readOutput() {
        return new Float32Array(await gpu.read(act.x, 4 * B * s.hidden));
      },
      destroy() {
        for (const o of owned.splice(0)) o.destroy();
      },
    };
  } catch (error) {
    for (const o of owned.splice(0)) o.destroy();
    throw error;
  }
}
