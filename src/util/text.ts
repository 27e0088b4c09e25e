// Text cut to a length for fields with a cap (the results schema, share links).

/** `text` cut to `max` characters, the cut marked with '…' (a surrogate pair is never split). */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
