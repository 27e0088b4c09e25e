#!/usr/bin/env node
// `attnscope`, the command of the installed package (plain Node, compiled to lib/bench/cli.js):
// `attnscope bench [options]` runs the benchmark CLI of bench/main.ts with the options of
// `npm run bench`; `attnscope --help` says so.

import { parseArgs, USAGE } from './args.ts';

const COMMAND_USAGE = `usage: attnscope bench [options]    (attnscope bench --help lists them)

  bench   runs attention, matmul, probe and peer benchmarks on this machine's GPU (the same
          command as \`npm run bench\` in a clone of attnscope)`;

/** The bench usage with this command's name in place of `npm run bench --`. */
function benchUsage(): string {
  return USAGE.replace('npm run bench --', 'attnscope bench');
}

async function cli(argv: string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    process.stderr.write(`attnscope: a command is needed\n${COMMAND_USAGE}\n`);
    return 2;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${COMMAND_USAGE}\n`);
    return 0;
  }
  if (command !== 'bench') {
    process.stderr.write(`attnscope: unknown command '${command}'\n${COMMAND_USAGE}\n`);
    return 2;
  }
  const parsed = parseArgs(rest);
  if (!parsed.ok) {
    process.stderr.write(`attnscope bench: ${parsed.error}\n${benchUsage()}\n`);
    return 2;
  }
  if (parsed.options.help) {
    process.stdout.write(`${benchUsage()}\n`);
    return 0;
  }
  // bench/main reads process.argv and exits by itself when done.
  process.argv = [process.argv[0], process.argv[1], ...rest];
  await import('./main.ts');
  return undefined;
}

cli(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error) => {
    process.stderr.write(
      `attnscope: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
