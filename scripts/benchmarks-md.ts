// Turns a results JSON (from `npm run bench -- --preset standard --json FILE`) into BENCHMARKS.md:
// the adapter, the key ratios against the targets of issues 7 and 16 (optionally before/after), and every
// result. Usage:
//   npx tsx scripts/benchmarks-md.ts results.json [--before old.json] [--also other.json ...]
//                                    [--hardware kept.json ...] [--out BENCHMARKS.md]
// --also (repeatable): more runs of the same code, whose figures are listed beside this run's so that
// the run-to-run spread on the machine is in plain sight.
// --hardware (repeatable): a run on a hardware GPU kept in the repository (benchmarks/), shown whole in
// a section of its own after the main run (a software adapter's run is refused there).

import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatKernel, formatProblem } from '../bench/table.ts';
import { articleCitation } from '../src/article/article.ts';
import { claimsMarkdown } from '../src/article/report.ts';
import { adapterName } from '../src/gpu/adapter-info.ts';
import { findEntry, kernelNames } from '../src/kernels/registry.ts';
import { readGBps } from '../src/measure/ceilings.ts';
import { fallbackText, peerTargets } from '../src/peers/targets.ts';
import { parseImportedJson } from '../src/results/export.ts';
import type { BenchResult, ResultsFile } from '../src/results/types.ts';
import { markdownCell, markdownRow } from '../src/util/markdown.ts';
import { decodeStepMarkdown, gemvMarkdown } from './decode-step-md.ts';

export interface Ratio {
  name: string;
  /** The measured figure (a ratio or a fraction), undefined when a side is missing. */
  value?: number;
  target: number;
  /** How the figure is shown: "2.31×" or "87%". */
  unit: '×' | '%';
  /** Which results it came from. */
  detail: string;
  /** The results behind the figure (their confidence intervals qualify it). */
  sources?: (BenchResult | undefined)[];
}

/** Relative half-width of a result's 95% CI of the median. */
function ciWidth(r: BenchResult): number {
  const l = r.latencyMs;
  if (!l || l.median <= 0) return 0;
  return Math.max(l.median - l.ci95[0], l.ci95[1] - l.median) / l.median;
}

/** " (noisy: CI ±20% on decode …)" when a source's CI is wider than ±5%. */
function noiseNote(sources: (BenchResult | undefined)[] | undefined): string {
  const wide = (sources ?? []).filter(
    (r): r is BenchResult => Boolean(r) && ciWidth(r as BenchResult) > 0.05,
  );
  if (wide.length === 0) return '';
  const parts = wide.map(
    (r) =>
      `±${(100 * ciWidth(r)).toFixed(0)}% on ${r.impl === 'attnscope' ? '' : `${r.impl} `}${r.kernel}${r.params.pattern ? ' (sparse)' : ''}`,
  );
  return ` — NOISY: 95% CI ${parts.join(', ')}`;
}

const timed = (
  r: BenchResult | undefined,
): r is BenchResult & { latencyMs: NonNullable<BenchResult['latencyMs']> } =>
  Boolean(r?.verified && r.latencyMs);

function find(file: ResultsFile, pred: (r: BenchResult) => boolean): BenchResult | undefined {
  return file.results.find((r) => timed(r) && pred(r));
}

const isDenseAttention = (r: BenchResult) => r.op === 'attention' && r.params.pattern === undefined;

function largest(values: number[]): number | undefined {
  return values.length ? Math.max(...values) : undefined;
}

const pct = (fraction: number) => `${(100 * fraction).toFixed(1)}%`;

/**
 * The kernels the issue-7 figures name, looked up in the registry by kind and role: the dense
 * baseline of sparse kernels (flash), the plain dense baseline (unfused), the sparse, the epilogue
 * matmul (tiled) and the decode kernel.
 */
const K = {
  flash: kernelNames({ kinds: ['dense'], role: 'dense-baseline' })[0],
  unfused: kernelNames({ kinds: ['dense'], role: 'baseline' })[0],
  sparse: kernelNames({ kinds: ['sparse'] })[0],
  tiled: kernelNames({ kinds: ['matmul'], role: 'epilogue' })[0],
  decode: kernelNames({ kinds: ['decode'] })[0],
};

/** The issue-7 figures of one run. */
export function keyRatios(file: ResultsFile): Ratio[] {
  const ratios: Ratio[] = [];
  const median = (r: BenchResult | undefined) => (timed(r) ? r.latencyMs.median : undefined);
  const ratio = (slow?: BenchResult, fast?: BenchResult) => {
    const a = median(slow);
    const b = median(fast);
    return a !== undefined && b !== undefined ? a / b : undefined;
  };

  // flash vs unfused at the largest sequence where both ran.
  const seqs = file.results
    .filter((r) => isDenseAttention(r) && r.impl === 'attnscope' && r.kernel === K.flash && timed(r))
    .map((r) => Number(r.params.seqK));
  const seq = largest(seqs);
  const at = (kernel: string, impl = 'attnscope') =>
    find(
      file,
      (r) => isDenseAttention(r) && r.kernel === kernel && r.impl === impl && Number(r.params.seqK) === seq,
    );
  ratios.push({
    name: `${K.flash} vs ${K.unfused}, largest sequence`,
    value: ratio(at(K.unfused), at(K.flash)),
    sources: [at(K.unfused), at(K.flash)],
    target: 2,
    unit: '×',
    detail: seq ? `s=${seq}` : `${K.flash} not measured`,
  });
  ratios.push({
    name: `${K.flash} vs TF.js composed attention`,
    value: ratio(at('attention', 'tfjs-webgpu'), at(K.flash)),
    sources: [at('attention', 'tfjs-webgpu'), at(K.flash)],
    target: 3,
    unit: '×',
    detail: seq ? `s=${seq}` : `${K.flash} not measured`,
  });

  // Block-sparse vs flash at densities 0.5 and 0.25 (speed-up × density, 1 = ideal).
  for (const target of [0.5, 0.25]) {
    const sparse = find(
      file,
      (r) => r.kernel === K.sparse && r.op === 'attention' && Number(r.params.targetDensity) === target,
    );
    const efficiency =
      sparse?.speedupVsDense !== undefined && sparse.density
        ? sparse.speedupVsDense * sparse.density
        : undefined;
    ratios.push({
      name: `${K.sparse} vs ${K.flash} at density ${target}: speed-up × density`,
      value: efficiency,
      sources: [
        sparse,
        sparse &&
          find(
            file,
            (r) =>
              r.kernel === K.flash &&
              r.params.pattern === sparse.params.pattern &&
              r.params.targetDensity === sparse.params.targetDensity &&
              r.params.seqK === sparse.params.seqK,
          ),
      ],
      target: 0.9,
      unit: '%',
      detail: sparse
        ? `${String(sparse.params.mask ?? sparse.params.pattern)}, density ${sparse.density?.toFixed(3)}, speed-up ${sparse.speedupVsDense?.toFixed(2)}× (ideal ${(1 / (sparse.density ?? 1)).toFixed(2)}×)`
        : 'not measured',
    });
  }

  // tiled vs the peers at the largest common matmul size.
  for (const [peer, target] of [
    ['tfjs-webgpu', 1.3],
    ['gpu.js', 10],
  ] as const) {
    const sizes = file.results
      .filter((r) => r.op === 'matmul' && r.impl === peer && timed(r))
      .map((r) => Number(r.params.m))
      .filter((m) =>
        find(
          file,
          (r) => r.kernel === K.tiled && r.impl === 'attnscope' && !r.params.bias && r.params.m === m,
        ),
      );
    const size = largest(sizes);
    const mm = (impl: string, kernel?: string) =>
      find(
        file,
        (r) =>
          r.op === 'matmul' &&
          r.impl === impl &&
          (!kernel || r.kernel === kernel) &&
          !r.params.bias &&
          r.params.m === size,
      );
    ratios.push({
      name: `${K.tiled} matmul vs ${peer === 'gpu.js' ? 'gpu.js' : 'TF.js'} matMul`,
      value: ratio(mm(peer), mm('attnscope', K.tiled)),
      sources: [mm(peer), mm('attnscope', K.tiled)],
      target,
      unit: '×',
      detail: size
        ? `${size}×${size}×${size}${peer === 'gpu.js' ? `, gpu.js mode ${String(mm(peer)?.params.mode)}` : ''}`
        : 'not measured',
    });
  }

  // Decode: bandwidth utilisation at the longest KV, and the sparse decode's time saved vs bytes saved.
  const kvs = file.results
    .filter((r) => r.op === 'decode' && r.kernel === K.decode && !r.params.pattern && timed(r))
    .map((r) => Number(r.params.seqK));
  const kv = largest(kvs);
  const dense = find(
    file,
    (r) => r.op === 'decode' && r.kernel === K.decode && !r.params.pattern && Number(r.params.seqK) === kv,
  );
  // The read probe: what a kernel that only reads can reach here (decode reads ~all its bytes).
  const read = readGBps(file.results);
  const readNote =
    read && dense?.gbps
      ? `; ${pct(dense.gbps / read)} of the read probe (${read.toPrecision(3)} GB/s, itself ${pct(read / file.ceilings.copyGBps)} of copy)`
      : '';
  // The like-for-like share: the read probe timed interleaved with decode over the same working set.
  const paired = dense?.ceilingPair;
  const pairedNote = paired
    ? `; ${pct(paired.ratio)} of the read probe timed beside it (95% CI ${pct(paired.ci95[0])}–${pct(paired.ci95[1])}, same working set)`
    : '';
  ratios.push({
    name: 'decode (dense, longest KV): share of copy bandwidth',
    value: dense?.bwUtil,
    sources: [dense],
    target: 0.9,
    unit: '%',
    detail: kv ? `kv=${kv}, ${dense?.gbps?.toPrecision(3)} GB/s${pairedNote}${readNote}` : 'not measured',
  });
  const sparse = find(
    file,
    (r) =>
      r.op === 'decode' && r.kernel === K.decode && Boolean(r.params.pattern) && Number(r.params.seqK) === kv,
  );
  // Time saved from the paired speed-up (sparse and dense timed interleaved, same load) when there is
  // one; the ratio of the two separate medians otherwise.
  const timeSaved =
    timed(sparse) && timed(dense)
      ? 1 -
        (sparse.speedupVsDense ? 1 / sparse.speedupVsDense : sparse.latencyMs.median / dense.latencyMs.median)
      : undefined;
  const bytesSaved = sparse && dense ? 1 - sparse.bytes / dense.bytes : undefined;
  ratios.push({
    name: 'sparse decode: time saved ÷ bytes saved',
    value: timeSaved !== undefined && bytesSaved ? timeSaved / bytesSaved : undefined,
    sources: [dense, sparse],
    target: 0.9,
    unit: '%',
    detail:
      timeSaved !== undefined && bytesSaved !== undefined
        ? `kv=${kv}, density ${sparse?.density?.toFixed(2)}: time ${signed(-timeSaved)}, bytes ${signed(-bytesSaved)}`
        : 'not measured',
  });

  // Issue 16: our kernels against ONNX Runtime Web on the same problems (src/peers/targets.ts).
  // A fallback ratio (against ORT's composed line) does not check the target: no value, said in the detail.
  for (const t of peerTargets(file.results)) {
    const where = t.problem && !t.fallback ? `${t.problem}, ORT fused line; ORT median ÷ ours` : '';
    ratios.push({
      name: t.name,
      value: t.fallback ? undefined : t.value,
      sources: t.sources,
      target: t.target,
      unit: '×',
      detail:
        [where, t.reason, t.fallback ? fallbackText(t) : ''].filter(Boolean).join('; ') || 'not measured',
    });
  }
  return ratios;
}

/** The figure as shown; a value just under its target keeps the digits that show it is under. */
function show(value: number | undefined, unit: '×' | '%', target?: number): string {
  if (value === undefined) return 'n/a';
  const scale = unit === '%' ? 100 : 1;
  let digits = unit === '%' ? 1 : 2;
  while (
    target !== undefined &&
    value < target &&
    Number((scale * value).toFixed(digits)) >= scale * target &&
    digits < 6
  )
    digits++;
  return `${(scale * value).toFixed(digits)}${unit}`;
}

/** "−40.0%" or "+12.5%". */
function signed(fraction: number): string {
  return `${fraction < 0 ? '−' : '+'}${Math.abs(100 * fraction).toFixed(1)}%`;
}

/** Every result of these runs flagged above its paired ceiling, or a line saying there is none. */
function aboveCeilingMarkdown(runs: readonly ResultsFile[]): string[] {
  const flagged = runs.flatMap((f) =>
    f.results.filter((r) => r.aboveCeiling).map((r) => ({ run: f.createdAt, r })),
  );
  const lines = ['## Results above their paired ceiling', ''];
  if (!flagged.length)
    return [...lines, `None in ${runs.length === 1 ? 'this run' : `these ${runs.length} runs`}.`, ''];
  for (const { run, r } of flagged) {
    lines.push(`- ${run}: ${formatKernel(r)} ${formatProblem(r)}: ${markdownCell(r.aboveCeiling ?? '')}`);
  }
  return [...lines, ''];
}

/** A run kept in the repository, shown after the main run in a section of its own. */
export interface KeptRun {
  file: ResultsFile;
  /** Where it is kept (relative to the repository root). */
  path: string;
}

/** The whole BENCHMARKS.md for one run (optionally the run before it, other runs of the same code, and kept hardware runs). */
export function benchmarksMarkdown(
  file: ResultsFile,
  options: {
    command: string;
    before?: ResultsFile;
    also?: readonly ResultsFile[];
    hardware?: readonly KeptRun[];
  },
): string {
  const lines: string[] = [];
  lines.push('# attnscope benchmarks', '');
  lines.push(
    `Generated by \`scripts/benchmarks-md.ts\` from one run of \`${options.command}\` — regenerate it whenever kernels change.`,
    '',
    `The figures are held against the article ${articleCitation()} (the page lists each claim, its verdict on this run, and the article checked against itself).`,
    '',
  );
  lines.push(...runMarkdown(file, options));
  for (const kept of options.hardware ?? []) {
    const env = kept.file.environment;
    lines.push(`## On a hardware GPU: ${adapterName(env.adapter)}`, '');
    lines.push(
      `One run of \`npm run bench -- --preset ${kept.file.preset ?? '?'}\` on that GPU, kept as \`${kept.path}\` (the page draws it: "Open results from a file"). ` +
        'Its figures are of the code of that day: rerun there and regenerate to refresh them; peers missing on that machine are listed as not measured.',
      '',
    );
    lines.push(...runMarkdown(kept.file, {}).map((line) => (line.startsWith('#') ? `#${line}` : line)));
  }
  return lines.join('\n');
}

/** One run's sections: its adapter and ceilings, key ratios, claims, GEMV, decode step and every result. */
function runMarkdown(
  file: ResultsFile,
  options: { before?: ResultsFile; also?: readonly ResultsFile[] },
): string[] {
  const env = file.environment;
  const read = readGBps(file.results);
  const lines: string[] = [];
  lines.push(
    `- Adapter: **${adapterName(env.adapter)}**${env.adapter.isSoftware ? ' — a SOFTWARE adapter (SwiftShader: shaders run on the CPU). Absolute times say nothing about a GPU; only the ratios within this run mean something, and problem sizes are scaled down.' : ''}`,
  );
  lines.push(
    `- Run: ${file.createdAt}, attnscope ${file.tool.version}, preset ${file.preset ?? '?'}, status ${file.status ?? '?'}, ${env.runtime} (${env.userAgent})`,
  );
  lines.push(
    `- Timing: ${env.timing.source}${env.timing.quantized ? ' (quantized)' : ' (not quantized)'}, resolution ${(env.timing.resolutionMs * 1e3).toPrecision(3)} µs`,
  );
  lines.push(
    `- Ceilings measured in the same run: copy ${file.ceilings.copyGBps.toPrecision(3)} GB/s, fma ${file.ceilings.fmaGflops > 0 ? `${file.ceilings.fmaGflops.toPrecision(3)} GFLOP/s` : 'not measured (no fma probe)'}` +
      (read > 0
        ? `; read probe ${read.toPrecision(3)} GB/s (the ceiling of kernels that only read; \`% of copy\` stays against copy)`
        : ''),
  );
  lines.push('');

  lines.push('## Key ratios (targets of issues 7 and 16)', '');
  const now = keyRatios(file);
  const before = options.before ? keyRatios(options.before) : undefined;
  if (options.before) {
    lines.push(
      `Before: the run of ${options.before.createdAt} (attnscope ${options.before.tool.version}, preset ${options.before.preset ?? '?'}); ` +
        'n/a where that run had no such pair. After: this run. Different runs saw different machine load: compare with care.',
      '',
    );
  }
  const also = (options.also ?? []).map(keyRatios);
  if (also.length) {
    lines.push(
      `Other runs: ${also.length} more run${also.length > 1 ? 's' : ''} of the same code on this machine (${(options.also ?? []).map((f) => f.createdAt).join(', ')}), ` +
        'listed so that the spread between runs is in plain sight; "Holds" counts the runs where the target held.',
      '',
    );
  }
  const header = ['Comparison', ...(before ? ['Before', 'After'] : ['Measured'])];
  if (also.length) header.push('Other runs');
  header.push('Target', 'Holds', 'From');
  lines.push(`| ${header.join(' | ')} |`);
  lines.push(
    `|---|${header
      .slice(1, -3)
      .map(() => '---:')
      .join('|')}|---:|:---:|---|`,
  );
  now.forEach((r, i) => {
    const holdsIn = (v: number | undefined) => v !== undefined && v >= r.target;
    let holds = r.value === undefined ? '—' : holdsIn(r.value) ? 'yes' : 'no';
    if (also.length) {
      const values = [r.value, ...also.map((a) => a[i].value)].filter((v) => v !== undefined);
      holds += ` (${values.filter(holdsIn).length} of ${values.length} run${values.length > 1 ? 's' : ''})`;
    }
    const target = `≥ ${r.unit === '%' ? `${(100 * r.target).toFixed(0)}%` : `${r.target.toFixed(1)}×`}`;
    const detail = r.detail + noiseNote(r.sources);
    const cells = [r.name];
    if (before) cells.push(show(before[i].value, r.unit, r.target));
    cells.push(show(r.value, r.unit, r.target));
    if (also.length) cells.push(also.map((a) => show(a[i].value, r.unit, r.target)).join(', '));
    cells.push(target, holds, detail);
    lines.push(markdownRow(cells));
  });
  lines.push('');

  const missing = file.results.filter((r) => !r.verified);
  if (missing.length) {
    lines.push('## Not measured in this run', '');
    for (const r of missing)
      lines.push(`- \`${r.id}\`: ${markdownCell((r.error ?? 'not verified').split('\n')[0])}`);
    lines.push('');
  }

  lines.push(...aboveCeilingMarkdown([file, ...(options.also ?? [])]));
  lines.push(...claimsMarkdown(file));
  lines.push(...gemvMarkdown(file), ...decodeStepMarkdown(file));
  lines.push('## All results', '');
  lines.push(
    '"Configuration": the autotuned configuration a row ran, or "default" where its kernel (or the kernel it is a variant of) can be tuned and this row ran its defaults — compare rows of the two kinds with care.',
    '',
  );
  lines.push(
    '| Kernel | Op | Problem | Configuration | Median ± CI (ms) | GB/s | % of copy | GFLOP/s | Speed-up vs dense | Max abs err |',
  );
  lines.push('|---|---|---|---|---:|---:|---:|---:|---:|---:|');
  for (const r of file.results.filter(timed)) {
    const l = r.latencyMs;
    const half = Math.max(l.median - l.ci95[0], l.ci95[1] - l.median);
    lines.push(
      markdownRow([
        formatKernel(r),
        r.op,
        formatProblem(r),
        configuration(r),
        `${l.median.toPrecision(4)} ± ${half.toPrecision(2)}${l.noisy ? ' (noisy)' : ''}`,
        r.gbps?.toPrecision(3) ?? '',
        r.bwUtil === undefined ? '' : `${(100 * r.bwUtil).toFixed(1)}%`,
        r.gflops?.toPrecision(3) ?? '',
        r.speedupVsDense === undefined
          ? ''
          : `${r.speedupVsDense.toFixed(2)}× (ideal ${(1 / (r.density ?? 1)).toFixed(2)}×)`,
        r.maxAbsErr.toExponential(1),
      ]),
    );
  }
  lines.push('');
  const notes = file.results.filter((r) => timed(r) && r.impl !== 'attnscope' && r.notes);
  if (notes.length) {
    lines.push('## How the peers ran', '');
    const seen = new Set<string>();
    for (const r of notes) {
      const first = (r.notes ?? '').split('; ').slice(0, 2).join('; ');
      if (seen.has(first)) continue;
      seen.add(first);
      lines.push(`- ${r.impl} ${r.kernel}: ${markdownCell(first)}`);
    }
    lines.push('');
  }
  return lines;
}

/** The autotuned label a result ran, "default" for a tunable kernel (or a variant of one) run untuned, else blank. */
export function configuration(r: BenchResult): string {
  if (r.impl !== 'attnscope') return '';
  if (typeof r.params.tuned === 'string') return r.params.tuned;
  const e = findEntry(r.kernel);
  const base = e?.variantOf ? findEntry(e.variantOf) : e;
  return base?.tunable ? 'default' : '';
}

function readResults(path: string): ResultsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const parsed = parseImportedJson(text, path);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

const USAGE =
  'usage: npx tsx scripts/benchmarks-md.ts results.json [--before old.json] [--also other.json ...] ' +
  '[--hardware kept.json ...] [--out BENCHMARKS.md] [--command TEXT]';

export interface MdOptions {
  input: string;
  out: string;
  before?: string;
  also: string[];
  /** Kept runs on hardware GPUs (--hardware, repeatable), each shown in a section of its own. */
  hardware: string[];
  command: string;
}

const MD_OPTIONS = {
  out: { type: 'string' },
  before: { type: 'string' },
  also: { type: 'string', multiple: true },
  hardware: { type: 'string', multiple: true },
  command: { type: 'string' },
} as const;

/** node:util's strict parse: throws on an unknown option or one without its value. */
function parseMdOptions(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: MD_OPTIONS, allowPositionals: true, strict: true });
}

/** The command line, checked: one results file, known options each with a value, an --out that is no input. */
export function parseMdArgs(
  argv: readonly string[],
): { ok: true; options: MdOptions } | { ok: false; error: string } {
  let values: ReturnType<typeof parseMdOptions>;
  try {
    values = parseMdOptions(argv);
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  const { positionals } = values;
  if (positionals.length !== 1)
    return {
      ok: false,
      error: `expected one results file, got ${positionals.length}: ${positionals.join(' ') || 'none'}`,
    };
  const { out = 'BENCHMARKS.md', before, also = [], hardware = [], command } = values.values;
  const options: MdOptions = {
    input: positionals[0],
    out,
    before,
    also,
    hardware,
    command: command ?? 'npm run bench -- --preset standard --json results.json',
  };
  const inputs = [options.input, ...(before ? [before] : []), ...also, ...hardware];
  if (inputs.some((path) => resolve(path) === resolve(out)))
    return { ok: false, error: `--out ${out} is one of the results files read: it would be overwritten` };
  return { ok: true, options };
}

function main(argv: string[]): number {
  const parsed = parseMdArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`benchmarks-md: ${parsed.error}\n${USAGE}\n`);
    return 2;
  }
  const { input, out, before, also, hardware, command } = parsed.options;
  try {
    const kept = hardware.map((path) => {
      const file = readResults(path);
      if (file.environment.adapter.isSoftware)
        throw new Error(
          `--hardware ${path}: its adapter is a software one (${adapterName(file.environment.adapter)})`,
        );
      return { file, path };
    });
    const markdown = benchmarksMarkdown(readResults(input), {
      command,
      before: before ? readResults(before) : undefined,
      also: also.map(readResults),
      hardware: kept,
    });
    writeFileSync(out, markdown);
  } catch (error) {
    process.stderr.write(`benchmarks-md: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  process.stdout.write(`Wrote ${out}\n`);
  return 0;
}

if (
  process.argv[1] &&
  import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop() ?? '\0')
) {
  process.exitCode = main(process.argv.slice(2));
}
