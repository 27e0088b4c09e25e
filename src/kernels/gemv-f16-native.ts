// gemv-f16-native (shaders/gemv-f16-native.wgsl): y = x · W (+ r) for 1–16 rows, W stored as f16 in the layout of
// gemv-common.ts. Dispatches, tunables and limits: gemv-plan.ts; bytes and FLOPs: gemvCost.

import { gemvKernel } from './gemv-plan.ts';

export const gemvF16Native = gemvKernel({
  name: 'gemv-f16-native',
  format: 'f16',
  shader: new URL('../../shaders/gemv-f16-native.wgsl', import.meta.url),
  summary: 'Weights as f16 read through the f16 type (enable f16; needs shader-f16), f32 sums.',
  features: ['shader-f16'],
});
