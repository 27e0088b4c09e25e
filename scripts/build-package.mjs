#!/usr/bin/env node
// Builds what `npm pack` ships (run by `prepack`): tsc compiles src/ (less the page, src/ui) and bench/
// to ESM JavaScript + .d.ts under lib/ (tsconfig.package.json), and the WGSL shaders are copied to
// lib/shaders/, so that a compiled kernel's `new URL('../../shaders/x.wgsl', import.meta.url)`
// (lib/src/kernels/x.js) finds its shader as it does in the clone (src/kernels/x.ts → shaders/).
// Plain Node, no dependencies beyond TypeScript.

import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lib = join(root, 'lib');

rmSync(lib, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.package.json')], {
  cwd: root,
  stdio: 'inherit',
});
if (compiled.status !== 0) {
  console.error(`build-package: tsc failed (exit ${compiled.status})`);
  process.exit(compiled.status ?? 1);
}
cpSync(join(root, 'shaders'), join(lib, 'shaders'), {
  recursive: true,
  filter: (src) => src.endsWith('.wgsl') || statSync(src).isDirectory(),
});
chmodSync(join(lib, 'bench', 'cli.js'), 0o755);
const shaders = readdirSync(join(lib, 'shaders')).length;
console.log(`build-package: lib/: compiled src/ and bench/, ${shaders} shaders`);
