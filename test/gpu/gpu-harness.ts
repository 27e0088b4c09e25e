// The one way GPU tests get a device: useGpu() inside a describe opens it once for that block, runs
// every test inside a validation error scope (a GPU validation error fails the test) and closes it
// at the end. Without an adapter the tests fail when ATTNSCOPE_REQUIRE_GPU=1 or CI is set (npm test
// sets it once SwiftShader is installed); otherwise each test is skipped with the reason, loudly.

import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { NoAdapterError } from '../../src/gpu/errors.ts';
import type { Gpu } from '../../src/gpu/gpu.ts';
import { openGpu } from '../../src/gpu/open.ts';

const required =
  process.env.ATTNSCOPE_REQUIRE_GPU === '1' ||
  Boolean(process.env.CI) ||
  process.env.npm_lifecycle_event === 'test';

/** Registers set-up/tear-down in the enclosing describe; returns a getter for its Gpu. */
export function useGpu(): () => Gpu {
  let gpu: Gpu | undefined;
  let missing: NoAdapterError | undefined;
  beforeAll(async () => {
    try {
      gpu = await openGpu();
    } catch (error) {
      if (!(error instanceof NoAdapterError) || required) throw error;
      missing = error;
      console.warn(`\n!!! GPU TESTS SKIPPED: no WebGPU adapter.\n!!! ${error.message}\n`);
    }
  });
  beforeEach((context) => {
    if (missing) {
      context.skip(`no WebGPU adapter: ${missing.message}`);
      return;
    }
    gpu?.device.pushErrorScope('validation');
  });
  afterEach(async (context) => {
    if (!gpu || gpu.isLost) return;
    const error = await gpu.device.popErrorScope();
    if (error) throw new Error(`GPU validation error in "${context.task.name}": ${error.message}`);
  });
  afterAll(() => {
    gpu?.close();
  });
  return () => {
    if (!gpu) throw new Error('useGpu(): the device is only available inside tests');
    return gpu;
  };
}

/** Deterministic uniform values in [lo, hi) (mulberry32), so failures reproduce. */
export function randomArray(length: number, seed: number, lo = -1, hi = 1): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}
