// Measuring one decode-step configuration: verify the layer against the f64 reference (or, where the
// reference would take too long on the CPU, a narrow slice of the same model and format, and say
// so), then time the layer interleaved with the read probe over a working set as large as the step's
// (read-ceiling.ts: both see the same machine load), split one layer's time by op with per-pass
// timestamps where the adapter has them, and project the whole model (projectDecode).

import type { Gpu } from '../gpu/gpu.ts';
import {
  type DecodePlan,
  type DecodeStepOptions,
  keptBlocks,
  keyRowsRead,
  kvValueBytes,
  planDecodeStep,
  tpChoices,
} from '../model/decode-plan.ts';
import { createDecodeStep, type DecodeStep } from '../model/decode-step.ts';
import { projectDecode } from '../model/projection.ts';
import { layerParams } from '../model/shapes.ts';
import { compareToReference } from '../reference/compare.ts';
import { decoderLayerReference } from '../reference/decoder-layer.ts';
import type { BenchResult, OpTime, ParamValue, Residency } from '../results/types.ts';
import { measureLmHead } from './lm-head.ts';
import { prepareReadCeiling, type ReadCeiling, timeBesideCeiling } from './read-ceiling.ts';
import { stepResidency } from './residency.ts';
import { median } from './stats.ts';
import { layerSampler, timeSparseAgainstDense } from './step-pairs.ts';
import type { Timer } from './timing.ts';

/** Tolerance of a layer against its f64 reference (f32 accumulation over k up to 32768). */
export const LAYER_TOLERANCE = { atol: 2e-4, rtol: 2e-4 };
/** The largest reference the CPU computes for a timed configuration (multiply-adds). */
const MAX_REFERENCE_MACS = 60e6;
/** Memory of one card for the result's default projection: the article's A100 (80 GB assumed). */
export const PROJECTION_CARD_GB = 80;
/** Layers timed op by op (one pass per op, timestamps around each): fewer on CPU adapters, where a layer is slow. */
const OP_REPEATS = { hardware: 8, software: 3 } as const;

export interface StepContext {
  gpu: Gpu;
  timer: Timer;
  signal?: AbortSignal;
}

export interface StepCase extends DecodeStepOptions {
  /** The configuration was scaled down because the adapter runs shaders on the CPU. */
  scaledForSoftware?: boolean;
}

function referenceMacs(plan: DecodePlan): number {
  return plan.batch * layerParams(plan.slice);
}

/** Runs layer `layer` once from the initial input and compares it with the f64 reference. */
export async function verifyLayer(gpu: Gpu, step: DecodeStep, layer = 0) {
  const plan = step.plan;
  await step.resetInput();
  const encoder = gpu.device.createCommandEncoder({ label: 'decodeStep.verify' });
  const pass = encoder.beginComputePass({ label: 'decodeStep.verify' });
  step.encodeLayer(pass, layer);
  pass.end();
  gpu.device.queue.submit([encoder.finish()]);
  const got = await step.readOutput();
  const kept = plan.kv === 'sparse' ? { blockSize: plan.blockSize, layout: keptBlocks(plan) } : undefined;
  const expected = decoderLayerReference({ ...plan, shape: plan.slice, layer, kept });
  await step.resetInput();
  return compareToReference(got, expected.out, LAYER_TOLERANCE);
}

/**
 * Where the layer's f64 reference would take too long on the CPU: verifies the narrowest slice of the
 * same model and format instead (and says so in notes). Undefined: verify the step itself.
 */
async function verifyOnProxy(gpu: Gpu, c: StepCase, plan: DecodePlan, notes: string[]) {
  if (referenceMacs(plan) <= MAX_REFERENCE_MACS) return undefined;
  const proxy = planDecodeStep(proxyCase(c));
  const proxyStep = await createDecodeStep(gpu, proxy);
  try {
    const check = await verifyLayer(gpu, proxyStep, 0);
    notes.push(
      `verified on the 1/${proxy.tp} slice at context ${proxy.context} (the full layer's f64 reference is too slow on the CPU)`,
    );
    return check;
  } finally {
    proxyStep.destroy();
  }
}

/** The narrowest slice of the same model and format (short context) whose reference is cheap. */
function proxyCase(c: StepCase): DecodeStepOptions {
  const model = planDecodeStep({ ...c, tp: 1, kv: 'dense', layersCycled: 1 }).model;
  const tp = tpChoices(model).at(-1) ?? 1;
  return {
    ...c,
    tp,
    context: Math.min(c.context, 64),
    layersCycled: 1,
    kv: c.kv,
    blockSize: Math.min(c.blockSize ?? 64, 16),
  };
}

/** One layer's time split by op: one pass per op with timestamps, medians over repeats. */
async function timeOps(gpu: Gpu, step: DecodeStep): Promise<OpTime[] | undefined> {
  if (!gpu.features.has('timestamp-query')) return undefined;
  const repeats = gpu.adapter.isSoftware ? OP_REPEATS.software : OP_REPEATS.hardware;
  const stages = step.stages(0);
  const count = 2 * stages.length;
  const querySet = gpu.device.createQuerySet({ label: 'decodeStep.ops', type: 'timestamp', count });
  const resolve = gpu.device.createBuffer({
    label: 'decodeStep.ops.resolve',
    size: 8 * count,
    usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
  });
  const samples: number[][] = stages.map(() => []);
  try {
    for (let r = 0; r < repeats; r++) {
      const layer = r % step.plan.layersCycled;
      const encoder = gpu.device.createCommandEncoder({ label: 'decodeStep.ops' });
      step.stages(layer).forEach((stage, i) => {
        const pass = encoder.beginComputePass({
          label: `decodeStep.${stage.op}`,
          timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 },
        });
        stage.run.encode(pass);
        pass.end();
      });
      encoder.resolveQuerySet(querySet, 0, count, resolve, 0);
      gpu.device.queue.submit([encoder.finish()]);
      const stamps = new BigUint64Array(await gpu.read(resolve, 8 * count));
      stages.forEach((_, i) => {
        const delta = Number(stamps[2 * i + 1] - stamps[2 * i]);
        if (delta > 0) samples[i].push(delta / 1e6);
      });
    }
  } finally {
    querySet.destroy();
    resolve.destroy();
  }
  if (samples.some((s) => s.length === 0)) return undefined;
  return stages.map((stage, i) => ({
    op: stage.op,
    ms: median(samples[i]),
    bytes: step.opBytes.find((o) => o.op === stage.op)?.bytes ?? 0,
  }));
}

function paramsOf(plan: DecodePlan, step: DecodeStep, c: StepCase): Record<string, ParamValue> {
  return {
    model: plan.model.id,
    format: plan.format,
    ...(plan.groupSize === undefined ? {} : { groupSize: plan.groupSize }),
    context: plan.context,
    batch: plan.batch,
    tp: plan.tp,
    kv: plan.kv,
    kvCache: plan.kvCache,
    ...(plan.kvDensity === undefined ? {} : { kvDensity: plan.kvDensity }),
    layersCycled: plan.layersCycled,
    workingSetBytes: step.workingSetBytes,
    ...(c.scaledForSoftware ? { scaledForSoftware: true } : {}),
  };
}

/** What the GEMV ops' residency says, op by op. */
/** How the per-op times, each op in passes of its own, compare with the layer timed in one pass. */
export function opsNote(ops: readonly { ms: number }[], layerMs: number, isSoftware: boolean): string {
  const sum = ops.reduce((total, op) => total + op.ms, 0);
  const ratio = sum / layerMs;
  return (
    `per-op times from one pass per op (median of ${isSoftware ? OP_REPEATS.software : OP_REPEATS.hardware} layers): ` +
    `their sum is ${ratio.toPrecision(3)}× the layer timed in one pass (${sum.toPrecision(3)} ms against ${layerMs.toPrecision(3)} ms); ` +
    'the projection uses the one-pass time'
  );
}

function residencyNote(residency: Record<string, Residency>): string {
  const parts = Object.entries(residency).map(
    ([op, r]) => `${op} ${r.ratio.toFixed(2)} (${r.ci95[0].toFixed(2)}–${r.ci95[1].toFixed(2)})`,
  );
  if (parts.length === 0) return 'no GEMV op was tested for cache residency';
  return (
    `time per byte of each GEMV on a cache-resident slice (${(Object.values(residency)[0].residentBytes / 1024 ** 2).toFixed(1)} MiB, reused) ÷ streamed, interleaved: ${parts.join(', ')}` +
    ' (≈ 1: no faster from cache — compute-bound on this adapter; well below 1: memory-bound)'
  );
}

/** Verifies, then times one decode-step configuration; returns its result (verified or failed). */
export async function measureDecodeStep(
  ctx: StepContext,
  c: StepCase,
  budgetMs: number,
): Promise<BenchResult> {
  const { gpu, timer } = ctx;
  const plan = planDecodeStep(c);
  // Sparse KV: the same layer over dense KV, verified too, and timed interleaved with it.
  const dense = plan.kv === 'sparse' ? planDecodeStep({ ...c, kv: 'dense' }) : undefined;
  const id = `decode-step/${plan.model.id}/${plan.format}${plan.groupSize ? `-g${plan.groupSize}` : ''}/c${plan.context}/b${plan.batch}/tp${plan.tp}/${plan.kv}${plan.kvDensity ? plan.kvDensity : ''}`;
  const notes: string[] = [];
  const flops =
    2 * referenceMacs(plan) + 4 * plan.batch * plan.slice.heads * plan.slice.headDim * plan.context;
  let check = await verifyOnProxy(gpu, c, plan, notes);
  let denseCheck = dense ? await verifyOnProxy(gpu, { ...c, kv: 'dense' }, dense, []) : undefined;
  const step = await createDecodeStep(gpu, plan);
  let denseStep: DecodeStep | undefined;
  let ceiling: ReadCeiling | undefined;
  const base = {
    id,
    op: 'decode-step' as const,
    kernel: 'decode-step',
    impl: 'attnscope' as const,
    bytes: step.bytes,
    flops,
  };
  try {
    check ??= await verifyLayer(gpu, step, plan.layersCycled - 1);
    if (check.ok && dense) {
      denseStep = await createDecodeStep(gpu, dense);
      denseCheck ??= await verifyLayer(gpu, denseStep, dense.layersCycled - 1);
      if (!denseCheck.ok) check = { ...denseCheck, failure: `the dense-KV twin: ${denseCheck.failure}` };
    }
    if (!check.ok) {
      return {
        ...base,
        params: paramsOf(plan, step, c),
        maxAbsErr: check.maxAbsErr,
        maxRelErr: check.maxRelErr,
        verified: false,
        error: `layer differs from the f64 reference: ${check.failure}`,
      };
    }
    ceiling = await prepareReadCeiling(ctx, 'decodeStep', step.workingSetBytes, 1);
    // The pairings with the probe (and the dense twin) share 60% of the budget, the LM head gets 15%,
    // the GEMV ops' cache-residency test 25%.
    const share = (0.6 * budgetMs) / (denseStep ? 2 : 1);
    const paired = await timeBesideCeiling(
      ctx,
      id,
      layerSampler(timer, 'decode-step', step),
      step.bytes,
      ceiling,
      share,
    );
    const sparseKv = denseStep
      ? await timeSparseAgainstDense(timer, step, denseStep, id, { budgetMs: share, signal: ctx.signal })
      : undefined;
    if (sparseKv) notes.push(sparseKv.note);
    const lmHead = await measureLmHead(ctx, plan, 0.15 * budgetMs);
    notes.push(lmHead.note);
    const latencyMs = paired.measurement.latencyMs;
    const gbps = step.bytes / latencyMs.median / 1e6;
    const residency = await stepResidency(gpu, timer, step, 0.25 * budgetMs, ctx.signal);
    const ops = (await timeOps(gpu, step))?.map((o) =>
      residency[o.op] ? { ...o, residency: residency[o.op] } : o,
    );
    notes.push(residencyNote(residency));
    if (!ops) notes.push('no per-op breakdown: this adapter has no timestamp-query');
    else notes.push(opsNote(ops, latencyMs.median, gpu.adapter.isSoftware));
    notes.push(
      paired.note,
      `gating fused into the down GEMV: ${step.gateFused ? 'yes' : 'no'}; GEMV ${step.gemv}`,
      `projection: 1 card of ${PROJECTION_CARD_GB} GB (the article's A100 80 GB assumed), LM head measured`,
      ...paired.measurement.notes,
    );
    const projection = projectDecode({
      model: plan.model,
      format: plan.format,
      ...(plan.groupSize === undefined ? {} : { groupSize: plan.groupSize }),
      context: plan.context,
      batch: plan.batch,
      cards: 1,
      layerMs: latencyMs.median,
      measuredTp: plan.tp,
      memoryGBPerCard: PROJECTION_CARD_GB,
      lmHeadMs: lmHead.sliceMs,
      lmHeadSlices: lmHead.slices,
      kvBytesPerValue: kvValueBytes(plan.kvCache),
    });
    return {
      ...base,
      params: { ...paramsOf(plan, step, c), lmHeadSliceMs: lmHead.sliceMs, lmHeadSlices: lmHead.slices },
      latencyMs,
      gbps,
      gflops: flops / latencyMs.median / 1e6,
      intensity: flops / step.bytes,
      maxAbsErr: check.maxAbsErr,
      maxRelErr: check.maxRelErr,
      verified: true,
      ...(ops ? { ops } : {}),
      projection,
      ceilingPair: paired.ceilingPair,
      ...(sparseKv
        ? {
            sparseKv: sparseKv.pair,
            density: keyRowsRead(plan) / plan.context,
            speedupVsDense: 1 / (1 - sparseKv.pair.timeSaved),
            pairedBaselineMs: sparseKv.pair.denseMs,
          }
        : {}),
      notes: notes.join('; '),
    };
  } finally {
    ceiling?.destroy();
    denseStep?.destroy();
    step.destroy();
  }
}
