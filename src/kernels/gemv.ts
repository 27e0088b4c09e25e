// The GEMV kernels, one per weight format: y = x · W (+ r) for 1–16 rows, W in the layout of
// gemv-common.ts. Four formats share shaders/gemv.wgsl (one entry point each, main_<format>). The
// native-f16 twin is the same file's main_f16 with its one f16 decode (`halves`) read through the
// f16 type: its module is gemv.wgsl with `enable f16;` prepended and `halves` replaced
// (nativeF16Source), as `enable f16` makes a module invalid on adapters without shader-f16, so
// gemv.wgsl itself cannot say it. Dispatches, tunables and limits: gemv-plan.ts; bytes and FLOPs:
// gemvCost.

import type { ShaderEdit } from '../gpu/gpu.ts';
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
/** The lines around gemv.wgsl's `halves`, the one function native-f16 replaces. */
const HALVES_BEGIN = '// BEGIN halves';
const HALVES_END = '// END halves';
/** `halves` through the f16 type: each word bitcast to two halves and widened (sums stay f32). */
const NATIVE_HALVES = `fn halves(word: u32) -> vec2<f32> {
  return vec2<f32>(bitcast<vec2<f16>>(word));
}
`;

/**
 * gemv.wgsl made into gemv-f16-native's module: `enable f16;` first and the function between the
 * `// BEGIN halves` and `// END halves` lines replaced by NATIVE_HALVES. Throws, naming the markers,
 * unless each stands once at the start of a line, in that order.
 */
export function nativeF16Source(gemvWgsl: string): string {
  const line = (marker: string) => {
    const found = [...gemvWgsl.matchAll(new RegExp(`^${marker}.*$`, 'gm'))];
    if (found.length !== 1)
      throw new Error(`gemv.wgsl: expected one line starting "${marker}", found ${found.length}`);
    return found[0];
  };
  const begin = line(HALVES_BEGIN);
  const end = line(HALVES_END);
  const bodyStart = (begin.index ?? 0) + begin[0].length + 1;
  const bodyEnd = end.index ?? 0;
  const body = gemvWgsl.slice(bodyStart, bodyEnd);
  const comment = body.match(/^(?:\/\/.*\n)*/)?.[0] ?? '';
  const fn = body.slice(comment.length);
  if (bodyEnd < bodyStart || !fn.startsWith('fn halves(') || fn.match(/\bfn\s/g)?.length !== 1)
    throw new Error(`gemv.wgsl: expected fn halves between "${HALVES_BEGIN}" and "${HALVES_END}"`);
  return `enable f16;\n\n${gemvWgsl.slice(0, bodyStart)}${comment}${NATIVE_HALVES}${gemvWgsl.slice(bodyEnd)}`;
}

/** The edit that makes gemv-f16-native's module from gemv.wgsl. */
export const NATIVE_F16: ShaderEdit = { name: 'native-f16', apply: nativeF16Source };

export const gemvF16Native = gemvKernel({
  name: 'gemv-f16-native',
  format: 'f16',
  shader: GEMV,
  edit: NATIVE_F16,
  entryPoint: 'main_f16',
  summary: 'Weights as f16 read through the f16 type (enable f16; needs shader-f16), f32 sums.',
  features: ['shader-f16'],
});
