// `npm run bench`: runs a preset on this machine's GPU (or SwiftShader, said loudly), shows progress,
// prints a table, writes JSON/CSV (to stdout for `-`, the report then on stderr), and prints the
// share link last. Ctrl-C cancels cleanly (what was measured is still written, status 'cancelled').
// Exit code 0 only when every printed result was verified and every file asked for written; 2 for
// bad options (an output path that cannot be written among them, found before the run); 130 when
// cancelled.

import { adapterName } from '../src/gpu/adapter-info.ts';
import { NoAdapterError } from '../src/gpu/errors.ts';
import type { Gpu } from '../src/gpu/gpu.ts';
import { openGpu } from '../src/gpu/open.ts';
import { readGBps } from '../src/measure/ceilings.ts';
import { presetConfig, runBenchmarks } from '../src/measure/run.ts';
import { toCsv, toJson } from '../src/results/export.ts';
import { parseResults } from '../src/results/schema.ts';
import { encodeShareLink } from '../src/results/share-link.ts';
import type { ResultsFile } from '../src/results/types.ts';
import { type CliOptions, parseArgs, USAGE } from './args.ts';
import { type Output, outputsProblem, writeOutputs, writesStdout } from './output.ts';
import { createProgress } from './progress.ts';
import { formatTable, peerTargetLines } from './table.ts';

const out = process.stdout;
const err = process.stderr;
// Standard output that fails (a reader that stops early, `| head`; a full disk): the rest of the
// report is dropped and the run goes on and still writes its files. A file written to stdout (`-`)
// learns of the failure through writeStdout and counts as not written.
out.on('error', () => {});

/** Writes text to stdout; settles once it is written, or with the error that kept it from being. */
function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

function softwareBanner(name: string): string {
  const line = '!'.repeat(78);
  return [
    line,
    `!!! SOFTWARE ADAPTER: ${name}`,
    '!!! No hardware GPU was found: shaders run on the CPU (SwiftShader). Absolute times say',
    '!!! nothing about a GPU; compare kernels only as ratios within this run. Problem sizes are',
    '!!! scaled down for software adapters (params.scaledForSoftware).',
    line,
  ].join('\n');
}

/** The files the options ask for. */
function outputsOf(options: CliOptions): Output<ResultsFile>[] {
  const outputs: Output<ResultsFile>[] = [];
  if (options.json) outputs.push({ flag: '--json', path: options.json, text: toJson });
  if (options.csv) outputs.push({ flag: '--csv', path: options.csv, text: toCsv });
  return outputs;
}

function exitCode(file: ResultsFile): number {
  if (file.status === 'cancelled') return 130;
  if (file.status !== 'complete') return 1;
  return file.results.every((r) => r.verified) ? 0 : 1;
}

async function main(): Promise<number> {
  const parsed = parseArgs(process.argv.slice(2));
  if (!parsed.ok) {
    err.write(`bench: ${parsed.error}\n${USAGE}\n`);
    return 2;
  }
  const options = parsed.options;
  if (options.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  const outputs = outputsOf(options);
  const outputError = outputsProblem(outputs);
  if (outputError) {
    err.write(`bench: ${outputError}\n`);
    return 2;
  }
  // With `--json -` or `--csv -`, stdout carries that file alone and the report goes to stderr.
  const report = writesStdout(outputs) ? err : out;

  let gpu: Gpu;
  try {
    gpu = await openGpu();
  } catch (error) {
    err.write(`bench: ${error instanceof NoAdapterError ? error.message : String(error)}\n`);
    return 1;
  }

  const controller = new AbortController();
  // One Ctrl-C can arrive more than once (the terminal signals the whole group, and npm and tsx
  // forward it too): only a second press, a moment later, quits at once.
  let firstInterrupt = 0;
  const onSigint = () => {
    const now = Date.now();
    if (!firstInterrupt) {
      firstInterrupt = now;
      err.write('\nbench: cancelling (Ctrl-C again to quit at once)…\n');
      controller.abort();
    } else if (now - firstInterrupt > 1000) {
      process.exit(130);
    }
  };
  // SIGTERM and SIGHUP (a supervisor, a closed terminal) cancel the same way: what was measured is
  // still written.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) process.on(signal, onSigint);

  try {
    const name = adapterName(gpu.adapter);
    report.write(gpu.adapter.isSoftware ? `${softwareBanner(name)}\n` : `Adapter: ${name}\n`);
    const config = presetConfig(options.preset, gpu.adapter);
    const suites = options.only ? config.suites.filter((s) => options.only?.includes(s)) : config.suites;
    report.write(
      `Preset ${options.preset}${config.scaledForSoftware ? ' (scaled for a software adapter)' : ''}: ` +
        `${suites.join(', ')}; budget ${(config.budgetMs / 1000).toFixed(0)} s\n`,
    );

    const progress = createProgress(err);
    const file = await runBenchmarks(gpu, {
      peers: () => import('../src/peers/index.ts'),
      preset: options.preset,
      only: options.only,
      signal: controller.signal,
      onProgress: (p) => progress.update(p),
    });
    progress.done();

    const t = file.environment.timing;
    const read = readGBps(file.results);
    report.write(
      `\nTiming: ${t.source}${t.quantized ? ' (QUANTIZED)' : ''}, resolution ${(t.resolutionMs * 1e3).toPrecision(3)} µs. ` +
        `Ceilings: copy ${file.ceilings.copyGBps.toPrecision(3)} GB/s, fma ${
          file.ceilings.fmaGflops > 0 ? `${file.ceilings.fmaGflops.toPrecision(3)} GFLOP/s` : 'not measured'
        }${read > 0 ? ` (read-only probe: ${read.toPrecision(3)} GB/s)` : ''}.\n\n`,
    );
    report.write(`${formatTable(file, report.columns ? Math.max(100, report.columns) : 200)}\n\n`);
    const targets = peerTargetLines(file.results);
    if (targets.length) report.write(`${targets.join('\n')}\n\n`);

    const schemaCheck = parseResults(JSON.parse(JSON.stringify(file)));
    if (!schemaCheck.ok)
      err.write(`bench: WARNING: the results do not pass the schema: ${schemaCheck.error}\n`);
    const written = await writeOutputs(
      outputs,
      file,
      writeStdout,
      (path) => report.write(`Wrote ${path}\n`),
      (message) => err.write(`bench: ${message}\n`),
    );
    const failed = file.results.filter((r) => !r.verified).length;
    report.write(
      `Status: ${file.status}; ${file.results.length - failed} verified, ${failed} failed or not verified.\n`,
    );
    try {
      report.write(`Share link: ${await encodeShareLink(file, options.baseUrl)}\n`);
    } catch (error) {
      report.write(`Share link: none (${error instanceof Error ? error.message : String(error)})\n`);
    }
    return schemaCheck.ok && written ? exitCode(file) : 1;
  } finally {
    for (const signal of signals) process.off(signal, onSigint);
    gpu.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    err.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
