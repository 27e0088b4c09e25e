// Share links (contract: ../shared/design.md "Share links"): `<page URL>#r=1.<base64url of
// deflate-raw(JSON)>`. The results travel in the fragment, so they never reach a server. The decoder
// treats every link as hostile: the encoded length is capped, inflation is streamed and aborted past
// the decompressed cap (a few KB of deflate can expand a thousandfold), and the JSON must pass the
// strict schema. Browser and Node 20 both provide CompressionStream / DecompressionStream.

import { fragmentField } from '../util/fragment.ts';
import { cutResultTexts, parseResults } from './schema.ts';
import type { ResultsFile } from './types.ts';

/** The format version written by encodeShareLink; every older version keeps decoding forever. */
export const SHARE_FORMAT_VERSION = 1;

export const SHARE_CAPS = {
  /** Characters of the base64url payload after `r=1.` (64 KiB). */
  payloadChars: 64 * 1024,
  /** Bytes of JSON after inflation (1 MiB); inflation stops as soon as it passes this. */
  decompressedBytes: 1024 * 1024,
  /** Characters kept of a result's `error` and `notes` in a link (the JSON export keeps them whole). */
  textInLink: 300,
} as const;

const SIGNIFICANT_DIGITS = 8;
/** Enough digits for any double: it is exact there. */
const MAX_DIGITS = 17;
/** The longest text read as a link: the payload's cap, and room for the page's address and other fields. */
const MAX_LINK_CHARS = SHARE_CAPS.payloadChars + 4096;
// Compressed bytes handed to the inflater at a time, so that one step expands to at most ~1 MB.
const INFLATE_SLICE_BYTES = 1024;

export type ShareDecodeResult =
  | { ok: true; value: ResultsFile; version: number }
  | { ok: false; error: string };

export interface ShareLinkStats {
  results: number;
  /** JSON.stringify of the results as given. */
  jsonChars: number;
  /** JSON after compaction (what is deflated). */
  compactJsonChars: number;
  deflatedBytes: number;
  /** Characters after `#r=1.`. */
  payloadChars: number;
  /** The whole link, base URL included. */
  linkChars: number;
  payloadCharsPerResult: number;
}

/** Whether a decimal's last written significant digit is a 0 or a 5: "0.32500000", "1.2345675e-7". */
function endsOnZeroOrFive(decimal: string): boolean {
  const mantissa = decimal.split('e')[0];
  return mantissa.endsWith('0') || mantissa.endsWith('5');
}

/**
 * `value` to SIGNIFICANT_DIGITS significant digits (never fewer than its integer digits), or to the
 * fewest more after which the last digit is neither a 0 nor a 5, unless the value is then exact.
 * - A 0 last would make the value equal to one of fewer digits: 0.879999996 as 0.88000000 sits on
 *   the article's 88% threshold, where the value itself is below it, and a verdict read from the
 *   link would differ from the sender's.
 * - A 5 last would put it exactly halfway between two values of fewer digits, and rounding it again
 *   for display could go one way where the value goes the other (0.324967 to 4 digits, 0.3250, shows
 *   as "33 %", the value as "32 %").
 * Any other rounding lies on the same side as the value of every number of fewer digits and of
 * every halfway point between them (rounding is monotonic and keeps those numbers fixed): every
 * figure shown with fewer digits, and every comparison with a threshold of fewer digits, comes out
 * as it did for the sender. Derived figures (a spread from a CI and its median, a ratio of two
 * medians) move by at most a few parts in 10^8, below every digit the page shows except right at a
 * rounding boundary.
 */
function roundSignificant(value: number): number {
  if (Number.isInteger(value) || !Number.isFinite(value)) return value;
  const integerDigits = Math.floor(Math.log10(Math.abs(value))) + 1;
  let digits = Math.min(MAX_DIGITS, Math.max(SIGNIFICANT_DIGITS, integerDigits));
  let text = value.toPrecision(digits);
  while (digits < MAX_DIGITS && Number(text) !== value && endsOnZeroOrFive(text)) {
    digits += 1;
    text = value.toPrecision(digits);
  }
  const rounded = Number(text);
  return rounded === 0 ? 0 : rounded; // no -0: JSON cannot tell it apart anyway
}

function compactValue(value: unknown): unknown {
  if (typeof value === 'number') return roundSignificant(value);
  if (Array.isArray(value)) return value.map(compactValue);
  if (typeof value === 'object' && value !== null) {
    const compacted: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) {
      if (entry !== undefined) compacted[key] = compactValue(entry);
    }
    return compacted;
  }
  return value;
}

/**
 * The results as they travel in a link. What is lost, on purpose, to keep links short:
 * - fields that are `undefined` are dropped (JSON drops them anyway);
 * - non-integer numbers are rounded to 8 significant digits (0.123456789 → 0.12345679), far inside
 *   run-to-run noise, or to more where 8 would end on a 0 or a 5 (see roundSignificant), and never
 *   to fewer than their integer digits; integers (bytes, flops, sizes, limits) are kept exactly.
 *   (8 digits against 4 make a standard run's link about a fifth longer: 21.4k characters against
 *   17.7k for 80 results; unrounded, it would be 26.4k);
 * - a result's `error`, `notes` and `aboveCeiling` are cut to 300 characters.
 * Rounding is monotonic, so orderings such as p10 ≤ median ≤ p90 survive where the values are in
 * order; two the schema lets stand a few ulps out of order can come out a digit apart, and then
 * encodeShareLink sends the numbers unrounded. Compaction is idempotent.
 */
export function compactForShare(results: ResultsFile): ResultsFile {
  return withTextsCut(compactValue(results) as ResultsFile);
}

/** The results with each result's texts cut to what a link keeps. */
function withTextsCut(results: ResultsFile): ResultsFile {
  if (!Array.isArray(results.results)) return results;
  return {
    ...results,
    results: results.results.map((result) => cutResultTexts(result, SHARE_CAPS.textInLink)),
  };
}

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const BASE64URL_VALUES = new Map([...BASE64URL_ALPHABET].map((char, index) => [char.charCodeAt(0), index]));

function toBase64Url(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const chunk = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let c = 0; c < chars; c++) text += BASE64URL_ALPHABET[(chunk >> (18 - 6 * c)) & 63];
  }
  return text;
}

// Decodes unpadded base64url; returns an error message for any other character or an impossible length.
function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | string {
  const bytes = new Uint8Array(Math.floor((text.length * 6) / 8));
  let buffer = 0;
  let bits = 0;
  let written = 0;
  for (let i = 0; i < text.length; i++) {
    const value = BASE64URL_VALUES.get(text.charCodeAt(i));
    if (value === undefined) {
      return `it contains a character that base64url does not use, at position ${i + 1}`;
    }
    buffer = ((buffer << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[written++] = (buffer >> bits) & 0xff;
    }
  }
  if (text.length % 4 === 1) return 'its data has an impossible length (was the link cut off?)';
  return bytes;
}

async function readAll(readable: ReadableStream<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
  }
  return concat(chunks, total);
}

function concat(chunks: Uint8Array[], total: number): Uint8Array<ArrayBuffer> {
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return joined;
}

async function deflateRaw(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new CompressionStream('deflate-raw');
  const writer = stream.writable.getWriter();
  const written = writer.write(bytes).then(() => writer.close());
  const [deflated] = await Promise.all([readAll(stream.readable), written]);
  return deflated;
}

type InflateOutcome =
  | { ok: true; bytes: Uint8Array<ArrayBuffer> }
  | { ok: false; reason: 'too-large' | 'corrupt' };

// Inflates while counting: the compressed bytes go in small slices, and the stream is cancelled as soon
// as the output passes maxBytes, so a deflate bomb costs about maxBytes of memory and milliseconds.
async function inflateRawCapped(bytes: Uint8Array<ArrayBuffer>, maxBytes: number): Promise<InflateOutcome> {
  const stream = new DecompressionStream('deflate-raw');
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  let stopped = false;
  // Errors of the writing side also error the reading side; they are reported from there.
  void (async () => {
    for (let offset = 0; offset < bytes.length && !stopped; offset += INFLATE_SLICE_BYTES) {
      await writer.write(bytes.subarray(offset, offset + INFLATE_SLICE_BYTES));
    }
    if (!stopped) await writer.close();
  })().catch(() => undefined);

  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        stopped = true;
        await reader.cancel().catch(() => undefined);
        return { ok: false, reason: 'too-large' };
      }
      chunks.push(value);
    }
  } catch {
    stopped = true;
    return { ok: false, reason: 'corrupt' };
  }
  return { ok: true, bytes: concat(chunks, total) };
}

async function encodePayload(results: ResultsFile): Promise<{ compactJson: string; deflated: Uint8Array }> {
  let checked = parseResults(compactForShare(results));
  // Rounding keeps every ordering the values have, but two values the schema lets stand a few ulps
  // out of order (quantiles interpolated in floating point) can straddle a rounding boundary and
  // come out a whole digit apart: then the link carries the numbers as they are.
  if (!checked.ok) {
    const exact = parseResults(withTextsCut(results));
    if (exact.ok) checked = exact;
  }
  if (!checked.ok) throw new Error(`These results cannot be shared as a link: ${checked.error}`);
  const compactJson = JSON.stringify(checked.value);
  return { compactJson, deflated: await deflateRaw(new TextEncoder().encode(compactJson)) };
}

/**
 * Builds `<baseUrl without fragment>#r=1.<payload>` from the compacted results (see compactForShare;
 * unrounded where rounding would break an ordering the schema checks).
 * Rejects, naming the field, when the results do not pass the schema, and when the link would pass a
 * cap its decoder applies (SHARE_CAPS.payloadChars, or SHARE_CAPS.decompressedBytes of JSON): export
 * JSON instead. Every link it returns decodes.
 */
export async function encodeShareLink(results: ResultsFile, baseUrl: string): Promise<string> {
  const { compactJson, deflated } = await encodePayload(results);
  const jsonBytes = new TextEncoder().encode(compactJson).length;
  if (jsonBytes > SHARE_CAPS.decompressedBytes) {
    throw new Error(
      `These results are too large for a link (${jsonBytes} bytes of JSON, the limit is ${SHARE_CAPS.decompressedBytes}); export them as JSON instead`,
    );
  }
  const payload = toBase64Url(deflated);
  if (payload.length > SHARE_CAPS.payloadChars) {
    throw new Error(
      `These results are too large for a link (${payload.length} characters, the limit is ${SHARE_CAPS.payloadChars}); export them as JSON instead`,
    );
  }
  const hashIndex = baseUrl.indexOf('#');
  const pageUrl = hashIndex >= 0 ? baseUrl.slice(0, hashIndex) : baseUrl;
  return `${pageUrl}#r=${SHARE_FORMAT_VERSION}.${payload}`;
}

/**
 * The sizes a link for these results reaches. Measured on the tests' synthetic quick preset (30 results
 * with full-precision timings, 10 limits, 4 features): 19.6 KB of JSON, 16.5 KB compacted, 4.3 KB
 * deflated, a payload of about 5,800 characters — about 780 for the environment plus about 165 per
 * result. That pastes into most chats and mail; a few chat apps cap messages at 2,000 characters.
 */
export async function shareLinkStats(results: ResultsFile, baseUrl = ''): Promise<ShareLinkStats> {
  const { compactJson, deflated } = await encodePayload(results);
  const payloadChars = Math.ceil((deflated.byteLength * 4) / 3);
  const count = results.results.length;
  return {
    results: count,
    jsonChars: JSON.stringify(results).length,
    compactJsonChars: compactJson.length,
    deflatedBytes: deflated.byteLength,
    payloadChars,
    linkChars: baseUrl.split('#')[0].length + `#r=${SHARE_FORMAT_VERSION}.`.length + payloadChars,
    payloadCharsPerResult: count > 0 ? payloadChars / count : 0,
  };
}

const NOT_A_LINK = 'This is not an attnscope share link';
const DAMAGED = 'This share link is damaged';

async function decodeVersion1(payload: string): Promise<ShareDecodeResult> {
  if (payload.length === 0) return { ok: false, error: `${DAMAGED}: it carries no data (was it cut off?)` };
  const compressed = fromBase64Url(payload);
  if (typeof compressed === 'string') return { ok: false, error: `${DAMAGED}: ${compressed}` };
  const inflated = await inflateRawCapped(compressed, SHARE_CAPS.decompressedBytes);
  if (!inflated.ok) {
    return {
      ok: false,
      error:
        inflated.reason === 'too-large'
          ? `This share link was refused: its data expands past ${SHARE_CAPS.decompressedBytes / (1024 * 1024)} MiB, far more than any attnscope run`
          : `${DAMAGED}: its data does not decompress (was it cut off or edited?)`,
    };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(inflated.bytes);
  } catch {
    return { ok: false, error: `${DAMAGED}: its data is not UTF-8 text` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: `${DAMAGED}: its data is not valid JSON` };
  }
  const parsed = parseResults(json);
  if (!parsed.ok)
    return { ok: false, error: `This share link holds results attnscope cannot read: ${parsed.error}` };
  return { ok: true, value: parsed.value, version: 1 };
}

const DECODERS: Record<number, (payload: string) => Promise<ShareDecodeResult>> = { 1: decodeVersion1 };

async function decodeField(hash: string): Promise<ShareDecodeResult> {
  if (typeof hash !== 'string') return { ok: false, error: `${NOT_A_LINK}: expected the text of a link` };
  // Room for the version and other fragment fields; anything longer is refused before any work.
  if (hash.length > MAX_LINK_CHARS) {
    return {
      ok: false,
      error: `This share link was refused: it is ${hash.length} characters long, the limit is ${MAX_LINK_CHARS} (${SHARE_CAPS.payloadChars} of data and room for the page's address)`,
    };
  }
  const field = fragmentField(hash.trim(), 'r');
  if (field === undefined) return { ok: false, error: `${NOT_A_LINK}: it has no "#r=" part` };
  const dot = field.indexOf('.');
  const versionText = dot >= 0 ? field.slice(0, dot) : field;
  if (!/^[0-9]{1,6}$/.test(versionText)) {
    return { ok: false, error: `${NOT_A_LINK}: "#r=" must start with a format number such as "1."` };
  }
  const version = Number(versionText);
  if (dot < 0) return { ok: false, error: `${DAMAGED}: it ends after the format number (was it cut off?)` };
  const payload = field.slice(dot + 1).replace(/={1,2}$/, ''); // tolerate base64 padding
  if (payload.length > SHARE_CAPS.payloadChars) {
    return {
      ok: false,
      error: `This share link was refused: its data is ${payload.length} characters long, the limit is ${SHARE_CAPS.payloadChars}`,
    };
  }
  const decode = DECODERS[version];
  if (decode !== undefined) return decode(payload);
  if (version > SHARE_FORMAT_VERSION) {
    return {
      ok: false,
      error: `This link was made by a newer attnscope (format ${version}); open it with that version`,
    };
  }
  return { ok: false, error: `${NOT_A_LINK}: format ${version} does not exist` };
}

/**
 * Decodes `location.hash` (`#r=1.…`; a bare `r=1.…` or a whole link also work) into validated results.
 * Never throws: every failure, including garbage, truncated, oversized, future-version links and deflate
 * bombs, comes back as `{ ok: false, error }` with a message fit for the page's error area.
 */
export async function decodeShareFragment(hash: string): Promise<ShareDecodeResult> {
  try {
    return await decodeField(hash);
  } catch (error) {
    return {
      ok: false,
      error: `${DAMAGED}: ${error instanceof Error ? error.message.slice(0, 200) : 'it could not be read'}`,
    };
  }
}
