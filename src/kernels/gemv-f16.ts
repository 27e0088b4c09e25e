// gemv-f16 (shaders/gemv-f16.wgsl): y = x · W (+ r) for 1–16 rows, W stored as f16 in the layout of
// gemv-common.ts. Dispatches, tunables and limits: gemv-plan.ts; bytes and FLOPs: gemvCost.

import { gemvKernel } from './gemv-plan.ts';

export const gemvF16 = gemvKernel({
  name: 'gemv-f16',
  format: 'f16',
  shader: new URL('../../shaders/gemv-f16.wgsl', import.meta.url),
  summary: 'Weights as packed f16 pairs, decoded with unpack2x16float (every adapter).',
});
