#!/usr/bin/env node
// Set-up that `npm start`, `npm test` and `npm run bench` do before anything else, so that each works
// on a fresh clone: install the npm packages (npm ci) when they are missing or stale, and for tests
// make sure a WebGPU adapter exists for Node and for Chromium. On Debian/Ubuntu without a GPU that is
// SwiftShader's Vulkan driver, shipped in the `chromium` package, plus the Vulkan loader `libvulkan1`:
// installed here when running as root, otherwise we stop with the exact command to run.
// `node scripts/setup.mjs --for=X -- command args…` then runs the command with a private
// XDG_RUNTIME_DIR and its standard error filtered of Dawn's known harmless lines (setup-lib.mjs).
// Plain Node, no dependencies: it runs before node_modules exists.

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { aptInstallCommand, createDawnNoiseFilter, createStderrRelay } from './setup-lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const separator = process.argv.indexOf('--');
const ownArgs = separator >= 0 ? process.argv.slice(2, separator) : process.argv.slice(2);
const childCommand = separator >= 0 ? process.argv.slice(separator + 1) : [];
const purpose = (ownArgs.find((a) => a.startsWith('--for=')) ?? '--for=start').slice(6);

function run(command, args) {
  console.log(`[setup] ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0) {
    console.error(`[setup] failed: ${command} ${args.join(' ')} (exit ${result.status})`);
    process.exit(result.status ?? 1);
  }
}

function ensureNpmPackages() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
const SWIFTSHADER_ICD = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
];
const VULKAN_LOADER = [
  '/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
  '/usr/lib/aarch64-linux-gnu/libvulkan.so.1',
  '/usr/lib64/libvulkan.so.1',
];

function ensureBrowserAndSwiftShader() {
  if (process.platform !== 'linux') return;
  const have = (paths) => paths.some((p) => existsSync(p));
  const missing = [];
  if (!have(CHROMIUM) || !have(SWIFTSHADER_ICD)) missing.push('chromium');
  if (!have(VULKAN_LOADER)) missing.push('libvulkan1');
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    console.error(
      `\n[setup] The tests need Chromium (for the page and SwiftShader's Vulkan driver) and the Vulkan loader.\n` +
        `[setup] Missing: ${missing.join(', ')}. Install them, then run npm test again:\n\n    ${aptInstallCommand(missing, isRoot)}\n`,
    );
    process.exit(1);
  }
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', ...missing]);
}

/**
 * Runs the command with a private XDG_RUNTIME_DIR (mode 0700, removed afterwards), its standard error
 * through the filter of Dawn's known harmless lines (a progress bar redrawn in place passes as it
 * is), and exits with its exit code, or 128 + the signal that ended it (named unless it was Ctrl-C).
 * A terminal on standard error is passed on as ATTNSCOPE_STDERR_TTY/COLUMNS (the pipe hides it).
 */
function runFiltered(command) {
  const runtimeDir = mkdtempSync(join(tmpdir(), 'attnscope-xdg-'));
  chmodSync(runtimeDir, 0o700);
  const env = { ...process.env, XDG_RUNTIME_DIR: runtimeDir };
  if (process.stderr.isTTY) {
    env.ATTNSCOPE_STDERR_TTY = '1';
    env.COLUMNS = String(process.stderr.columns ?? 80);
  }
  const child = spawn(command[0], command.slice(1), {
    cwd: root,
    env,
    stdio: ['inherit', 'inherit', 'pipe'],
    shell: process.platform === 'win32',
  });
  const filter = createDawnNoiseFilter();
  const relay = createStderrRelay(filter, (text) => process.stderr.write(text));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => relay.push(chunk));
  const closed = new Promise((done) => child.stderr.once('close', done));
  // Ctrl-C at a terminal reaches the child too (the whole process group), and the bench takes a
  // second interrupt within a second as the same one; a signal sent to this process alone (a
  // supervisor, `kill`) is passed on, so the child cancels and writes what it measured.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    console.error(`[setup] could not run ${command[0]}: ${error.message}`);
    process.exit(127);
  });
  child.on('exit', async (code, signal) => {
    await closed;
    relay.end();
    rmSync(runtimeDir, { recursive: true, force: true });
    if (filter.hidden > 0)
      process.stderr.write(
        `[setup] hid ${filter.hidden} lines Dawn prints while it looks for adapters (XDG_RUNTIME_DIR, Vulkan shaderUniform*ArrayDynamicIndexing): known to be harmless.\n`,
      );
    if (signal && signal !== 'SIGINT') process.stderr.write(`[setup] ${command[0]} was ended by ${signal}\n`);
    process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1));
  });
}

ensureNpmPackages();
if (purpose === 'test') ensureBrowserAndSwiftShader();
if (childCommand.length > 0) runFiltered(childCommand);
