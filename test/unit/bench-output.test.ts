// The files `npm run bench` writes: paths that cannot be written are refused before the run (and
// exit code 2 on the real process, before any adapter is opened), and a file that fails to write
// at the end does not keep the others from being written.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { outputProblem, outputsProblem, writeOutputs, writesStdout } from '../../bench/output.ts';

const dir = mkdtempSync(join(tmpdir(), 'attnscope-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench output paths', () => {
  it('accepts a new file in an existing folder, and an existing file', () => {
    expect(outputProblem('--json', join(dir, 'new.json'))).toBeUndefined();
    const existing = join(dir, 'existing.csv');
    writeFileSync(existing, 'old');
    expect(outputProblem('--csv', existing)).toBeUndefined();
  });

  it.each([
    { name: 'a missing folder', path: () => join(dir, 'missing', 'x.json'), says: 'does not exist' },
    { name: 'a folder', path: () => dir, says: 'is a folder' },
    {
      name: 'a file as the folder',
      path: () => {
        const file = join(dir, 'plain');
        writeFileSync(file, '');
        return join(file, 'x.json');
      },
      says: 'is not a folder',
    },
  ])('refuses $name, naming the option and the path', ({ path, says }) => {
    const p = path();
    const problem = outputProblem('--json', p);
    expect(problem).toContain('--json');
    expect(problem).toContain(p);
    expect(problem).toContain(says);
  });

  it('refuses two options naming one file', () => {
    const same = join(dir, 'same');
    expect(
      outputsProblem([
        { flag: '--json', path: same },
        { flag: '--csv', path: join(dir, '.', 'same') },
      ]),
    ).toBe(`--json and --csv name the same file (${same})`);
    expect(
      outputsProblem([
        { flag: '--json', path: join(dir, 'a') },
        { flag: '--csv', path: join(dir, 'b') },
      ]),
    ).toBeUndefined();
  });

  it('writes the others when one fails, and says which failed', async () => {
    const good = join(dir, 'good.json');
    const bad = join(dir, 'gone', 'bad.csv');
    const written: string[] = [];
    const errors: string[] = [];
    const ok = await writeOutputs(
      [
        { flag: '--csv', path: bad, text: (v: number) => `csv ${v}` },
        { flag: '--json', path: good, text: (v: number) => `json ${v}` },
      ],
      7,
      async () => {},
      (p) => written.push(p),
      (m) => errors.push(m),
    );
    expect(ok).toBe(false);
    expect(written).toEqual([good]);
    expect(readFileSync(good, 'utf8')).toBe('json 7');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^--csv: could not write .*bad\.csv: ENOENT/);
  });

  it("'-' is standard output: accepted, written through the stdout writer, never as a file", async () => {
    expect(outputProblem('--json', '-')).toBeUndefined();
    expect(writesStdout([{ path: join(dir, 'a') }, { path: '-' }])).toBe(true);
    expect(writesStdout([{ path: join(dir, 'a') }])).toBe(false);
    const printed: string[] = [];
    const written: string[] = [];
    const file = join(dir, 'beside.csv');
    const ok = await writeOutputs(
      [
        { flag: '--json', path: '-', text: (v: number) => `json ${v}` },
        { flag: '--csv', path: file, text: (v: number) => `csv ${v}` },
      ],
      3,
      async (text) => {
        printed.push(text);
      },
      (p) => written.push(p),
      () => {},
    );
    expect(ok).toBe(true);
    expect(printed).toEqual(['json 3']);
    expect(written).toEqual([file]);
    expect(existsSync('-')).toBe(false);
  });

  it('a standard output that fails counts as not written, and says so; the file beside it is written', async () => {
    const errors: string[] = [];
    const file = join(dir, 'kept.csv');
    const ok = await writeOutputs(
      [
        { flag: '--json', path: '-', text: (v: number) => `json ${v}` },
        { flag: '--csv', path: file, text: (v: number) => `csv ${v}` },
      ],
      5,
      () => Promise.reject(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })),
      () => {},
      (m) => errors.push(m),
    );
    expect(ok).toBe(false);
    expect(errors).toEqual(['--json: could not write standard output: write EPIPE']);
    expect(readFileSync(file, 'utf8')).toBe('csv 5');
  });

  it.each([
    { name: 'a trailing slash (a folder that does not exist yet)', path: () => join(dir, 'new-folder/') },
    {
      name: 'a link to nowhere',
      path: () => {
        const link = join(dir, 'dangling');
        symlinkSync(join(dir, 'no-such-folder', 'x.json'), link);
        return link;
      },
    },
  ])('refuses $name before the run', ({ path }) => {
    const p = path();
    expect(outputProblem('--json', p)).toMatch(/^--json: .*(names a folder|no-such-folder does not exist)/);
  });

  it('accepts a link to a file not made yet in a folder that exists (the write goes through it)', () => {
    const link = join(dir, 'latest.json');
    symlinkSync(join(dir, 'made-later.json'), link);
    expect(outputProblem('--json', link)).toBeUndefined();
  });

  it("refuses '-' for both files", () => {
    expect(
      outputsProblem([
        { flag: '--json', path: '-' },
        { flag: '--csv', path: '-' },
      ]),
    ).toBe('--json and --csv cannot both write to standard output (-)');
  });

  it('the bench command refuses an unwritable --json before it opens an adapter', () => {
    const missing = join(dir, 'nowhere', 'run.json');
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'bench/main.ts', '--json', missing], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`bench: --json: cannot write ${missing}`);
    expect(result.stdout).not.toContain('Preset');
  }, 60_000); // a fresh Node with tsx takes seconds on a loaded machine
});
