// The fields of a link's fragment (`#r=1.…&a=1.…`): the share link's results and the claims' inputs.

/**
 * The value of field `name` in a fragment, from a hash (`#r=…`), a bare fragment (`r=…`) or a whole
 * link, percent-decoded (chat apps and link tools percent-encode links: `~` as `%7E`, `.` as `%2E`);
 * undefined when the fragment has no such field.
 */
export function fragmentField(hash: string, name: string): string | undefined {
  const hashIndex = hash.indexOf('#');
  const fragment = hashIndex >= 0 ? hash.slice(hashIndex + 1) : hash;
  const prefix = `${name}=`;
  const part = fragment.split('&').find((candidate) => candidate.startsWith(prefix));
  if (part === undefined) return undefined;
  const field = part.slice(prefix.length);
  if (!field.includes('%')) return field;
  try {
    return decodeURIComponent(field);
  } catch {
    return field; // a lone '%': left as it is, for the decoder to refuse
  }
}
