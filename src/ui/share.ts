// Getting results out of the page and back in: the share link (copied to the clipboard and shown to
// select by hand), JSON and CSV downloads, and imported JSON files (the file picker or drag and drop),
// which are hostile input exactly like links.

import { importTooLarge, parseImportedJson, toCsv, toJson } from '../results/export.ts';
import { checkPageUrl, defaultLinkBase, PAGE_URL, pageAddress } from '../results/page-url.ts';
import type { ParseResult } from '../results/schema.ts';
import { encodeShareLink } from '../results/share-link.ts';
import type { ResultsFile } from '../results/types.ts';
import { withInputs } from './article-inputs.ts';

/** Which page share links open: the default (see page-url.ts), this page, or an address of one's own. */
export type LinkBaseSetting = { kind: 'default' } | { kind: 'this-page' } | { kind: 'custom'; url: string };

const LINK_BASE_KEY = 'attnscope.link-base.v1';

export function loadLinkBaseSetting(): LinkBaseSetting {
  try {
    const saved = JSON.parse(localStorage.getItem(LINK_BASE_KEY) ?? 'null') as LinkBaseSetting | null;
    if (saved?.kind === 'this-page') return saved;
    if (saved?.kind === 'custom' && typeof saved.url === 'string') {
      const checked = checkPageUrl(saved.url, 'link address');
      if (checked.ok) return { kind: 'custom', url: checked.url };
    }
  } catch {
    // Unreadable or blocked storage: the default.
  }
  return { kind: 'default' };
}

export function saveLinkBaseSetting(setting: LinkBaseSetting): void {
  try {
    localStorage.setItem(LINK_BASE_KEY, JSON.stringify(setting));
  } catch {
    // Storage blocked: the setting lasts until the page is closed.
  }
}

/** The page address share links made here point to, under `setting`. */
export function linkBaseFor(setting: LinkBaseSetting, currentHref: string): string {
  if (setting.kind === 'this-page') return pageAddress(currentHref);
  if (setting.kind === 'custom') return setting.url;
  return defaultLinkBase(currentHref);
}

/**
 * The link for these results, `<page>#r=1.<payload>&a=1.<inputs beside the claims>`, on the page the
 * link setting names.
 */
export async function shareLinkFor(file: ResultsFile): Promise<string> {
  return withInputs(await encodeShareLink(file, linkBaseFor(loadLinkBaseSetting(), location.href)));
}

export { PAGE_URL };

/** Copies text to the clipboard; false when the browser refused (the caller shows it to select). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file name that says what and when: attnscope-swiftshader-2026-06-01T1200.json */
export function exportName(file: ResultsFile, extension: 'json' | 'csv'): string {
  const adapter = (file.environment.adapter.architecture || file.environment.adapter.vendor || 'gpu')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 30);
  const stamp = file.createdAt.replace(/[^0-9T]/g, '').slice(0, 13);
  return `attnscope-${adapter || 'gpu'}-${stamp}.${extension}`;
}

export function downloadJson(file: ResultsFile): void {
  download(exportName(file, 'json'), 'application/json', toJson(file));
}

export function downloadCsv(file: ResultsFile): void {
  download(exportName(file, 'csv'), 'text/csv', toCsv(file));
}

/** Reads and validates an imported file; refuses files too large to be results before reading them. */
export async function readImportedFile(file: File): Promise<ParseResult> {
  // Results files are ASCII almost throughout, so bytes and characters agree; refuse before reading.
  const tooLarge = importTooLarge(file.size, 'bytes');
  if (tooLarge) return tooLarge;
  let text: string;
  try {
    text = await file.text();
  } catch {
    return { ok: false, error: 'The file could not be read' };
  }
  return parseImportedJson(text);
}
