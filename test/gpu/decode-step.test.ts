// One decoder layer's decode step on a real adapter against the f64 reference layer: the test shape
// (grouped-query attention) and narrow tensor-parallel slices of the real shapes (GLM-130B: multi-head
// at hidden 12288; Llama-3-8B: grouped-query at hidden 4096), dense and sparse KV, f32 and f16 KV
// caches (f16: rope-append appends packed f16 rows that decode-f16 reads in place; the reference
// rounds the appended K/V to f16 the same way), several cycled layers.

import { describe, expect, it } from 'vitest';
import {
  type DecodeStepOptions,
  keptBlocks,
  keyRowsRead,
  planDecodeStep,
} from '../../src/model/decode-plan.ts';
import { createDecodeStep } from '../../src/model/decode-step.ts';
import { compareToReference } from '../../src/reference/compare.ts';
import { decoderLayerReference } from '../../src/reference/decoder-layer.ts';
import { useGpu } from './gpu-harness.ts';

const TOL = { atol: 2e-4, rtol: 2e-4 };

describe('decode step: one layer against the f64 reference layer', () => {
  const gpu = useGpu();

  it.each<DecodeStepOptions & { note: string }>([
    { note: 'test shape (GQA 4/2), control', model: 'test', format: 'f32', context: 37, batch: 1 },
    { note: 'test shape, f16 weights', model: 'test', format: 'f16', context: 37, batch: 1 },
    { note: 'test shape, int8 weights', model: 'test', format: 'int8', context: 37, batch: 1 },
    {
      note: 'test shape, f16 weights, f32 cache (asked for)',
      model: 'test',
      format: 'f16',
      context: 37,
      batch: 1,
      kvCache: 'f32',
    },
    {
      note: 'test shape, int4 weights (group 64)',
      model: 'test',
      format: 'int4',
      groupSize: 64,
      context: 37,
      batch: 1,
    },
    { note: 'test shape, batch 3', model: 'test', format: 'f16', context: 37, batch: 3 },
    { note: 'test shape, batch 16', model: 'test', format: 'int4', context: 20, batch: 16 },
    { note: 'test shape, context 1', model: 'test', format: 'f32', context: 1, batch: 1 },
    { note: 'test shape, full context', model: 'test', format: 'f32', context: 512, batch: 1 },
    {
      note: 'test shape, sparse KV',
      model: 'test',
      format: 'f32',
      context: 300,
      batch: 1,
      kv: 'sparse',
      kvDensity: 0.5,
      blockSize: 32,
    },
    {
      note: 'test shape, sparse KV, f16 cache, batch 2',
      model: 'test',
      format: 'int8',
      context: 300,
      batch: 2,
      kv: 'sparse',
      kvDensity: 0.5,
      blockSize: 32,
    },
    {
      note: 'test shape, second of two cycled layers',
      model: 'test',
      format: 'f32',
      context: 37,
      batch: 1,
      layersCycled: 2,
    },
    {
      note: 'Llama-3-8B 1/8 slice (GQA 4/1, hidden 4096), int8, sparse',
      model: 'llama-3-8b',
      format: 'int8',
      context: 200,
      batch: 1,
      tp: 8,
      kv: 'sparse',
      kvDensity: 0.6,
      blockSize: 16,
    },
    {
      note: 'GLM-130B 1/32 slice (MHA, hidden 12288), int4',
      model: 'glm-130b',
      format: 'int4',
      context: 37,
      batch: 1,
      tp: 32,
    },
  ])('$note', async ({ note: _note, ...options }) => {
    const plan = planDecodeStep(options);
    const step = await createDecodeStep(gpu(), plan);
    try {
      // The last cycled layer, alone, from the initial input (a token runs the layers in turn).
      const layer = plan.layersCycled - 1;
      const encoder = gpu().device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      step.encodeLayer(pass, layer);
      pass.end();
      gpu().device.queue.submit([encoder.finish()]);
      const got = await step.readOutput();
      const kept = plan.kv === 'sparse' ? { blockSize: plan.blockSize, layout: keptBlocks(plan) } : undefined;
      const expected = decoderLayerReference({ ...plan, shape: plan.slice, layer, kept });
      const result = compareToReference(got, expected.out, TOL);
      expect(result.failure, result.failure).toBeUndefined();
      expect(plan.kvCache).toBe(options.kvCache ?? (options.format === 'f32' ? 'f32' : 'f16'));
      // The cache's bytes in the step's bytes model follow its precision.
      const attention = step.opBytes.find((o) => o.op === 'attention')?.bytes ?? 0;
      const kvRows = plan.batch * plan.slice.kvHeads * keyRowsRead(plan);
      const qo = 2 * 4 * plan.batch * plan.slice.heads * plan.slice.headDim;
      expect(attention - qo).toBe(2 * (plan.kvCache === 'f16' ? 2 : 4) * kvRows * plan.slice.headDim);
      if (layer > 0) {
        const other = decoderLayerReference({ ...plan, shape: plan.slice, layer: 0, kept });
        expect(compareToReference(got, other.out, TOL).ok, 'control: layer 0 differs').toBe(false);
      }
      if (kept) {
        const dense = decoderLayerReference({ ...plan, shape: plan.slice, layer, kept: undefined });
        expect(compareToReference(got, dense.out, TOL).ok, 'control: dense KV differs').toBe(false);
      }
    } finally {
      step.destroy();
    }
  });
});
