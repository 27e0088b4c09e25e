// scripts/decode-scaling.ts's options (defaults, each bad value refused with the flag and its limits) and
// scripts/decode-ceiling.ts's --variant (a JSON object of known createDecode options).

import { describe, expect, it } from 'vitest';
import { parseVariant } from '../../scripts/decode-ceiling.ts';
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
    [
      ['--kv', '64', '--block', '64', '--density', '0.05'],
      /--density: 0.05 of 1 key block rounds to 0 kept, not a sparse problem/,
    ],
    [
      ['--kv', '1048576', '--heads', '64', '--head-dim', '256'],
      /K alone would take 65536 MiB, over the limit of 256 MiB/,
    ],
  ])('%j is refused', (argv, message) => {
    expect(() => parseOptions(argv as string[])).toThrow(message);
  });
});

describe('decode-ceiling --variant', () => {
  it('takes a JSON object of createDecode options', () => {
    expect(parseVariant('{"lanes":2,"rangeKeys":512}')).toEqual({ lanes: 2, rangeKeys: 512 });
  });

  it.each([
    ['{bad', /--variant: not JSON/],
    ['"x"', /--variant: expected a JSON object of createDecode options, got "x"/],
    ['{"bogus":1}', /--variant: unknown option 'bogus'; expected one of kvF16/],
    ['{"workgroupSize":"abc"}', /--variant: workgroupSize: expected a positive integer, got "abc"/],
    ['{"lanes":0}', /--variant: lanes: expected a positive integer, got 0/],
    ['{"tiled":1}', /--variant: tiled: expected true or false, got 1/],
    ['{"adapterKind":"gpu"}', /--variant: adapterKind: expected one of hardware, software, got "gpu"/],
  ])('%s is refused', (text, message) => {
    expect(() => parseVariant(text)).toThrow(message);
  });
});
