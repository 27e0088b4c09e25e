// The inputs beside the claims (price, precision, context, batch, cards, memory per card), held once
// for the page: the claims view edits them, the share link carries them (`&a=1.…`), and a link that
// brings some sets them before the claims are drawn.

import { type ArticleInputs, DEFAULT_INPUTS, decodeInputs, encodeInputs } from '../article/index.ts';

let current: ArticleInputs = { ...DEFAULT_INPUTS };

export function articleInputs(): ArticleInputs {
  return { ...current };
}

export function setArticleInputs(inputs: ArticleInputs): void {
  current = { ...inputs };
}

/**
 * Takes the inputs a link carries (its `a=` field), if any. Returns an error message when the field is
 * there but unreadable (the inputs then stay as they were), else undefined.
 */
export function takeInputsFromLink(hash: string): string | undefined {
  const decoded = decodeInputs(hash);
  if (decoded === undefined) return undefined;
  if (!decoded.ok) return decoded.error;
  current = decoded.value;
  return undefined;
}

/** A share link with the current inputs appended as its `a=` field. */
export function withInputs(link: string): string {
  return `${link}&${encodeInputs(current)}`;
}
