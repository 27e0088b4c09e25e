// The grids the read ceiling is timed on beside a kernel: on a software adapter probeGrid()'s pick
// and two and four times as many workgroups (those the size can use), on hardware the default.

import { describe, expect, it } from 'vitest';
import { STREAM_WORKGROUP_SIZE } from '../../src/kernels/copy.ts';
import { BESIDE_GRID_FACTORS, besideGrids, ceilingBytes } from '../../src/measure/read-ceiling.ts';

describe('besideGrids', () => {
  const MiB = 1 << 20;
  it.each([
    { name: 'hardware: the default grid alone', chosen: undefined, bytes: 64 * MiB, grids: [undefined] },
    { name: 'software, room for all', chosen: 4, bytes: 8 * MiB, grids: [4, 8, 16] },
    { name: 'software, the sweep picked 2', chosen: 2, bytes: 8 * MiB, grids: [2, 4, 8] },
    // 16 × 256 × 5 vec4: at most 5 workgroups of 256 have a vec4 to read.
    {
      name: 'software, capped by the size',
      chosen: 2,
      bytes: 16 * STREAM_WORKGROUP_SIZE * 5,
      grids: [2, 4, 5],
    },
    { name: 'software, one workgroup fills it', chosen: 1, bytes: 16 * 100, grids: [1] },
  ])('$name', ({ chosen, bytes, grids }) => {
    expect(besideGrids(chosen, bytes)).toEqual(grids);
  });

  it('the multiples start at the pick itself', () => {
    expect(BESIDE_GRID_FACTORS[0]).toBe(1);
  });
});

describe('ceilingBytes', () => {
  it.each([
    { name: 'a multiple of 16', bytes: 4096, limit: 1 << 20, expected: { bytes: 4096, capped: false } },
    { name: 'rounded up to 16', bytes: 4097, limit: 1 << 20, expected: { bytes: 4112, capped: false } },
    { name: 'at least 16', bytes: 0, limit: 1 << 20, expected: { bytes: 16, capped: false } },
    {
      name: 'exactly one binding',
      bytes: 1 << 20,
      limit: 1 << 20,
      expected: { bytes: 1 << 20, capped: false },
    },
    {
      name: 'capped at one binding',
      bytes: 3 << 20,
      limit: 1 << 20,
      expected: { bytes: 1 << 20, capped: true },
    },
    { name: 'a limit not a multiple of 16', bytes: 100, limit: 70, expected: { bytes: 64, capped: true } },
  ])('$name', ({ bytes, limit, expected }) => {
    expect(ceilingBytes(bytes, limit)).toEqual(expected);
  });
});
