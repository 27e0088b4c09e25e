// The `model` suite of a benchmark run: which decode-step configurations each preset measures on this
// adapter (each a job of the plan, run by adapter-runners.ts). Real widths where the device's buffer
// limits allow, else the smallest tensor-parallel slice that fits (named by tp); enough distinct
// layers cycled that their weights stream from memory (MIN_STREAM_BYTES); on a software adapter
// everything scaled down, and said so.

import type { Gpu } from '../gpu/gpu.ts';
import { gemvLayout } from '../kernels/gemv-common.ts';
import {
  type DecodeStepOptions,
  defaultKvCache,
  kvValueBytes,
  planDecodeStep,
  sliceShape,
  stepBytes,
  tpChoices,
} from '../model/decode-plan.ts';
import { layerMatrices, layerWeightBytes, modelShape, type WeightFormat } from '../model/shapes.ts';
import type { StepCase } from './measure-step.ts';

export type ModelPreset = 'quick' | 'standard' | 'full';

/** Weights a timing cycles through on a GPU: well past any last-level cache (H200: 50 MB L2). */
export const MIN_STREAM_BYTES = 512 * 1024 ** 2;
/** The most one configuration may allocate on a GPU (WebGPU cannot ask how much memory is free). */
export const MAX_WORKING_SET_BYTES = 6 * 1024 ** 3;

/** The smallest tp (1 = the real width) whose buffers fit this device's limits. */
export function fittingTp(gpu: Pick<Gpu, 'limits'>, c: DecodeStepOptions): number {
  const model = modelShape(c.model);
  const { maxBufferSize, maxStorageBufferBindingSize } = gpu.limits;
  for (const tp of tpChoices(model)) {
    const slice = sliceShape(model, tp);
    const weightsFit = layerMatrices(slice).every(
      (m) =>
        gemvLayout({ k: m.k, n: m.n, format: c.format, groupSize: c.groupSize }).weightBytes <= maxBufferSize,
    );
    const kvCache = c.kvCache ?? defaultKvCache(c.format);
    const cache = kvValueBytes(kvCache) * c.batch * slice.kvHeads * c.context * slice.headDim;
    const layer = layerWeightBytes(slice, c.format, c.groupSize) + 2 * cache;
    if (
      weightsFit &&
      cache <= Math.min(maxBufferSize, maxStorageBufferBindingSize) &&
      layer <= MAX_WORKING_SET_BYTES
    )
      return tp;
  }
  return tpChoices(model).at(-1) ?? 1;
}

/** Layers to cycle so that the weights and caches read per pass exceed MIN_STREAM_BYTES, within the working-set cap. */
export function layersToCycle(c: DecodeStepOptions): number {
  const bytes = stepBytes(planDecodeStep(c)).total;
  const wanted = Math.ceil(MIN_STREAM_BYTES / bytes);
  return Math.max(1, Math.min(64, wanted, Math.floor(MAX_WORKING_SET_BYTES / bytes)));
}

type HardwareCase = Omit<DecodeStepOptions, 'tp' | 'layersCycled'>;
type Extra = Partial<DecodeStepOptions>;

/** The article's sparse KV: 60% of the cache's blocks kept (−40%). */
const SPARSE: Extra = { kv: 'sparse', kvDensity: 0.6 };

/** One sequence decoded (unless `extra` says otherwise). */
function step(model: string, format: WeightFormat, context: number, extra: Extra = {}): DecodeStepOptions {
  return { model, format, context, batch: 1, ...extra };
}

/** On a software adapter: the test model, two layers cycled. */
const testLayer = (format: WeightFormat, extra: Extra = {}) =>
  step('test', format, 512, { layersCycled: 2, ...extra });
/** On a software adapter: a real model's narrowest slice (tp), one layer. */
const slice = (model: string, format: WeightFormat, context: number, tp: number) =>
  step(model, format, context, { tp, layersCycled: 1 });

const SOFTWARE_CASES: Record<ModelPreset, DecodeStepOptions[]> = {
  quick: [
    testLayer('f16', { context: 256 }),
    // GLM-130B at its real width (hidden 12288), its narrowest slice: the page's decoder section reads it.
    slice('glm-130b', 'int4', 64, 32),
  ],
  standard: [
    testLayer('f16'),
    testLayer('int4'),
    testLayer('int4', SPARSE),
    slice('glm-130b', 'int4', 512, 32),
    slice('llama-3-8b', 'int8', 512, 8),
  ],
  full: [
    testLayer('f32'),
    testLayer('f16', { batch: 4 }),
    testLayer('int8'),
    testLayer('int4', SPARSE),
    slice('glm-130b', 'int4', 2048, 32),
    slice('glm-130b', 'f16', 2048, 32),
    slice('llama-3-8b', 'int8', 2048, 8),
  ],
};

/** On a GPU: GLM-130B at 2048 tokens of context. */
const glm = (format: WeightFormat, extra: Extra = {}) => step('glm-130b', format, 2048, extra);
const HARDWARE_QUICK = [step('test', 'f16', 512), glm('int4')];

const HARDWARE_CASES: Record<ModelPreset, HardwareCase[]> = {
  quick: HARDWARE_QUICK,
  standard: [
    ...HARDWARE_QUICK,
    glm('int8'),
    glm('f16'),
    glm('int4', SPARSE),
    step('llama-3-8b', 'f16', 8192),
  ],
  full: [
    step('test', 'f16', 512),
    glm('f32'),
    glm('f16'),
    glm('int8'),
    glm('int4'),
    glm('int4', { batch: 8 }),
    glm('int4', SPARSE),
    step('llama-3-8b', 'f16', 8192),
    step('llama-3-8b', 'int4', 8192, SPARSE),
  ],
};

/** The decode-step configurations of a preset on this adapter. */
export function modelCases(gpu: Pick<Gpu, 'limits' | 'adapter'>, preset: ModelPreset): StepCase[] {
  if (gpu.adapter.isSoftware) return SOFTWARE_CASES[preset].map((c) => ({ ...c, scaledForSoftware: true }));
  return HARDWARE_CASES[preset].map((c) => {
    const tp = fittingTp(gpu, c);
    return { ...c, tp, layersCycled: layersToCycle({ ...c, tp }) };
  });
}

/** A short label for progress lines. */
export function caseLabel(c: StepCase): string {
  return `decode-step ${c.model} ${c.format} ctx=${c.context} b=${c.batch}${c.tp && c.tp > 1 ? ` tp=${c.tp}` : ''}${c.kv === 'sparse' ? ` sparse ${c.kvDensity}` : ''}`;
}
