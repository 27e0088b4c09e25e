// The custom form's messages in the form's own words: validateRunConfig names its fields as the
// configuration does ("budgetMs", "seqLens[1]") and counts the budget in milliseconds; the form shows
// "Time budget" in seconds and "Sequence lengths, value 2". An empty field the run needs is "required".

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
