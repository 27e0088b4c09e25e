// The strict runtime schema of the results JSON (contract: ../shared/design.md "Results JSON"). Share
// links and imported files are hostile input: unknown keys are refused, numbers must be finite and in a
// sane range, strings, arrays and records are capped, and the output is a fresh object built by valibot
// (never the caller's object), so `__proto__` / `constructor` keys cannot reach anything.

import * as v from 'valibot';
import { cutText } from '../util/text.ts';
import { type BenchResult, RESULTS_SCHEMA, type ResultsFile } from './types.ts';

/** The caps the schema enforces; exported so producers can stay inside them and the README can cite them. */
export const RESULTS_CAPS = {
  results: 2000,
  features: 64,
  limitKeys: 64,
  paramKeys: 32,
  /** Ordinary strings (kernel names, adapter fields, parameter values). */
  text: 200,
  /** Identifiers: result ids, tool name and version, preset, feature names. */
  id: 120,
  /** Record keys (parameter and limit names). */
  key: 64,
  userAgent: 400,
  /** `error` and `notes` of a result: compiler messages can be long. */
  longText: 4000,
  /** Ops of a decode step's per-op breakdown. */
  ops: 32,
} as const;

/**
 * The result with its free texts (error, notes, aboveCeiling) cut to `max` characters each, the cut
 * marked; the same object when none is longer.
 */
export function cutResultTexts(result: BenchResult, max: number): BenchResult {
  const { error, notes, aboveCeiling } = result;
  if ((error?.length ?? 0) <= max && (notes?.length ?? 0) <= max && (aboveCeiling?.length ?? 0) <= max)
    return result;
  return {
    ...result,
    ...(error === undefined ? {} : { error: cutText(error, max) }),
    ...(notes === undefined ? {} : { notes: cutText(notes, max) }),
    ...(aboveCeiling === undefined ? {} : { aboveCeiling: cutText(aboveCeiling, max) }),
  };
}

// Upper bounds are powers of ten so that rounding to significant digits (share links) never crosses them.
const MAX_MS = 1e7; // about 2.8 hours per call
const MAX_COUNT = 1e9;
const MAX_AMOUNT = 1e21; // bytes or flops of one call
const MAX_GBPS = 1e6; // 1 PB/s
const MAX_GFLOPS = 1e9; // 1 EFLOP/s
const MAX_RATIO = 1e4; // utilisations can pass 1 (caches beat the copy probe), never by this much
const MAX_LIMIT = 2 ** 64;
const MAX_PARAM = 1e15;
const MAX_ERROR = Number.MAX_VALUE;

const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const RECORD_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

// A short description of a value's type for error messages; never echoes hostile content.
function describe(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  if (typeof input === 'number')
    return Number.isNaN(input) ? 'NaN' : Number.isFinite(input) ? 'a number' : 'Infinity';
  if (typeof input === 'string') return 'a string';
  if (typeof input === 'object') return 'an object';
  return typeof input;
}

function isPlainRecord(input: unknown): input is Record<string, unknown> {
  return typeof input === 'object' && input !== null && !Array.isArray(input);
}

const FINITE = (issue: v.BaseIssue<unknown>) => `expected a finite number, got ${describe(issue.input)}`;

function finiteNumber(min: number, max: number) {
  return v.pipe(
    v.number(FINITE),
    v.finite(FINITE),
    v.minValue(min, `expected a number ≥ ${min}`),
    v.maxValue(max, `expected a number ≤ ${max}`),
  );
}

function wholeNumber(max: number, min = 0) {
  return v.pipe(finiteNumber(min, max), v.integer('expected a whole number'));
}

function text(max: number) {
  return v.pipe(
    v.string((issue) => `expected a string, got ${describe(issue.input)}`),
    v.maxLength(max, `expected at most ${max} characters`),
  );
}

function oneOf<const T extends string[]>(options: T) {
  return v.picklist(options, `expected one of ${options.map((option) => `'${option}'`).join(', ')}`);
}

const boolean = v.boolean((issue) => `expected true or false, got ${describe(issue.input)}`);

function strict<const TEntries extends v.ObjectEntries>(entries: TEntries) {
  return v.pipe(
    // strictObject alone would take an array for an object and then report its fields missing.
    v.custom<Record<string, unknown>>(
      isPlainRecord,
      (issue) => `expected an object, got ${describe(issue.input)}`,
    ),
    v.strictObject(entries, (issue) =>
      issue.expected === 'never' ? `unknown field (not part of ${RESULTS_SCHEMA})` : 'missing',
    ),
  );
}

function cappedArray<const TItem extends v.GenericSchema>(item: TItem, max: number) {
  return v.pipe(
    // The length is checked before any item is validated, so a huge array costs nothing.
    v.custom<unknown[]>(
      (input) => Array.isArray(input) && input.length <= max,
      (issue) =>
        Array.isArray(issue.input)
          ? `expected at most ${max} items, got ${issue.input.length}`
          : `expected an array, got ${describe(issue.input)}`,
    ),
    v.array(item),
  );
}

function cappedRecord<const TValue extends v.GenericSchema>(value: TValue, maxKeys: number) {
  return v.pipe(
    v.custom<Record<string, unknown>>(
      (input) =>
        isPlainRecord(input) &&
        Object.keys(input).length <= maxKeys &&
        !Object.keys(input).some((key) => RESERVED_KEYS.has(key)),
      (issue) => {
        const input = issue.input;
        if (!isPlainRecord(input)) return `expected an object, got ${describe(input)}`;
        const keys = Object.keys(input);
        if (keys.length > maxKeys) return `expected at most ${maxKeys} keys, got ${keys.length}`;
        return 'the keys __proto__, constructor and prototype are refused';
      },
    ),
    v.record(
      v.pipe(
        text(RESULTS_CAPS.key),
        v.regex(
          RECORD_KEY_PATTERN,
          'expected a name of letters, digits, _ . - (starting with a letter or _)',
        ),
      ),
      value,
    ),
  );
}

const paramValue = v.union(
  [finiteNumber(-MAX_PARAM, MAX_PARAM), text(RESULTS_CAPS.text), boolean],
  (issue) => {
    const input = issue.input;
    if (typeof input === 'number') return `expected a finite number within ±${MAX_PARAM}`;
    if (typeof input === 'string') return `expected at most ${RESULTS_CAPS.text} characters`;
    return `expected a number, string or boolean, got ${describe(input)}`;
  },
);

/** Whether an ISO timestamp's YYYY-MM-DD is a day of the calendar (2026-02-31 is not). */
function isCalendarDate(timestamp: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(timestamp);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
}

/** Relative slack of inOrder. */
const ORDER_SLACK = 1e-9;

/**
 * Whether each value is at most the next, but for rounding (quantiles interpolated in floating
 * point can sit a few ulps out of order): what a tampered file breaks, never a measured one.
 */
function inOrder(values: readonly number[]): boolean {
  for (let i = 1; i < values.length; i++) {
    if (values[i - 1] > values[i] + ORDER_SLACK * Math.max(Math.abs(values[i - 1]), Math.abs(values[i])))
      return false;
  }
  return true;
}

const orderedPair = <const T extends v.GenericSchema<unknown, [number, number]>>(pair: T) =>
  v.pipe(
    pair,
    v.check((value: [number, number]) => inOrder(value), 'expected [lo, hi] with lo ≤ hi'),
  );

const latencySchema = v.pipe(
  strict({
    median: finiteNumber(0, MAX_MS),
    p10: finiteNumber(0, MAX_MS),
    p90: finiteNumber(0, MAX_MS),
    ci95: orderedPair(
      v.strictTuple(
        [finiteNumber(0, MAX_MS), finiteNumber(0, MAX_MS)],
        (issue) => `expected [lo, hi], got ${describe(issue.input)}`,
      ),
    ),
    samples: wholeNumber(MAX_COUNT, 1),
    cv: v.optional(finiteNumber(0, MAX_RATIO)),
    noisy: v.optional(boolean),
    outliers: v.optional(wholeNumber(MAX_COUNT)),
  }),
  v.check((latency) => inOrder([latency.p10, latency.median, latency.p90]), 'expected p10 ≤ median ≤ p90'),
  // The interval is the median's (bootstrapped from the same samples): it holds the median.
  v.check(
    (latency) => inOrder([latency.ci95[0], latency.median, latency.ci95[1]]),
    'expected ci95 to contain the median',
  ),
);

const interval = (max: number) =>
  orderedPair(v.strictTuple([finiteNumber(0, max), finiteNumber(0, max)], 'expected [lo, hi]'));

const residencySchema = strict({
  ratio: finiteNumber(0, MAX_RATIO),
  ci95: interval(MAX_RATIO),
  residentBytes: finiteNumber(0, MAX_AMOUNT),
});

const opTimeSchema = strict({
  op: text(RESULTS_CAPS.id),
  ms: finiteNumber(0, MAX_MS),
  bytes: finiteNumber(0, MAX_AMOUNT),
  residency: v.optional(residencySchema),
});

const sparseKvSchema = strict({
  denseMs: finiteNumber(0, MAX_MS),
  timeSaved: finiteNumber(-MAX_RATIO, 1),
  bytesSaved: finiteNumber(0, 1),
  ratio: finiteNumber(-MAX_RATIO, MAX_RATIO),
  ci95: orderedPair(
    v.strictTuple(
      [finiteNumber(-MAX_RATIO, MAX_RATIO), finiteNumber(-MAX_RATIO, MAX_RATIO)],
      'expected [lo, hi]',
    ),
  ),
  pairs: wholeNumber(MAX_COUNT),
});

const ceilingPairSchema = strict({
  probe: text(RESULTS_CAPS.id),
  ratio: finiteNumber(0, MAX_RATIO),
  ci95: interval(MAX_RATIO),
  workingSetBytes: finiteNumber(0, MAX_AMOUNT),
});

/** Caps of a projection's lines (formulas and caveats). */
const PROJECTION_LINES = 16;

const projectionSchema = strict({
  projected: v.literal(true, 'expected true'),
  model: text(RESULTS_CAPS.id),
  format: oneOf(['f32', 'f16', 'int8', 'int4']),
  groupSize: v.optional(wholeNumber(MAX_COUNT)),
  context: wholeNumber(MAX_COUNT),
  batch: wholeNumber(MAX_COUNT),
  cards: wholeNumber(MAX_COUNT),
  measuredTp: wholeNumber(MAX_COUNT),
  layerMs: finiteNumber(0, MAX_MS),
  fullLayerMs: finiteNumber(0, MAX_MS),
  perCardLayerMs: finiteNumber(0, MAX_MS),
  lmHeadMs: finiteNumber(0, MAX_MS),
  lmHeadEstimated: boolean,
  msPerToken: finiteNumber(0, MAX_MS),
  tokensPerSecond: finiteNumber(0, MAX_AMOUNT),
  weightsGB: finiteNumber(0, MAX_AMOUNT),
  kvCacheGB: finiteNumber(0, MAX_AMOUNT),
  capacityGB: finiteNumber(0, MAX_AMOUNT),
  fits: boolean,
  cardsNeeded: wholeNumber(MAX_COUNT),
  formulas: cappedArray(text(RESULTS_CAPS.longText), PROJECTION_LINES),
  caveats: cappedArray(text(RESULTS_CAPS.longText), PROJECTION_LINES),
});

const resultSchema = v.pipe(
  strict({
    id: text(RESULTS_CAPS.id),
    op: oneOf(['attention', 'decode', 'matmul', 'probe', 'gemv', 'decode-step']),
    kernel: text(RESULTS_CAPS.id),
    impl: oneOf(['attnscope', 'tfjs-webgpu', 'gpu.js', 'onnxruntime-web', 'onnxruntime-web-composed']),
    params: cappedRecord(paramValue, RESULTS_CAPS.paramKeys),
    latencyMs: v.optional(latencySchema),
    bytes: finiteNumber(0, MAX_AMOUNT),
    flops: finiteNumber(0, MAX_AMOUNT),
    gbps: v.optional(finiteNumber(0, MAX_GBPS)),
    gflops: v.optional(finiteNumber(0, MAX_GFLOPS)),
    bwUtil: v.optional(finiteNumber(0, MAX_RATIO)),
    computeUtil: v.optional(finiteNumber(0, MAX_RATIO)),
    intensity: v.optional(finiteNumber(0, MAX_AMOUNT)),
    density: v.optional(finiteNumber(0, 1)),
    speedupVsDense: v.optional(finiteNumber(0, MAX_RATIO)),
    pairedBaselineMs: v.optional(finiteNumber(0, MAX_MS)),
    maxAbsErr: finiteNumber(0, MAX_ERROR),
    maxRelErr: finiteNumber(0, MAX_ERROR),
    verified: boolean,
    error: v.optional(text(RESULTS_CAPS.longText)),
    notes: v.optional(text(RESULTS_CAPS.longText)),
    speedupCi95: v.optional(interval(MAX_RATIO)),
    ops: v.optional(cappedArray(opTimeSchema, RESULTS_CAPS.ops)),
    projection: v.optional(projectionSchema),
    ceilingPair: v.optional(ceilingPairSchema),
    sparseKv: v.optional(sparseKvSchema),
    residency: v.optional(residencySchema),
    aboveCeiling: v.optional(text(RESULTS_CAPS.longText)),
  }),
  // Both come from the same per-pair ratios: the interval holds their median.
  v.forward(
    v.check(
      (r) =>
        r.speedupCi95 === undefined ||
        r.speedupVsDense === undefined ||
        inOrder([r.speedupCi95[0], r.speedupVsDense, r.speedupCi95[1]]),
      'expected the interval to contain speedupVsDense',
    ),
    ['speedupCi95'],
  ),
);

const resultsFileSchema = strict({
  schema: v.literal(RESULTS_SCHEMA, `expected '${RESULTS_SCHEMA}'`),
  createdAt: v.pipe(
    text(40),
    v.isoTimestamp('expected an ISO-8601 date and time'),
    v.check(isCalendarDate, 'expected a date that exists (the day is past the end of its month)'),
  ),
  tool: strict({ name: text(RESULTS_CAPS.id), version: text(RESULTS_CAPS.id) }),
  status: v.optional(oneOf(['complete', 'cancelled', 'failed'])),
  preset: v.optional(text(RESULTS_CAPS.id)),
  environment: strict({
    runtime: oneOf(['browser', 'node']),
    userAgent: text(RESULTS_CAPS.userAgent),
    adapter: strict({
      vendor: text(RESULTS_CAPS.text),
      architecture: text(RESULTS_CAPS.text),
      device: text(RESULTS_CAPS.text),
      description: text(RESULTS_CAPS.text),
      isSoftware: boolean,
    }),
    features: cappedArray(text(RESULTS_CAPS.id), RESULTS_CAPS.features),
    limits: cappedRecord(finiteNumber(0, MAX_LIMIT), RESULTS_CAPS.limitKeys),
    timing: strict({
      source: oneOf(['timestamp-query', 'wall-clock']),
      quantized: boolean,
      resolutionMs: finiteNumber(0, MAX_MS),
    }),
  }),
  ceilings: strict({ copyGBps: finiteNumber(0, MAX_GBPS), fmaGflops: finiteNumber(0, MAX_GFLOPS) }),
  results: cappedArray(resultSchema, RESULTS_CAPS.results),
});

// Compile-time proof that what the schema outputs is a ResultsFile.
const schemaOutputIsResultsFile = (value: v.InferOutput<typeof resultsFileSchema>): ResultsFile => value;
void schemaOutputIsResultsFile;

/** Why a results file of another format cannot be read: one newer or older than this page's, or unknown. */
function otherFormat(schema: string): string {
  const format = schema.slice('attnscope.results/'.length);
  const named = `these results use format '${schema.slice(0, 40)}'`;
  if (!/^[1-9][0-9]{0,5}$/.test(format)) return `${named}, which no attnscope writes`;
  const mine = Number(RESULTS_SCHEMA.slice('attnscope.results/'.length));
  return Number(format) > mine
    ? `${named}, made by a newer attnscope`
    : `${named}, made by an older attnscope that this one no longer reads`;
}

export type ParseResult = { ok: true; value: ResultsFile } | { ok: false; error: string };

const SAFE_PATH_KEY = /^[A-Za-z_$][\w$]*$/;

function formatPath(path: readonly { key: unknown }[] | undefined): string {
  let formatted = '';
  for (const item of path ?? []) {
    const key = item.key;
    if (typeof key === 'number') formatted += `[${key}]`;
    else if (typeof key === 'string' && SAFE_PATH_KEY.test(key) && key.length <= 64)
      formatted += formatted ? `.${key}` : key;
    else formatted += `[${JSON.stringify(String(key).slice(0, 40))}]`;
  }
  return formatted;
}

/**
 * Validates an untrusted value (parsed JSON) as a results file. On success `value` is a fresh object built
 * by the schema; on failure `error` names the first bad field, e.g.
 * `results[3].latencyMs.median: expected a finite number, got a string`. Never throws.
 */
export function parseResults(value: unknown): ParseResult {
  if (isPlainRecord(value)) {
    const schema = value.schema;
    if (typeof schema === 'string' && schema !== RESULTS_SCHEMA && schema.startsWith('attnscope.results/')) {
      return { ok: false, error: `schema: ${otherFormat(schema)}; this one reads '${RESULTS_SCHEMA}'` };
    }
  }
  try {
    const parsed = v.safeParse(resultsFileSchema, value, { abortEarly: true });
    if (parsed.success) return { ok: true, value: parsed.output };
    const issue = parsed.issues[0];
    const path = formatPath(issue.path);
    return { ok: false, error: `${path || 'the results file'}: ${issue.message}` };
  } catch (error) {
    // Only reachable with exotic inputs (getters that throw, proxies), never with parsed JSON.
    return {
      ok: false,
      error: `the results could not be read: ${error instanceof Error ? error.message : 'unknown error'}`,
    };
  }
}
