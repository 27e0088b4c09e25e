// The custom form's fields (label, hint, how the text parses) and its messages in the form's own
// words: validateRunConfig names its fields as the configuration does ("budgetMs", "seqLens[1]") and
// counts the budget in milliseconds; the form shows "Time budget" in seconds and "Sequence lengths,
// value 2". An empty field the run needs is "required".

import { CONFIG_LIMITS, type RunConfig } from '../measure/presets.ts';

/** The form's label for each configuration field it shows. */
export const FORM_LABELS: Record<string, string> = {
  heads: 'Heads',
  headDim: 'Head dimension',
  seqLens: 'Sequence lengths',
  blockSize: 'Block size',
  densities: 'Densities',
  decodeKv: 'Decode KV lengths',
  decodeDensity: 'Sparse decode density',
  decodeBlockSize: 'Sparse decode block',
  matmulSizes: 'Matmul sizes',
  suites: 'Suites',
  patterns: 'Mask patterns',
  peers: 'Peer libraries',
  budgetMs: 'Time budget',
};

/** "seqLens[1]" → "Sequence lengths, value 2"; unknown names stay as they are. */
export function fieldLabel(field: string): string {
  const match = /^(\w+)(?:\[(\d+)\])?$/.exec(field);
  if (!match) return field;
  const label = FORM_LABELS[match[1]] ?? match[1];
  return match[2] === undefined ? label : `${label}, value ${Number(match[2]) + 1}`;
}

/**
 * One validation message in the form's words. `message` is validateRunConfig's ("field: text");
 * the budget's milliseconds become seconds.
 */
export function formMessage(field: string, message: string): string {
  const prefix = `${field}: `;
  let text = message.startsWith(prefix) ? message.slice(prefix.length) : message;
  if (field === 'budgetMs') {
    text = text.replace(/-?\d+(?:\.\d+)?/g, (number) => `${Number(number) / 1000} s`);
  }
  return `${fieldLabel(field)}: ${text}`;
}

/** The message of a field left empty that the run needs. */
export function requiredMessage(field: string): string {
  return `${fieldLabel(field)}: required`;
}

/** A text field of the form; its label is FORM_LABELS[key]. */
export interface FieldSpec {
  key: keyof RunConfig;
  hint: string;
  kind: 'int' | 'number' | 'list';
}

/** The form's text fields, in order. */
export const FIELDS: FieldSpec[] = [
  { key: 'heads', hint: `1–${CONFIG_LIMITS.heads}`, kind: 'int' },
  { key: 'headDim', hint: `up to ${CONFIG_LIMITS.headDim}`, kind: 'int' },
  { key: 'seqLens', hint: 'comma-separated, e.g. 256, 512', kind: 'list' },
  { key: 'blockSize', hint: 'mask block edge, e.g. 32 or 64', kind: 'int' },
  { key: 'densities', hint: 'share of blocks kept, each in (0, 1]', kind: 'list' },
  { key: 'decodeKv', hint: 'comma-separated', kind: 'list' },
  {
    key: 'decodeDensity',
    hint: '(0, 1]; 0.6 = the article’s −40 %',
    kind: 'number',
  },
  {
    key: 'decodeBlockSize',
    hint: 'keys per block; empty = the block size',
    kind: 'int',
  },
  { key: 'matmulSizes', hint: 'square, comma-separated', kind: 'list' },
];

/** A list field's text as numbers (commas, semicolons or spaces between). */
export function parseList(text: string): number[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  return trimmed
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map(Number);
}

/** A number field's text; undefined when empty. */
export function parseNumber(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text);
}
