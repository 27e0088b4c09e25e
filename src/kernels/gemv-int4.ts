// gemv-int4 (shaders/gemv-int4.wgsl): y = x · W (+ r) for 1–16 rows, W stored as int4 in the layout of
// gemv-common.ts. Dispatches, tunables and limits: gemv-plan.ts; bytes and FLOPs: gemvCost.

import { gemvKernel } from './gemv-plan.ts';

export const gemvInt4 = gemvKernel({
  name: 'gemv-int4',
  format: 'int4',
  shader: new URL('../../shaders/gemv-int4.wgsl', import.meta.url),
  summary:
    'Weights as int4 with an f16 scale per group of k (4.5 bits a weight at group 32), dequantised in registers.',
});
