// gemv-f32 (shaders/gemv-f32.wgsl): y = x · W (+ r) for 1–16 rows, W stored as f32 in the layout of
// gemv-common.ts. Dispatches, tunables and limits: gemv-plan.ts; bytes and FLOPs: gemvCost.

import { gemvKernel } from './gemv-plan.ts';

export const gemvF32 = gemvKernel({
  name: 'gemv-f32',
  format: 'f32',
  shader: new URL('../../shaders/gemv-f32.wgsl', import.meta.url),
  summary: 'Weights as f32 (4 bytes each): the baseline the packed formats are measured against.',
});
