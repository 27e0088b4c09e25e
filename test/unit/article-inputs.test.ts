// The inputs beside the claims: checked in one place, and carried in a share link as a versioned,
// strictly decoded fragment field.

import { describe, expect, it } from 'vitest';
import {
  type ArticleInputs,
  checkInputs,
  DEFAULT_INPUTS,
  decodeInputs,
  encodeInputs,
} from '../../src/article/inputs.ts';

const inputs: ArticleInputs = {
  pricePerGpuHour: 1.35,
  format: 'int8',
  context: 1024,
  batch: 4,
  cards: 2,
  memoryGB: 24,
};

describe('encodeInputs / decodeInputs', () => {
  it('round-trips the inputs through a link', () => {
    const link = `https://example.org/attnscope/#r=1.AAAA&${encodeInputs(inputs)}`;
    expect(encodeInputs(inputs)).toBe('a=1.1.35~int8~1024~4~2~24');
    expect(decodeInputs(link)).toEqual({ ok: true, value: inputs });
  });

  it('reads the field when a link tool percent-encoded it, as the results field is read', () => {
    const encoded = encodeInputs(inputs).replaceAll('~', '%7E').replace('a=1.', 'a=1%2E');
    expect(decodeInputs(`https://example.org/attnscope/#r=1.AAAA&${encoded}`)).toEqual({
      ok: true,
      value: inputs,
    });
    expect(decodeInputs('#a=1.%E0%A4%A')).toMatchObject({ ok: false });
  });

  it('round-trips the defaults', () => {
    expect(decodeInputs(`#${encodeInputs(DEFAULT_INPUTS)}`)).toEqual({ ok: true, value: DEFAULT_INPUTS });
  });

  it('finds nothing in a link without the field (older links)', () => {
    expect(decodeInputs('#r=1.AAAA')).toBeUndefined();
    expect(decodeInputs('')).toBeUndefined();
  });

  it.each([
    ['a newer format', 'a=2.1~int4~2048~1~1~80', 'format 2'],
    ['no format number', 'a=1~int4', 'no format number'],
    ['a value too few', 'a=1.1~int4~2048~1~1', 'expected 6 values'],
    ['a value too many', 'a=1.1~int4~2048~1~1~80~9', 'expected 6 values'],
    ['an unknown format', 'a=1.1~int3~2048~1~1~80', 'format: must be one of'],
    [
      'a context beyond the model',
      'a=1.1~int4~4096~1~1~80',
      'context: must be a whole number from 1 to 2048',
    ],
    ['batch 0', 'a=1.1~int4~2048~0~1~80', 'batch'],
    ['a fractional card', 'a=1.1~int4~2048~1~1.5~80', 'cards'],
    ['an exponent', 'a=1.1e3~int4~2048~1~1~80', 'pricePerGpuHour: expected a plain number'],
    ['a negative price', 'a=1.-1~int4~2048~1~1~80', 'pricePerGpuHour: expected a plain number'],
    ['markup', 'a=1.<b>~int4~2048~1~1~80', 'pricePerGpuHour: expected a plain number'],
    ['an overlong field', `a=1.${'9'.repeat(200)}`, 'too long'],
  ])('refuses %s, naming why', (_name, field, message) => {
    const decoded = decodeInputs(`#r=1.AAAA&${field}`);
    expect(decoded?.ok).toBe(false);
    if (decoded && !decoded.ok) expect(decoded.error).toContain(message);
  });
});

describe('checkInputs', () => {
  it.each([
    ['pricePerGpuHour', { pricePerGpuHour: 0 }],
    ['context', { context: 2049 }],
    ['batch', { batch: 5000 }],
    ['cards', { cards: 0 }],
    ['memoryGB', { memoryGB: Number.NaN }],
  ])('names %s when it is out of range', (field, change) => {
    expect(() => checkInputs({ ...DEFAULT_INPUTS, ...change })).toThrow(new RegExp(`^${field}: `));
  });
});
