// The files `npm run bench` writes (--json, --csv): checked before the run, so that a path that
// cannot be written fails at once rather than after a sweep of many minutes, and written one by
// one, so that a file that still fails to write (a full disk) loses neither the other file nor the
// share link. The path `-` is standard output (`--json - | jq …`); the report then goes to stderr.

import { accessSync, constants, lstatSync, readlinkSync, type Stats, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';

/** One file to write: the option that named it, its path, and how its text is made from what is written. */
export interface Output<T> {
  flag: string;
  path: string;
  text: (value: T) => string;
}

function statOf(path: string, follow = true): Stats | undefined {
  try {
    return follow ? statSync(path) : lstatSync(path);
  } catch {
    return undefined;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The path that names standard output. */
export const STDOUT_PATH = '-';

/** Why `path`, given to `flag`, cannot be written; undefined when it can (as far as the file system says). */
export function outputProblem(flag: string, path: string): string | undefined {
  if (path === STDOUT_PATH) return undefined;
  // resolve() drops a trailing separator: `out/` names a folder, whether it exists or not.
  if (path.endsWith('/') || path.endsWith(sep)) return `${flag}: ${path} names a folder; give a file name`;
  const full = resolve(path);
  const stat = statOf(full);
  if (stat?.isDirectory()) return `${flag}: ${path} is a folder; give a file name`;
  if (stat) return writable(full) ? undefined : `${flag}: ${path} exists and cannot be written`;
  // A link to a file not made yet is written through: its target's folder is the one that counts.
  let target = full;
  for (let hops = 0; hops < 8 && statOf(target, false)?.isSymbolicLink(); hops++) {
    target = resolve(dirname(target), readlinkSync(target));
  }
  const folder = dirname(target);
  const parent = statOf(folder);
  if (!parent) return `${flag}: cannot write ${path}: the folder ${folder} does not exist`;
  if (!parent.isDirectory()) return `${flag}: cannot write ${path}: ${folder} is not a folder`;
  if (!writable(folder)) return `${flag}: cannot write ${path}: the folder ${folder} cannot be written`;
  return undefined;
}

/** The first problem of the outputs asked for (each path, then two options naming one file). */
export function outputsProblem(
  outputs: readonly Pick<Output<unknown>, 'flag' | 'path'>[],
): string | undefined {
  for (const { flag, path } of outputs) {
    const problem = outputProblem(flag, path);
    if (problem) return problem;
  }
  for (let i = 0; i < outputs.length; i++) {
    for (let j = i + 1; j < outputs.length; j++) {
      if (outputs[i].path === STDOUT_PATH && outputs[j].path === STDOUT_PATH) {
        return `${outputs[i].flag} and ${outputs[j].flag} cannot both write to standard output (-)`;
      }
      if (resolve(outputs[i].path) === resolve(outputs[j].path)) {
        return `${outputs[i].flag} and ${outputs[j].flag} name the same file (${outputs[i].path})`;
      }
    }
  }
  return undefined;
}

/** Whether one of the outputs is standard output (the report then belongs on stderr). */
export function writesStdout(outputs: readonly Pick<Output<unknown>, 'path'>[]): boolean {
  return outputs.some((o) => o.path === STDOUT_PATH);
}

/**
 * Writes `value` to each output (`-` through `stdout`, which settles once the text is written or
 * has failed: a full disk, a reader that stopped early); a failure is reported (`onError`, naming
 * the option and the path) and the others are still written. Resolves to whether all were.
 */
export async function writeOutputs<T>(
  outputs: readonly Output<T>[],
  value: T,
  stdout: (text: string) => Promise<void>,
  onWritten: (path: string) => void,
  onError: (message: string) => void,
): Promise<boolean> {
  let all = true;
  for (const { flag, path, text } of outputs) {
    try {
      if (path === STDOUT_PATH) {
        await stdout(text(value));
      } else {
        writeFileSync(path, text(value));
        onWritten(path);
      }
    } catch (error) {
      all = false;
      const where = path === STDOUT_PATH ? 'standard output' : path;
      onError(`${flag}: could not write ${where}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return all;
}
