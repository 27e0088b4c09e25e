// Text for messages: cut to a length for fields with a cap (the results schema, share links), and a
// value described for an error message.

/** `text` cut to `max` characters, the cut marked with '…' (a surrogate pair is never split). */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** A value as an error message names it: `null`, `3`, `the string "x"`, `Float64Array`, `object`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
