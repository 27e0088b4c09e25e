// The one way GPU tests get a device: useGpu() inside a describe opens it once for that block, runs
// every test inside a validation error scope (a GPU validation error fails the test) and closes it
// at the end. Without an adapter the tests fail when ATTNSCOPE_REQUIRE_GPU=1 or CI is set (npm test
// sets it once SwiftShader is installed); otherwise each test is skipped with the reason, loudly.

import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { NoAdapterError } from '../../src/gpu/errors.ts';
import type { Gpu } from '../../src/gpu/gpu.ts';
import { openGpu } from '../../src/gpu/open.ts';
import { seededArray } from '../../src/util/random.ts';

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
export const randomArray = seededArray;
