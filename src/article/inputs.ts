// The inputs a person edits beside the claims (price, precision, context, batch, cards, memory per
// card): one record that the cost verdict, the claims table, the cost box and the decoder section all
// read, checked in one place, and carried in a share link as its own versioned fragment field
// (`#r=1.…&a=1.…`, beside the results: a reader that does not know `a=` ignores it). The decoder is
// strict: exactly the fields of its version, each a plain number or name inside its range.

import { MAX_BATCH, MAX_CARDS } from '../model/projection.ts';
import { modelShape, WEIGHT_FORMATS, type WeightFormat } from '../model/shapes.ts';
import { fragmentField } from '../util/fragment.ts';

export interface ArticleInputs {
  /** Dollars per GPU-hour, per card. */
  pricePerGpuHour: number;
  /** Weight format of the model. */
  format: WeightFormat;
  /** Tokens in each sequence's KV cache. */
  context: number;
  /** Sequences decoded together. */
  batch: number;
  /** Cards of the GPU that ran (tensor parallel). */
  cards: number;
  /** Memory of one such card, GB: a web page cannot read it, so the person types it. */
  memoryGB: number;
}

/** The article's model: its 130B GLM (the published GLM-130B's shape). */
export const ARTICLE_MODEL_ID = 'glm-130b';

export const DEFAULT_INPUTS: Readonly<ArticleInputs> = Object.freeze({
  pricePerGpuHour: 2,
  // int4 is the only published GLM-130B format that fits one 80 GB card (THUDM/GLM-130B docs/quantization.md).
  format: 'int4',
  context: 2048,
  batch: 1,
  cards: 1,
  memoryGB: 80,
});

export const INPUT_LIMITS = Object.freeze({
  pricePerGpuHour: [0.01, 1000],
  context: [1, modelShape(ARTICLE_MODEL_ID).maxContext],
  batch: [1, MAX_BATCH],
  cards: [1, MAX_CARDS],
  memoryGB: [1, 10_000],
} as const);

type NumericField = keyof typeof INPUT_LIMITS;
const WHOLE: ReadonlySet<NumericField> = new Set(['context', 'batch', 'cards']);

function checkNumber(field: NumericField, value: unknown): number {
  const [min, max] = INPUT_LIMITS[field];
  const whole = WHOLE.has(field);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(
      `${field}: must be a ${whole ? 'whole ' : ''}number from ${min} to ${max}, got ${String(value)}`,
    );
  }
  if (whole && !Number.isInteger(value)) {
    throw new RangeError(`${field}: must be a whole number from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** The inputs, checked: each field inside its range, or a RangeError naming the field and the limit. */
export function checkInputs(inputs: ArticleInputs): ArticleInputs {
  if (!(WEIGHT_FORMATS as readonly string[]).includes(inputs.format)) {
    throw new RangeError(`format: must be one of ${WEIGHT_FORMATS.join(', ')}, got ${String(inputs.format)}`);
  }
  return {
    pricePerGpuHour: checkNumber('pricePerGpuHour', inputs.pricePerGpuHour),
    format: inputs.format,
    context: checkNumber('context', inputs.context),
    batch: checkNumber('batch', inputs.batch),
    cards: checkNumber('cards', inputs.cards),
    memoryGB: checkNumber('memoryGB', inputs.memoryGB),
  };
}

/** The format version of the `a=` fragment field. */
export const INPUTS_FORMAT_VERSION = 1;
const FIELD_ORDER = ['pricePerGpuHour', 'format', 'context', 'batch', 'cards', 'memoryGB'] as const;
const NUMBER_TEXT = /^[0-9]{1,6}(\.[0-9]{1,4})?$/;

/** The fragment field for these inputs: `a=1.<price>~<format>~<context>~<batch>~<cards>~<memory>`. */
export function encodeInputs(inputs: ArticleInputs): string {
  const checked = checkInputs(inputs);
  const text = (value: number) => String(Number(value.toFixed(4)));
  return `a=${INPUTS_FORMAT_VERSION}.${FIELD_ORDER.map((field) => {
    const value = checked[field];
    return typeof value === 'number' ? text(value) : value;
  }).join('~')}`;
}

export type InputsDecodeResult = { ok: true; value: ArticleInputs } | { ok: false; error: string };

/**
 * Reads the `a=` field of a fragment (`#r=1.…&a=1.…`, or a whole link). `undefined` when the link has
 * none; otherwise the checked inputs, or an error naming the field. Never throws.
 */
export function decodeInputs(hash: string): InputsDecodeResult | undefined {
  if (typeof hash !== 'string' || hash.length > 80_000) return undefined;
  const body = fragmentField(hash, 'a');
  if (body === undefined) return undefined;
  const bad = (why: string): InputsDecodeResult => ({
    ok: false,
    error: `The link's inputs (a=) were not used: ${why}`,
  });
  if (body.length > 100) return bad('the field is too long');
  const dot = body.indexOf('.');
  const version = dot > 0 ? body.slice(0, dot) : '';
  if (version !== String(INPUTS_FORMAT_VERSION)) {
    return bad(
      /^[0-9]{1,6}$/.test(version) ? `format ${version} is not one this page reads` : 'no format number',
    );
  }
  const values = body.slice(dot + 1).split('~');
  if (values.length !== FIELD_ORDER.length) {
    return bad(`expected ${FIELD_ORDER.length} values, got ${values.length}`);
  }
  const record: Record<string, unknown> = {};
  for (const [i, field] of FIELD_ORDER.entries()) {
    const text = values[i];
    if (field === 'format') {
      record[field] = text;
      continue;
    }
    if (!NUMBER_TEXT.test(text)) return bad(`${field}: expected a plain number`);
    record[field] = Number(text);
  }
  try {
    return { ok: true, value: checkInputs(record as unknown as ArticleInputs) };
  } catch (error) {
    return bad(error instanceof Error ? error.message : 'unreadable');
  }
}
