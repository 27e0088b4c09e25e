// The GEMV kernels, one per weight format: y = x · W (+ r) for 1–16 rows, W in the layout of
// gemv-common.ts. Four formats share shaders/gemv.wgsl (one entry point each, main_<format>); the
// native-f16 twin has its own shaders/gemv-f16-native.wgsl because `enable f16` makes a shader
// module invalid on adapters without shader-f16. Dispatches, tunables and limits: gemv-plan.ts;
// bytes and FLOPs: gemvCost.

import type { WeightFormat } from './formats.ts';
import { type ConfigurableGemvKernel, gemvKernel } from './gemv-plan.ts';

const GEMV = new URL('../../shaders/gemv.wgsl', import.meta.url);

/** The kernel of one format of gemv.wgsl: named gemv-<format>, entry point main_<format>. */
function fromGemvWgsl(format: WeightFormat, summary: string): ConfigurableGemvKernel {
  return gemvKernel({ name: `gemv-${format}`, format, shader: GEMV, entryPoint: `main_${format}`, summary });
}

export const gemvF32 = fromGemvWgsl(
  'f32',
  'Weights as f32 (4 bytes each): the baseline the packed formats are measured against.',
);
export const gemvF16 = fromGemvWgsl(
  'f16',
  'Weights as packed f16 pairs, decoded with unpack2x16float (every adapter).',
);
export const gemvInt8 = fromGemvWgsl(
  'int8',
  'Weights as int8 with an f16 scale per column, dequantised in registers.',
);
export const gemvInt4 = fromGemvWgsl(
  'int4',
  'Weights as int4 with an f16 scale per group of k (4.5 bits a weight at group 32), dequantised in registers.',
);
export const gemvF16Native = gemvKernel({
  name: 'gemv-f16-native',
  format: 'f16',
  shader: new URL('../../shaders/gemv-f16-native.wgsl', import.meta.url),
  entryPoint: 'main',
  summary: 'Weights as f16 read through the f16 type (enable f16; needs shader-f16), f32 sums.',
  features: ['shader-f16'],
});
