// The Params uniform shared by the matmul shaders (`struct Params` at the top of each).

import type { MatmulProblem } from './types.ts';

/** Packs m, k, n, has_bias, activation into the 32-byte Params uniform. */
export function matmulParams(p: MatmulProblem): ArrayBuffer {
  const words = new Uint32Array(8);
  words[0] = p.m;
  words[1] = p.k;
  words[2] = p.n;
  words[3] = p.bias ? 1 : 0;
  words[4] = p.activation === 'gelu' ? 1 : 0;
  return words.buffer;
}
