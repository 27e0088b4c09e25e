// Seeded pseudo-random numbers: the same seed always gives the same masks, inputs and bootstrap.

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; returns a function giving values in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One step of Marsaglia's xorshift32: the next state (a nonzero u32 from a nonzero one). Cheaper than
 * mulberry32, for filling hundreds of MiB of working set with data no cache can predict.
 */
export function xorshift32(state: number): number {
  let s = state;
  s ^= s << 13;
  s >>>= 0;
  s ^= s >>> 17;
  s ^= s << 5;
  return s >>> 0;
}

/** Uniform values in [lo, hi) from mulberry32(seed). */
export function seededArray(length: number, seed: number, lo = -1, hi = 1): Float32Array {
  const random = mulberry32(seed);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = lo + (hi - lo) * random();
  return out;
}
