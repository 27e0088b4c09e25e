// The package as another project gets it: `npm pack` (prepack compiles lib/), the tarball installed with
// `npm install --prefer-offline --omit=optional` into a temporary project outside the repo (its
// dependencies come from the npm cache that the clone's own install filled; only what is missing there
// is fetched, and only from the npm registry; the peer libraries, optional dependencies of some 300 MB
// that attention() and matmul() never load, are left out to keep this fast), then, in plain Node with
// no tsx, attention() and matmul() on the adapter against the f64 reference, and the `attnscope` bin.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attentionReference } from '../../src/reference/attention.ts';
import { compareToReference } from '../../src/reference/compare.ts';
import { type Activation, matmulReference } from '../../src/reference/matmul.ts';
import { seededArray } from '../../src/util/random.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TOL = { atol: 1e-5, rtol: 1e-4 };

/** The environment of a user's shell: no npm script variables (they would steer the inner npm at this
 * repo) and no loader options (the consumer must run in plain Node). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) && key.toLowerCase() !== 'npm_config_cache') continue;
    if (key === 'NODE_OPTIONS' || key.startsWith('VITEST') || key === 'TSX') continue;
    env[key] = value;
  }
  return env;
}

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, env: cleanEnv(), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function mustRun(command: string, args: string[], cwd: string): string {
  const r = run(command, args, cwd);
  if (r.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`.slice(-6000));
  }
  return r.stdout;
}

/** Every shader a module loads by `new URL('../../shaders/x.wgsl', import.meta.url)`. */
function shadersLoadedBySource(): string[] {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        // Code lines only: a comment may show the pattern with a made-up name.
        const code = readFileSync(path, 'utf8')
          .split('\n')
          .filter((line) => !line.trimStart().startsWith('//'));
        for (const line of code) {
          for (const m of line.matchAll(/new URL\('\.\.\/\.\.\/shaders\/([\w-]+\.wgsl)'/g)) found.add(m[1]);
        }
      }
    }
  };
  walk(join(root, 'src'));
  return [...found].sort();
}

interface PackInfo {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

type Case =
  | {
      name: string;
      op: 'attention';
      kernel: string;
      shape: { heads: number; seqQ: number; seqK: number; headDim: number; causal: boolean };
      inputs: { q: number[]; k: number[]; v: number[] };
    }
  | {
      name: string;
      op: 'matmul';
      kernel: string;
      shape: { m: number; k: number; n: number; activation: Activation };
      inputs: { a: number[]; b: number[]; bias?: number[] };
    };

function attentionCase(
  kernel: string,
  heads: number,
  seqQ: number,
  seqK: number,
  headDim: number,
  causal: boolean,
  seed: number,
): Case {
  return {
    name: `attention ${kernel} ${heads}×${seqQ}×${seqK}×${headDim}${causal ? ' causal' : ''}`,
    op: 'attention',
    kernel,
    shape: { heads, seqQ, seqK, headDim, causal },
    inputs: {
      q: Array.from(seededArray(heads * seqQ * headDim, seed)),
      k: Array.from(seededArray(heads * seqK * headDim, seed + 1)),
      v: Array.from(seededArray(heads * seqK * headDim, seed + 2)),
    },
  };
}

function matmulCase(kernel: string, m: number, k: number, n: number, epilogue: boolean, seed: number): Case {
  return {
    name: `matmul ${kernel} ${m}×${k}×${n}${epilogue ? ' bias+gelu' : ''}`,
    op: 'matmul',
    kernel,
    shape: { m, k, n, activation: epilogue ? 'gelu' : 'none' },
    inputs: {
      a: Array.from(seededArray(m * k, seed)),
      b: Array.from(seededArray(k * n, seed + 1)),
      bias: epilogue ? Array.from(seededArray(n, seed + 2)) : undefined,
    },
  };
}

const CASES: Case[] = [
  attentionCase('auto', 2, 9, 13, 16, false, 11),
  attentionCase('flash', 1, 17, 17, 8, true, 21),
  attentionCase('decode', 3, 1, 29, 16, false, 31),
  matmulCase('auto', 7, 13, 5, false, 41),
  matmulCase('tiled', 19, 33, 10, true, 51),
];

function reference(c: Case): Float64Array {
  const f32 = (xs: number[]) => Float32Array.from(xs);
  if (c.op === 'attention') {
    const { q, k, v } = c.inputs;
    return attentionReference(f32(q), f32(k), f32(v), { ...c.shape, scale: 1 / Math.sqrt(c.shape.headDim) });
  }
  const { a, b, bias } = c.inputs;
  return matmulReference(f32(a), f32(b), { ...c.shape, bias: bias ? f32(bias) : undefined });
}

describe('the packed package, installed into another project', () => {
  let work = '';
  let project = '';
  let pack: PackInfo;
  let ran: { adapter: string; tsx: string; outputs: Record<string, number[]> };

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'attnscope-install-'));
    const packed = mustRun('npm', ['pack', '--json', '--pack-destination', work], root);
    // prepack's own lines come first; npm's JSON report is the array at the end.
    pack = (JSON.parse(packed.slice(packed.search(/^\[\s*\{/m))) as PackInfo[])[0];
    console.log(
      `packed ${pack.filename}: ${(pack.size / 1024).toFixed(1)} KiB, ` +
        `${(pack.unpackedSize / 1024).toFixed(1)} KiB unpacked, ${pack.files.length} files`,
    );
    project = join(work, 'consumer');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }),
    );
    const started = performance.now();
    mustRun(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--omit=optional',
        '--no-audit',
        '--no-fund',
        join(work, pack.filename),
      ],
      project,
    );
    console.log(`npm install of the tarball: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    writeFileSync(join(project, 'consumer.mjs'), readFileSync(join(root, 'test/install/consumer.mjs')));
    writeFileSync(join(project, 'cases.json'), JSON.stringify(CASES));
    mustRun(process.execPath, ['consumer.mjs', 'cases.json', 'outputs.json'], project);
    ran = JSON.parse(readFileSync(join(project, 'outputs.json'), 'utf8'));
    console.log(`consumer ran on ${ran.adapter}`);
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships compiled JavaScript, .d.ts and every shader the kernels load, not sources or the page', () => {
    const paths = pack.files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'lib/src/index.js',
        'lib/src/index.d.ts',
        'lib/bench/cli.js',
        'lib/bench/main.js',
      ]),
    );
    const shaders = shadersLoadedBySource();
    expect(shaders.length).toBeGreaterThan(5);
    for (const shader of shaders) expect(paths).toContain(`lib/shaders/${shader}`);
    expect(paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);
    expect(paths.filter((p) => /^(dist|src|test|public|lib\/src\/ui)\//.test(p))).toEqual([]);
    // ONNX Runtime Web's .wasm (26.8 MB the page serves) stays in its own optional package, where its
    // module loads it from in Node: the tarball stays small (290.9 kB packed at 0.1.0).
    expect(paths.filter((p) => p.endsWith('.wasm'))).toEqual([]);
    expect(pack.size).toBeLessThan(1_000_000);
    const manifest = JSON.parse(
      readFileSync(join(project, 'node_modules', 'attnscope', 'package.json'), 'utf8'),
    );
    expect(manifest.private).toBeUndefined();
    expect(manifest.bin).toEqual({ attnscope: 'lib/bench/cli.js' });
    // The installed copy resolves its shaders where the kernels look for them.
    const installed = join(project, 'node_modules', 'attnscope');
    expect(relative(installed, join(installed, 'lib/src/kernels', '../../shaders'))).toBe('lib/shaders');
  });

  it('ran in plain Node, with no loader, on a WebGPU adapter', () => {
    expect(ran.tsx).not.toMatch(/tsx|loader|import/);
    expect(ran.adapter.length).toBeGreaterThan(0);
    expect(Object.keys(ran.outputs).sort()).toEqual(CASES.map((c) => c.name).sort());
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s matches the f64 reference', (_, c) => {
    const result = compareToReference(ran.outputs[c.name], reference(c), TOL);
    expect(result.failure).toBeUndefined();
    expect(result.ok).toBe(true);
  });

  it('control: an output compared with another problem’s reference fails', () => {
    const [a, b] = CASES;
    const wrong = compareToReference(ran.outputs[b.name], reference(a), TOL);
    expect(wrong.ok).toBe(false);
    const shifted = ran.outputs[a.name].map((x, i) => (i === 3 ? x + 1e-2 : x));
    expect(compareToReference(shifted, reference(a), TOL).ok).toBe(false);
  });

  it('installs the `attnscope` bin, which runs in plain Node', () => {
    const bin = join(project, 'node_modules', '.bin', 'attnscope');
    const top = run(bin, ['--help'], project);
    expect(top.status).toBe(0);
    expect(top.stdout).toContain('usage: attnscope bench');
    const help = run(bin, ['bench', '--help'], project);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--preset quick|standard|full');
    const bad = run(bin, ['bench', '--preset', 'huge'], project);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--preset: unknown value 'huge'");
    const none = run(bin, [], project);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('attnscope: a command is needed');
    expect(none.stdout).toBe('');
    const unknown = run(bin, ['benchmark'], project);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'benchmark'");
  });
});
