// WaitPace: how long a timed wait sleeps before it polls (gpu/pace.ts), from the fastest of the
// label's recent calls, by the share of the clock that times the work.

import { describe, expect, it } from 'vitest';
import { OVER_REST, RECENT_SAMPLES, UNDER_REST, WaitPace, waitsRest } from '../../src/gpu/pace.ts';

describe('waitsRest', () => {
  it('rests only in Node on a CPU adapter', () => {
    expect(waitsRest('node', { isSoftware: true })).toBe(true);
    expect(waitsRest('node', { isSoftware: false })).toBe(false);
    expect(waitsRest('browser', { isSoftware: true })).toBe(false);
    expect(waitsRest('browser', { isSoftware: false })).toBe(false);
  });
});

describe('WaitPace', () => {
  it('rests past the expected end for timestamps and short of it for the wall clock', () => {
    expect(OVER_REST).toBeGreaterThan(1);
    expect(UNDER_REST).toBeLessThan(1);
  });

  it('does not rest before a label has a sample', () => {
    const pace = new WaitPace(OVER_REST);
    expect(pace.restMs('decode', 4)).toBe(0);
    pace.record('decode', 2, 10);
    expect(pace.restMs('probe', 4)).toBe(0);
  });

  it('rests the share of the calls at the per-call time, less the time already gone, never below 0', () => {
    const pace = new WaitPace(0.5);
    pace.record('k', 4, 40); // 10 ms a call
    expect(pace.restMs('k', 2)).toBeCloseTo(10);
    expect(pace.restMs('k', 2, 4)).toBeCloseTo(6);
    expect(pace.restMs('k', 2, 25)).toBe(0);
  });

  it('takes the fastest of the recent samples, forgetting the older ones', () => {
    const pace = new WaitPace(1);
    pace.record('k', 1, 12);
    pace.record('k', 1, 8);
    pace.record('k', 1, 10);
    expect(pace.restMs('k', 1)).toBe(8);
    // 8 stays while it is one of the last RECENT_SAMPLES; the next sample pushes it out.
    for (let i = 0; i < RECENT_SAMPLES - 2; i++) pace.record('k', 1, 20);
    expect(pace.restMs('k', 1)).toBe(8);
    pace.record('k', 1, 20);
    expect(pace.restMs('k', 1)).toBe(10);
  });

  it('ignores samples that are not a positive time of positive calls', () => {
    const pace = new WaitPace(1);
    pace.record('k', 1, 0);
    pace.record('k', 0, 5);
    pace.record('k', 1, Number.NaN);
    expect(pace.restMs('k', 1)).toBe(0);
  });
});
