// scripts/decode-scaling.ts's options: defaults, and each bad value refused with the flag and its limits.

import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../scripts/decode-scaling.ts';

describe('decode-scaling options', () => {
  it('defaults to the standard software decode problem', () => {
    expect(parseOptions([])).toEqual({
      kv: 8192,
      heads: 2,
      headDim: 64,
      density: 0.6,
      block: 16,
      rounds: 21,
    });
  });

  it('reads every flag', () => {
    expect(
      parseOptions([
        '--kv',
        '4096',
        '--heads',
        '4',
        '--head-dim',
        '128',
        '--density',
        '0.5',
        '--block',
        '64',
        '--rounds',
        '9',
      ]),
    ).toEqual({ kv: 4096, heads: 4, headDim: 128, density: 0.5, block: 64, rounds: 9 });
  });

  it.each([
    [['--kv', '100000000'], /--kv: expected an integer in \[64, 1048576\], got 100000000/],
    [['--heads', '2.5'], /--heads: expected an integer in \[1, 64\], got 2.5/],
    [['--density', '1'], /--density: expected a number in \[0.05, 0.95\], got 1/],
    [['--density', 'abc'], /--density: expected a number/],
    [['--rounds'], /--rounds: expected an integer in \[5, 200\], got undefined/],
    [['--kv', '1000'], /--kv: expected a multiple of --block \(16\), got 1000/],
    [['--seqk', '8'], /unknown option '--seqk'; expected one of --kv, --heads/],
  ])('%j is refused', (argv, message) => {
    expect(() => parseOptions(argv as string[])).toThrow(message);
  });
});
