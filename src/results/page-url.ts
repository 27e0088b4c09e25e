// Where share links point. The page has one canonical address, `homepage` in package.json (the copy
// that the repository's Pages workflow publishes); the CLI's `--base-url` and the page's link setting
// override it. A page served from this machine (localhost, a loopback address) links to the canonical
// page by default, since nobody else can open localhost; a copy hosted anywhere else links to itself.

import packageJson from '../../package.json' with { type: 'json' };

/** The canonical page URL (package.json `homepage`). */
export const PAGE_URL: string = packageJson.homepage;

/** Whether a page address can only be opened on this machine (localhost, loopback, a file). */
export function isLocalAddress(href: string): boolean {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return true;
  }
  if (url.protocol === 'file:') return true;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    /^127\.\d+\.\d+\.\d+$/.test(host) ||
    host === '0.0.0.0'
  );
}

/** The page address without query or fragment: `https://host/path/`. */
export function pageAddress(href: string): string {
  const url = new URL(href);
  return `${url.origin}${url.pathname}`;
}

/**
 * Checks a page URL for links: http(s), no `run` query (see below); the fragment is dropped. Returns
 * the URL to use, or an error naming the field (`field`) and what is wrong.
 */
export function checkPageUrl(
  text: string,
  field: string,
): { ok: true; url: string } | { ok: false; error: string } {
  const trimmed = text.trim();
  let url: URL | undefined;
  try {
    url = new URL(trimmed);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    return { ok: false, error: `${field}: '${trimmed.slice(0, 80)}' is not an http(s) URL` };
  // `?run=` starts a benchmark when the page opens (a contract hook): a link base carrying it would
  // start one on every recipient's GPU as they open the results.
  if (url.searchParams.has('run'))
    return {
      ok: false,
      error: `${field}: '${trimmed.slice(0, 80)}' has ?run=, which would start a benchmark for whoever opens the link`,
    };
  url.hash = '';
  return { ok: true, url: url.href };
}

/** The page a share link made on `currentHref` points to by default (see the header). */
export function defaultLinkBase(currentHref: string): string {
  return isLocalAddress(currentHref) ? PAGE_URL : pageAddress(currentHref);
}
