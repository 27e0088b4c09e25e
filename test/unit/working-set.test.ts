// Working sets for bandwidth-bound benchmarks: sized to defeat caches on GPUs (scaled down and said
// so on software adapters), random data, rotation per call, and the flag for a result above its ceiling.

import { describe, expect, it } from 'vitest';
import type { KernelRun } from '../../src/kernels/types.ts';
import {
  aboveCeiling,
  planWorkingSet,
  randomFloats,
  rotatingRun,
  WORKING_SET_HARDWARE,
  workingSetNote,
} from '../../src/measure/working-set.ts';

const MiB = 1024 * 1024;

describe('planWorkingSet', () => {
  it('hardware: sets of a small decode problem reach 512 MiB', () => {
    const plan = planWorkingSet(24 * MiB, false);
    expect(plan.bytes).toBeGreaterThanOrEqual(WORKING_SET_HARDWARE);
    expect(plan.sets).toBe(Math.ceil(512 / 24));
    expect(plan.scaledDown).toBe(false);
    expect(workingSetNote(plan, false)).not.toMatch(/scaled down/);
  });

  it('a set larger than the target is used alone', () => {
    expect(planWorkingSet(600 * MiB, false).sets).toBe(1);
  });

  it('software: a smaller target, said so in the note', () => {
    const plan = planWorkingSet(4 * MiB, true);
    expect(plan.bytes).toBeLessThan(WORKING_SET_HARDWARE);
    expect(plan.scaledDown).toBe(true);
    expect(workingSetNote(plan, true)).toMatch(/scaled down on a software adapter/);
  });

  it('a cache-resident working set is flagged: a memory budget that allows only one small set', () => {
    const plan = planWorkingSet(8 * MiB, false, 8 * MiB);
    expect(plan.sets).toBe(1);
    expect(plan.scaledDown).toBe(true);
    expect(workingSetNote(plan, false)).toMatch(/caches may serve part of it/);
  });

  it.each([0, -1, Number.NaN])('bytesPerSet = %s is refused', (bytes) => {
    expect(() => planWorkingSet(bytes, false)).toThrow(/bytesPerSet must be a positive number/);
  });
});

describe('randomFloats', () => {
  it('fills with values in [-1, 1), no run of zeros, the same for the same seed', () => {
    const a = randomFloats(4096, 7);
    expect(a.every((x) => x >= -1 && x < 1)).toBe(true);
    expect(a.filter((x) => x === 0).length).toBe(0);
    expect(Array.from(randomFloats(4096, 7))).toEqual(Array.from(a));
    expect(Array.from(randomFloats(16, 8))).not.toEqual(Array.from(a.subarray(0, 16)));
  });
});

describe('rotatingRun', () => {
  it('each call encodes the next set, and destroy frees every set', () => {
    const calls: number[] = [];
    const destroyed: number[] = [];
    const runs: KernelRun[] = [0, 1, 2].map((n) => ({
      encode: () => calls.push(n),
      destroy: () => destroyed.push(n),
    }));
    const run = rotatingRun(runs);
    for (let i = 0; i < 7; i++) run.encode({} as GPUComputePassEncoder);
    expect(calls).toEqual([0, 1, 2, 0, 1, 2, 0]);
    run.destroy();
    expect(destroyed).toEqual([0, 1, 2]);
    expect(() => rotatingRun([])).toThrow(/at least one/);
  });
});

describe('aboveCeiling', () => {
  it('flags a result above 100 % of its paired ceiling, and nothing at or below it', () => {
    expect(aboveCeiling(0.93)).toBeUndefined();
    expect(aboveCeiling(1)).toBeUndefined();
    expect(aboveCeiling(undefined)).toBeUndefined();
    expect(aboveCeiling(1.46, [1.3, 1.6])).toMatch(/above its ceiling: 146 %/);
    expect(aboveCeiling(1.02, [0.97, 1.07])).toMatch(/within noise/);
  });
});
