// Share links: round trips (hand-made and property-based), clear errors for every kind of broken link,
// deflate bombs refused fast, prototype keys harmless, and a decoder that never throws.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkClaims } from '../../src/article/claims.ts';
import {
  compactForShare,
  decodeShareFragment,
  encodeShareLink,
  SHARE_CAPS,
  type ShareDecodeResult,
  shareLinkStats,
} from '../../src/results/share-link.ts';
import type { ResultsFile } from '../../src/results/types.ts';
import { decodeStep } from './article-fixtures.ts';
import { makeResult, makeResultsFile, quickPresetRun, resultsFileArbitrary } from './results-fixtures.ts';

const BASE_URL = 'https://example.org/attnscope/';

async function deflateRaw(chunks: Iterable<Uint8Array<ArrayBuffer>>): Promise<Uint8Array> {
  const stream = new CompressionStream('deflate-raw');
  const writer = stream.writable.getWriter();
  void (async () => {
    for (const chunk of chunks) await writer.write(chunk);
    await writer.close();
  })();
  return new Uint8Array(await new Response(stream.readable).arrayBuffer());
}

function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

async function linkOf(text: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  return `#r=1.${base64Url(await deflateRaw([bytes]))}`;
}

function zeros(megabytes: number): Iterable<Uint8Array<ArrayBuffer>> {
  const chunk = new Uint8Array(1024 * 1024);
  return Array.from({ length: megabytes }, () => chunk);
}

function expectError(decoded: ShareDecodeResult, message: string): void {
  expect(decoded.ok).toBe(false);
  if (!decoded.ok) expect(decoded.error).toContain(message);
}

describe('round trip', () => {
  it('gives back the compacted quick-preset run', async () => {
    const run = quickPresetRun();
    const link = await encodeShareLink(run, BASE_URL);
    expect(link.startsWith(`${BASE_URL}#r=1.`)).toBe(true);
    expect(link.slice(BASE_URL.length + 5)).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await decodeShareFragment(link.slice(link.indexOf('#')))).toEqual({
      ok: true,
      value: compactForShare(run),
      version: 1,
    });
  });

  it.each([
    ['the hash', (link: string) => link.slice(link.indexOf('#'))],
    ['the fragment without #', (link: string) => link.slice(link.indexOf('#') + 1)],
    ['the whole link', (link: string) => link],
    [
      'a fragment with other fields',
      (link: string) => `#view=table&${link.slice(link.indexOf('#') + 1)}&x=1`,
    ],
    ['a percent-encoded link', (link: string) => link.replace('r=1.', 'r=1%2E')],
    ['a link with spaces around it', (link: string) => `  ${link}\n`],
  ])('decodes %s', async (_name, shape) => {
    const link = await encodeShareLink(makeResultsFile(), BASE_URL);
    expect(await decodeShareFragment(shape(link))).toMatchObject({ ok: true, version: 1 });
  });

  it('replaces a fragment already on the base URL', async () => {
    const link = await encodeShareLink(makeResultsFile(), `${BASE_URL}?run=quick#r=1.old`);
    expect(link.startsWith(`${BASE_URL}?run=quick#r=1.`)).toBe(true);
    expect(link).not.toContain('old');
  });

  it('round-trips any valid results file (property)', async () => {
    await fc.assert(
      fc.asyncProperty(resultsFileArbitrary, async (results) => {
        const compacted = compactForShare(results);
        const decoded = await decodeShareFragment(await encodeShareLink(results, BASE_URL));
        expect(decoded).toEqual({ ok: true, value: compacted, version: 1 });
        expect(compactForShare(compacted)).toEqual(compacted);
      }),
      { numRuns: 300 },
    );
  }, 30_000);
});

describe('compaction', () => {
  const result = makeResult({
    bytes: 123_456_789,
    latencyMs: {
      median: 1.234567891,
      p10: 1.2345678001,
      p90: 1.2345679004,
      ci95: [1.23456784, 1.23456794],
      samples: 30,
    },
    gbps: 0.000123456,
    maxAbsErr: 1.234567451e-7,
    density: undefined,
    error: 'é'.repeat(1000),
  });
  const compacted = compactForShare(makeResultsFile([result])).results[0];
  const shared = (value: number) =>
    compactForShare(makeResultsFile([makeResult({ gbps: value })])).results[0].gbps ?? Number.NaN;

  it('rounds non-integers to 8 significant digits, or more where 8 end on a 0 or a 5, and keeps integers exact', () => {
    expect(shared(0.1234567891)).toBe(0.12345679);
    expect(compacted.latencyMs?.median).toBe(1.2345679);
    expect(compacted.gbps).toBe(0.000123456); // already short: kept
    // 1.234567451e-7 to 8 digits is 1.2345675e-7, halfway between two of 7 digits: two more digits.
    expect(compacted.maxAbsErr).toBe(1.234567451e-7);
    // 0.879999996 to 8 digits is 0.88000000, the article's 88% threshold itself: one more digit.
    expect(shared(0.879999996)).toBe(0.879999996);
    expect(shared(0.88)).toBe(0.88);
    // Never fewer digits than the integer part (the page shows every integer digit).
    expect(shared(123456789.123)).toBe(123456789);
    expect(shared(18934.21875)).toBe(18934.219);
    expect(compacted.bytes).toBe(123_456_789);
    expect(compacted.latencyMs?.samples).toBe(30);
  });

  it('shows a shared value with the digits the sender saw (no double rounding on a 5)', () => {
    // A share of 32.49999996 % shows as "32 %"; rounded to 8 digits first (0.32500000) it would show "33 %".
    expect((shared(0.3249999996) * 100).toPrecision(2)).toBe('32');
    fc.assert(
      fc.property(
        fc.double({ min: 1e-9, max: 1e9, noNaN: true }),
        fc.integer({ min: 1, max: 7 }),
        (value, digits) => {
          expect(shared(value).toPrecision(digits)).toBe(value.toPrecision(digits));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('keeps every comparison with a threshold of up to 7 significant digits (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
        fc.integer({ min: 1, max: 7 }),
        fc.double({ min: -1e-6, max: 1e-6, noNaN: true }),
        (value, digits, nudge) => {
          // A threshold of `digits` digits right beside the value (where rounding could cross it).
          const threshold = Number((value * (1 + nudge)).toPrecision(digits));
          const r = shared(value);
          expect([r < threshold, r <= threshold, r > threshold]).toEqual([
            value < threshold,
            value <= threshold,
            value > threshold,
          ]);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('gives the recipient the verdicts the sender saw, at the thresholds themselves', async () => {
    for (const [share, ci] of [
      [0.89, [0.879999996, 0.9]],
      [1.00000002, [0.99, 1.01]],
    ] as const) {
      const file = makeResultsFile([decodeStep({ medianMs: 5, share, shareCi: [ci[0], ci[1]] })]);
      file.environment.adapter.isSoftware = false;
      const decoded = await decodeShareFragment(await encodeShareLink(file, BASE_URL));
      if (!decoded.ok) throw new Error(decoded.error);
      const verdicts = (f: ResultsFile) =>
        checkClaims(f, { origin: 'link' }).map((c) => [c.claim.id, c.outcome.verdict]);
      expect(verdicts(decoded.value)).toEqual(verdicts(file));
    }
  });

  it('keeps orderings: p10 ≤ ci lo ≤ median ≤ ci hi ≤ p90', () => {
    const latency = compacted.latencyMs!;
    expect(latency.p10).toBeLessThanOrEqual(latency.ci95[0]);
    expect(latency.ci95[0]).toBeLessThanOrEqual(latency.median);
    expect(latency.median).toBeLessThanOrEqual(latency.ci95[1]);
    expect(latency.ci95[1]).toBeLessThanOrEqual(latency.p90);
  });

  it('cuts aboveCeiling like notes, and refuses a link its decoder would refuse', async () => {
    const long = makeResult({ aboveCeiling: 'x'.repeat(4000) });
    expect(compactForShare(makeResultsFile([long])).results[0].aboveCeiling).toHaveLength(
      SHARE_CAPS.textInLink,
    );
    // 2000 alike results: well over the decoder's 1 MiB of JSON, yet a short payload once deflated.
    const many = makeResultsFile(
      Array.from({ length: 2000 }, (_, i) => makeResult({ id: `r${i}`, notes: 'x'.repeat(300) })),
    );
    await expect(encodeShareLink(many, BASE_URL)).rejects.toThrow(
      /too large for a link \(\d+ bytes of JSON, the limit is 1048576\)/,
    );
  });

  it('values the schema lets stand a hair out of order, astride a rounding boundary, still make a link', async () => {
    // p10 two parts in 10^13 above the median (floating-point quantiles): rounded to 8 digits the two
    // would be 1.2345679 and 1.2345678, a whole digit out of order; the link keeps them as they are.
    const latencyMs = {
      median: 1.2345678499999,
      p10: 1.2345678500001,
      p90: 1.3,
      ci95: [1.2, 1.3] as [number, number],
      samples: 30,
    };
    const decoded = await decodeShareFragment(
      await encodeShareLink(makeResultsFile([makeResult({ latencyMs })]), BASE_URL),
    );
    expect(decoded.ok).toBe(true);
    if (decoded.ok)
      expect(decoded.value.results[0].latencyMs).toMatchObject({
        median: latencyMs.median,
        p10: latencyMs.p10,
      });
  });

  it('drops undefined fields and cuts long errors', () => {
    expect(Object.hasOwn(compacted, 'density')).toBe(false);
    expect(compacted.error).toHaveLength(SHARE_CAPS.textInLink);
    expect(compacted.error?.endsWith('…')).toBe(true);
  });

  it('does not split a surrogate pair when cutting', () => {
    const emoji = compactForShare(makeResultsFile([makeResult({ notes: `x${'😀'.repeat(400)}` })])).results[0]
      .notes!;
    expect(() => encodeURIComponent(emoji)).not.toThrow(); // throws on a lone surrogate
  });
});

describe('encodeShareLink refuses what would not decode', () => {
  it('names the bad field', async () => {
    const file = makeResultsFile([makeResult(), makeResult({ maxAbsErr: Number.NaN })]);
    await expect(encodeShareLink(file, BASE_URL)).rejects.toThrow(
      'results[1].maxAbsErr: expected a finite number',
    );
  });

  it('refuses results too large for a link', async () => {
    // Random-looking ids do not compress: 2000 of them pass the payload cap.
    const random = fc.sample(fc.stringMatching(/^[a-z0-9]{100}$/), { numRuns: 2000, seed: 1 });
    const file = makeResultsFile(random.map((id) => makeResult({ id })));
    await expect(encodeShareLink(file, BASE_URL)).rejects.toThrow('too large for a link');
  });
});

describe('broken links give clear errors', () => {
  it.each([
    ['an empty string', '', 'no "#r=" part'],
    ['a bare #', '#', 'no "#r=" part'],
    ['another fragment', '#section-2', 'no "#r=" part'],
    ['r= with nothing', '#r=', 'must start with a format number'],
    ['no version', '#r=abc', 'must start with a format number'],
    ['a version only', '#r=1', 'ends after the format number'],
    ['a version and a dot', '#r=1.', 'carries no data'],
    ['a future version', '#r=7.AAAA', 'made by a newer attnscope (format 7)'],
    ['format 0', '#r=0.AAAA', 'format 0 does not exist'],
    ['a character outside base64url', '#r=1.AB+D', 'not use, at position 3'],
    ['an impossible length', '#r=1.ABCDE', 'impossible length'],
    ['bytes that are not deflate', '#r=1.____________', 'does not decompress'],
    ['script markup', '#r=1.<script>alert(1)</script>', 'base64url does not use'],
  ])('%s', async (_name, hash, message) => {
    expectError(await decodeShareFragment(hash), message);
  });

  it('a truncated link', async () => {
    const link = await encodeShareLink(quickPresetRun(), BASE_URL);
    const hash = link.slice(link.indexOf('#'));
    for (const keep of [0.25, 0.5, 0.9]) {
      expectError(
        await decodeShareFragment(hash.slice(0, Math.floor(hash.length * keep) & ~3)),
        'does not decompress',
      );
    }
  });

  it.each([
    ['text that is not JSON', 'hello', 'not valid JSON'],
    ['JSON that is not results', '{"a":1}', 'cannot read: schema: missing'],
    [
      'results with a bad field',
      JSON.stringify(makeResultsFile()).replace('"median":1.25', '"median":"1.25"'),
      'results[0].latencyMs.median: expected a finite number',
    ],
  ])('%s', async (_name, text, message) => {
    expectError(await decodeShareFragment(await linkOf(text)), message);
  });

  it('bytes that are not UTF-8', async () => {
    expectError(
      await decodeShareFragment(await linkOf(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))),
      'not UTF-8',
    );
  });

  it('a payload over the length cap, before any work', async () => {
    expectError(
      await decodeShareFragment(`#r=1.${'A'.repeat(SHARE_CAPS.payloadChars + 4)}`),
      'the limit is 65536',
    );
    expectError(
      await decodeShareFragment(`#r=1.${'A'.repeat(10_000_000)}`),
      'it is 10000005 characters long, the limit is 69632 (65536 of data',
    );
    // Data within the cap of the whole text but over its own: the data's cap is named.
    expectError(
      await decodeShareFragment(`#r=1.${'A'.repeat(66_000)}&x=${'B'.repeat(3000)}`),
      'its data is 66000 characters long, the limit is 65536',
    );
  });
});

describe('deflate bombs', () => {
  it('16 MiB of zeros (16 KB deflated) is refused at 1 MiB', async () => {
    const bomb = base64Url(await deflateRaw(zeros(16)));
    expect(bomb.length).toBeLessThan(SHARE_CAPS.payloadChars);
    expectError(await decodeShareFragment(`#r=1.${bomb}`), 'expands past 1 MiB');
  });

  it('50 MB of zeros is refused by its length, before anything is inflated', async () => {
    const bomb = base64Url(await deflateRaw(zeros(50)));
    expectError(await decodeShareFragment(`#r=1.${bomb}`), 'the limit is 65536');
  });

  it('a bomb of valid JSON whitespace is refused the same way', async () => {
    const spaces = new TextEncoder().encode(' '.repeat(1024 * 1024));
    const bomb = base64Url(
      await deflateRaw([new TextEncoder().encode('{"schema":'), ...Array(8).fill(spaces)]),
    );
    expectError(await decodeShareFragment(`#r=1.${bomb}`), 'expands past 1 MiB');
  });
});

describe('prototype keys in a link', () => {
  it.each([
    ['at the top', '"tool":', '"__proto__":{"polluted":true},"tool":', '__proto__: unknown field'],
    [
      'in params',
      '"heads":',
      '"__proto__":{"polluted":true},"heads":',
      'results[0].params: the keys __proto__',
    ],
    [
      'constructor.prototype',
      '"bytes":',
      '"constructor":{"prototype":{"polluted":true}},"bytes":',
      'results[0].constructor',
    ],
  ])('%s: refused, nothing polluted', async (_name, anchor, replacement, message) => {
    const json = JSON.stringify(makeResultsFile()).replace(anchor, replacement);
    expect(json).toContain(replacement);
    expectError(await decodeShareFragment(await linkOf(json)), message);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('the decoder never throws', () => {
  const neverThrows = async (hash: string) => {
    const decoded = await decodeShareFragment(hash);
    expect(typeof decoded.ok).toBe('boolean');
    if (!decoded.ok) expect(typeof decoded.error).toBe('string');
  };

  it('on arbitrary strings (10,000 cases)', async () => {
    const arbitraryHash = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ maxLength: 200 }).map((text) => `#r=${text}`),
      fc.string({ maxLength: 12 }).map((text) => `#r=${text}.AAAA`),
      fc.stringMatching(/^[A-Za-z0-9_-]{0,300}$/).map((text) => `#r=1.${text}`),
    );
    await fc.assert(fc.asyncProperty(arbitraryHash, neverThrows), { numRuns: 10_000 });
  }, 30_000);

  it('on valid links with a character changed or cut (2,000 cases)', async () => {
    const hash = await encodeShareLink(quickPresetRun(), '');
    const damaged = fc
      .tuple(fc.nat({ max: hash.length - 1 }), fc.constantFrom(...'AZaz09-_!%.'), fc.boolean())
      .map(([at, char, cut]) => (cut ? hash.slice(0, at) : hash.slice(0, at) + char + hash.slice(at + 1)));
    await fc.assert(fc.asyncProperty(damaged, neverThrows), { numRuns: 2_000 });
  }, 30_000);

  it('on deflated arbitrary JSON (1,000 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.json({ maxDepth: 4 }), async (json) => neverThrows(await linkOf(json))),
      { numRuns: 1_000 },
    );
  }, 30_000);

  it('on a non-string argument', async () => {
    expectError(await decodeShareFragment(undefined as unknown as string), 'expected the text of a link');
  });
});

describe('link size', () => {
  it('a quick-preset run (30 results) makes a link of a few thousand characters', async () => {
    const run = quickPresetRun();
    const stats = await shareLinkStats(run, BASE_URL);
    const link = await encodeShareLink(run, BASE_URL);
    expect(stats.results).toBe(30);
    expect(stats.linkChars).toBe(link.length);
    expect(stats.payloadChars).toBeLessThan(6000);
    expect(stats.compactJsonChars).toBeLessThan(stats.jsonChars);
  });
});
