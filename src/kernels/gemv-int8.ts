// gemv-int8 (shaders/gemv-int8.wgsl): y = x · W (+ r) for 1–16 rows, W stored as int8 in the layout of
// gemv-common.ts. Dispatches, tunables and limits: gemv-plan.ts; bytes and FLOPs: gemvCost.

import { gemvKernel } from './gemv-plan.ts';

export const gemvInt8 = gemvKernel({
  name: 'gemv-int8',
  format: 'int8',
  shader: new URL('../../shaders/gemv-int8.wgsl', import.meta.url),
  summary: 'Weights as int8 with an f16 scale per column, dequantised in registers.',
});
