// How the measuring scripts start: options parsed first (a bad one is a line naming it, exit code 2),
// then the run (a failure is a line, exit code 1); --help prints the usage.

/** Parses the command line with `parse`, then runs `main` with the options; reports as `name`. */
export async function runScript<Options>(
  name: string,
  usage: string,
  parse: (argv: readonly string[]) => Options,
  main: (options: Options) => Promise<void>,
): Promise<void> {
  const argv = process.argv.slice(2);
  const say = (error: unknown) =>
    console.error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
  if (argv.includes('--help')) {
    console.log(usage);
    return;
  }
  let options: Options;
  try {
    options = parse(argv);
  } catch (error) {
    say(error);
    process.exitCode = 2; // bad options
    return;
  }
  await main(options).catch((error: unknown) => {
    say(error);
    process.exitCode = 1;
  });
}
