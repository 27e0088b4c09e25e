// Export of a run as JSON (the contract's results file, whole) or CSV (one flat row per result, safe to
// open in a spreadsheet), and parsing of an imported JSON file, which is hostile input like a share link.

import { type ParseResult, parseResults } from './schema.ts';
import type { BenchResult, ParamValue, ResultsFile } from './types.ts';

/** Characters of an imported JSON file (16 MiB): a full run with long error messages stays far below. */
export const IMPORT_MAX_CHARS = 16 * 1024 * 1024;

/** The results file as pretty-printed JSON, ending in a newline. */
export function toJson(results: ResultsFile): string {
  return `${JSON.stringify(results, null, 2)}\n`;
}

export const CSV_COLUMNS = [
  'id',
  'op',
  'kernel',
  'impl',
  'params',
  'medianMs',
  'p10Ms',
  'p90Ms',
  'ci95LoMs',
  'ci95HiMs',
  'samples',
  'bytes',
  'flops',
  'gbps',
  'gflops',
  'bwUtil',
  'computeUtil',
  'density',
  'speedupVsDense',
  'pairedBaselineMs',
  'maxAbsErr',
  'maxRelErr',
  'verified',
  'error',
  'noisy',
  'cv',
  'notes',
  // Where and how the run was measured: the same on every row, so that each row stands on its own
  // in a spreadsheet (filtered, sorted, pasted beside another run's).
  'createdAt',
  'status',
  'preset',
  'runtime',
  'adapter',
  'adapterIsSoftware',
  'timingSource',
  'timingQuantized',
  'copyGBps',
  'fmaGflops',
  'toolVersion',
] as const;

type CsvCell = string | number | boolean | undefined;

// A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
const FORMULA_START = /^[=+\-@\t\r]/;

function textCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function quoteCell(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

function formatCell(value: CsvCell): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return String(value);
  return quoteCell(textCell(value));
}

function escapeParamPart(part: string): string {
  return part.replaceAll('%', '%25').replaceAll(';', '%3B').replaceAll('=', '%3D');
}

// `k=v;k=v` with `%`, `;` and `=` inside names and values percent-encoded, so the cell splits back.
function formatParams(params: Record<string, ParamValue>): string {
  return Object.entries(params)
    .map(([key, value]) => `${escapeParamPart(key)}=${escapeParamPart(String(value))}`)
    .join(';');
}

function environmentCells(file: ResultsFile): CsvCell[] {
  const { adapter, runtime, timing } = file.environment;
  const name = [adapter.vendor, adapter.architecture].filter(Boolean).join(' ');
  const extra = adapter.description || adapter.device;
  return [
    file.createdAt,
    file.status,
    file.preset,
    runtime,
    extra && !name.includes(extra) ? `${name} (${extra})`.trim() : name,
    adapter.isSoftware,
    timing.source,
    timing.quantized,
    file.ceilings.copyGBps,
    file.ceilings.fmaGflops,
    file.tool.version,
  ];
}

function csvRow(result: BenchResult, environment: CsvCell[]): CsvCell[] {
  // A result that was not verified is never shown as a speed (design.md "Measures"): its timing columns stay empty.
  const timed = result.verified ? result : undefined;
  const latency = timed?.latencyMs;
  return [
    result.id,
    result.op,
    result.kernel,
    result.impl,
    formatParams(result.params),
    latency?.median,
    latency?.p10,
    latency?.p90,
    latency?.ci95[0],
    latency?.ci95[1],
    latency?.samples,
    result.bytes,
    result.flops,
    timed?.gbps,
    timed?.gflops,
    timed?.bwUtil,
    timed?.computeUtil,
    result.density,
    timed?.speedupVsDense,
    timed?.pairedBaselineMs,
    result.maxAbsErr,
    result.maxRelErr,
    result.verified,
    result.error,
    latency?.noisy,
    latency?.cv,
    result.notes,
    ...environment,
  ];
}

/**
 * One row per result under a header of CSV_COLUMNS (RFC 4180 quoting, `\n` line ends); each row also
 * carries the run's environment (date, status, adapter, software flag, timer, ceilings, version). Text cells that a
 * spreadsheet would run as a formula (starting with = + - @, tab or CR) get a leading `'`. Results that
 * were not verified keep their ids, sizes and errors but leave the timing and speed columns empty.
 */
export function toCsv(results: ResultsFile): string {
  const lines = [CSV_COLUMNS.join(',')];
  const environment = environmentCells(results);
  for (const result of results.results) lines.push(csvRow(result, environment).map(formatCell).join(','));
  return `${lines.join('\n')}\n`;
}

/** How the messages name the file by default (the page's import); a script names its path instead. */
const IMPORTED = 'The imported file';

/** The refusal of an import over IMPORT_MAX_CHARS (`size` in `unit`), or undefined when it is within. */
export function importTooLarge(
  size: number,
  unit: 'bytes' | 'characters',
  what = IMPORTED,
): ParseResult | undefined {
  if (size <= IMPORT_MAX_CHARS) return undefined;
  return {
    ok: false,
    error: `${what} is too large (${size} ${unit}, the limit is ${IMPORT_MAX_CHARS})`,
  };
}

/**
 * Parses the text of an imported JSON file (drag and drop, `--json` output) into validated results.
 * Never throws: too large, not JSON, or not a valid results file all come back as `{ ok: false, error }`,
 * the message naming the file as `what`.
 */
export function parseImportedJson(text: string, what = IMPORTED): ParseResult {
  if (typeof text !== 'string') return { ok: false, error: `${what} could not be read as text` };
  const tooLarge = importTooLarge(text.length, 'characters', what);
  if (tooLarge) return tooLarge;
  let json: unknown;
  try {
    json = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message.slice(0, 120) : 'unknown error';
    // UTF-16 without a byte-order mark, read as UTF-8: a NUL between every two characters.
    const utf16 = text.includes('\u0000')
      ? '; it holds NUL characters, as UTF-16 text does: save it as UTF-8'
      : '';
    return { ok: false, error: `${what} is not valid JSON (${reason})${utf16}` };
  }
  const parsed = parseResults(json);
  if (!parsed.ok) return { ok: false, error: `${what} is not an attnscope results file: ${parsed.error}` };
  return parsed;
}
