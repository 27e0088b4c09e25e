// One decoder layer's decode step on a real adapter against the f64 reference layer: the test shape
// (grouped-query attention) and narrow tensor-parallel slices of the real shapes (GLM-130B: multi-head
// at hidden 12288; Llama-3-8B: grouped-query at hidden 4096), dense and sparse KV, several cycled
// layers, and the output after a full token of cycled layers.

import { describe, expect, it } from 'vitest';
import { type DecodeStepOptions, planDecodeStep } from '../../src/model/decode-plan.ts';
import { createDecodeStep } from '../../src/model/decode-step.ts';
import { compareToReference } from '../../src/reference/compare.ts';
import { decoderLayerReference } from '../../src/reference/decoder-layer.ts';
import { useGpu } from './gpu-harness.ts';

const TOL = { atol: 2e-4, rtol: 2e-4 };

describe('decode step: one layer against the f64 reference layer', () => {
  const gpu = useGpu();

  it.each<DecodeStepOptions & { note: string }>([
    {
      note: 'GLM-130B 1/32 slice (MHA, hidden 12288)',
      model: 'glm-130b',
      format: 'f32',
      context: 37,
      batch: 1,
      tp: 32,
    },
  ])('$note', async ({ note: _note, ...options }) => {
    const plan = planDecodeStep(options);
    const step = await createDecodeStep(gpu(), plan);
    try {
      step.submitToken();
      const got = await step.readOutput();
      const expected = decoderLayerReference({ ...plan, shape: plan.slice, layer: 0, kept: undefined });
      const result = compareToReference(got, expected.out, TOL);
      expect(result.failure, result.failure).toBeUndefined();
    } finally {
      step.destroy();
    }
  });
});
