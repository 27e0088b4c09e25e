// The command line of `npm run bench` (contract: ../shared/design.md "Command line"). Pure: parses
// argv into options or an error that names the bad option or value (the caller exits with code 2).

import { PRESET_NAMES, type PresetName, SUITES, type Suite } from '../src/measure/presets.ts';
import { checkPageUrl, PAGE_URL } from '../src/results/page-url.ts';

/** The canonical page (package.json `homepage`): share links open there unless --base-url says otherwise. */
export const DEFAULT_BASE_URL = PAGE_URL;

export const USAGE = `usage: npm run bench -- [--preset quick|standard|full] [--only ${SUITES.join(',')}]
                      [--json FILE] [--csv FILE] [--base-url URL]

  --preset    what to sweep (default quick; software adapters get smaller problems)
  --only      comma-separated suites to keep (default all)
  --json      write the results JSON (attnscope.results/1) to FILE (- for stdout: the report
              then goes to stderr)
  --csv       write one CSV row per result to FILE (- for stdout, likewise)
  --base-url  page URL of the share link printed last (default ${DEFAULT_BASE_URL},
              the hosted page; give your own copy's address, or http://localhost:5173/ for npm start)
  --help      show this text

Exit code 0 only when every result printed was verified and every file asked for was written;
2 for bad options (a --json or --csv path that cannot be written among them); 130 when cancelled.`;

export interface CliOptions {
  preset: PresetName;
  only?: Suite[];
  json?: string;
  csv?: string;
  baseUrl: string;
  help: boolean;
}

export type ParseResult = { ok: true; options: CliOptions } | { ok: false; error: string };

const VALUE_OPTIONS = ['--preset', '--only', '--json', '--csv', '--base-url'] as const;
type ValueOption = (typeof VALUE_OPTIONS)[number];

function isValueOption(name: string): name is ValueOption {
  return (VALUE_OPTIONS as readonly string[]).includes(name);
}

/** Parses the arguments after `--` (process.argv.slice(2)). */
export function parseArgs(argv: readonly string[]): ParseResult {
  const seen = new Set<string>();
  const values: Partial<Record<ValueOption, string>> = {};
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('-')) return { ok: false, error: `unexpected argument '${arg}'` };
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    if (!isValueOption(name)) return { ok: false, error: `unknown option '${name}'` };
    if (seen.has(name)) return { ok: false, error: `${name} given more than once` };
    seen.add(name);
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) value = argv[++i];
    if (value === undefined || value === '') return { ok: false, error: `${name} needs a value` };
    values[name] = value;
  }

  const preset = values['--preset'] ?? 'quick';
  if (!(PRESET_NAMES as readonly string[]).includes(preset)) {
    return {
      ok: false,
      error: `--preset: unknown value '${preset}'; expected one of ${PRESET_NAMES.join(', ')}`,
    };
  }
  let only: Suite[] | undefined;
  if (values['--only'] !== undefined) {
    const parts = values['--only'].split(',').map((s) => s.trim());
    const unknown = parts.filter((s) => !(SUITES as readonly string[]).includes(s));
    if (unknown.length) {
      const shown = unknown.map((s) => `'${s}'`).join(', ');
      return {
        ok: false,
        error: `--only: unknown value ${shown}; expected a comma-separated list of ${SUITES.join(', ')}`,
      };
    }
    only = [...new Set(parts as Suite[])];
  }
  const checked = checkPageUrl(values['--base-url'] ?? DEFAULT_BASE_URL, '--base-url');
  if (!checked.ok) return { ok: false, error: checked.error };
  const baseUrl = checked.url;
  return {
    ok: true,
    options: {
      preset: preset as PresetName,
      only,
      json: values['--json'],
      csv: values['--csv'],
      baseUrl,
      help,
    },
  };
}
