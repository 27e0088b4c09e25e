// A small valid attention() input (2 heads, 3 query rows, 5 keys, headDim 4), zeros, for tests of
// input checks.

export const smallAttentionInput = () => ({
  q: new Float32Array(2 * 3 * 4),
  k: new Float32Array(2 * 5 * 4),
  v: new Float32Array(2 * 5 * 4),
  heads: 2,
  seqQ: 3,
  seqK: 5,
  headDim: 4,
});
