#!/usr/bin/env node
// Set-up that `npm start`, `npm test` and `npm run bench` do before anything else, so that each works
// on a fresh clone: install the npm packages (npm ci) when they are missing or stale, and for tests
// make sure a WebGPU adapter exists for Node and for Chromium. On Debian/Ubuntu without a GPU that is
// SwiftShader's Vulkan driver, shipped in the `chromium` package, plus the Vulkan loader `libvulkan1`:
// installed here when running as root, otherwise we stop with the exact command to run.
// Plain Node, no dependencies: it runs before node_modules exists.

import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const purpose = (process.argv.find((a) => a.startsWith('--for=')) ?? '--for=start').slice(6);

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
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    console.error(
      `\n[setup] The tests need Chromium (for the page and SwiftShader's Vulkan driver) and the Vulkan loader.\n` +
        `[setup] Missing: ${missing.join(', ')}. Install them, then run npm test again:\n\n    sudo ${command}\n`,
    );
    process.exit(1);
  }
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', ...missing]);
}

ensureNpmPackages();
if (purpose === 'test') ensureBrowserAndSwiftShader();
