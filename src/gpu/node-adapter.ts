// Finds a WebGPU adapter in Node through Dawn (the `webgpu` package): the system's Vulkan driver
// first, then SwiftShader's Vulkan driver as shipped by Chromium packages, else a clear error.

import { NoAdapterError } from './errors.ts';

/** Where Linux Chromium/Chrome packages put SwiftShader's Vulkan ICD manifest. */
export const SWIFTSHADER_ICDS = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
  '/usr/lib64/chromium-browser/vk_swiftshader_icd.json',
  '/opt/google/chrome/vk_swiftshader_icd.json',
  '/snap/chromium/current/usr/lib/chromium-browser/vk_swiftshader_icd.json',
];

/** Dawn toggles: GPU timestamps at full resolution (Dawn rounds them by default). */
export const DAWN_FLAGS = ['disable-dawn-features=timestamp_quantization'];

export const INSTALL_HINT =
  'No WebGPU adapter found. attnscope needs a GPU with a Vulkan driver, or the SwiftShader software ' +
  'driver: on Debian/Ubuntu run `sudo apt-get install -y chromium libvulkan1` ' +
  '(or set VK_ICD_FILENAMES to a vk_swiftshader_icd.json).';

type WebgpuModule = { create(flags: string[]): GPU; globals: object };

export interface NodeAdapter {
  gpu: GPU;
  adapter: GPUAdapter;
  /** The SwiftShader ICD used when no hardware adapter was found. */
  swiftshaderIcd?: string;
  timestampQuantized: boolean;
}

let loaded: Promise<WebgpuModule> | undefined;

/**
 * Dawn prints "XDG_RUNTIME_DIR is invalid or not set" (twice per instance) when the variable is
 * missing or names no directory; it needs none for compute. A private, empty one (mode 0700, under
 * the system's temporary folder) keeps that harmless line out of every Node run.
 */
async function ensureRuntimeDir(): Promise<void> {
  const fsName = 'node:fs';
  const osName = 'node:os';
  const pathName = 'node:path';
  const fs: typeof import('node:fs') = await import(/* @vite-ignore */ fsName);
  const current = process.env.XDG_RUNTIME_DIR;
  if (current && fs.existsSync(current) && fs.statSync(current).isDirectory()) return;
  const os: typeof import('node:os') = await import(/* @vite-ignore */ osName);
  const path: typeof import('node:path') = await import(/* @vite-ignore */ pathName);
  try {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attnscope-xdg-'));
    fs.chmodSync(dir, 0o700);
    process.env.XDG_RUNTIME_DIR = dir;
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  } catch {
    // No writable temporary folder: Dawn prints its line, and works all the same.
  }
}

function loadWebgpu(): Promise<WebgpuModule> {
  // A computed specifier keeps bundlers from pulling the native addon into the page.
  const name = 'webgpu';
  loaded ??= ensureRuntimeDir()
    .then(() => import(/* @vite-ignore */ name))
    .then((m: WebgpuModule) => {
      Object.assign(globalThis, m.globals);
      return m;
    });
  return loaded;
}

async function fileExists(path: string): Promise<boolean> {
  const fsName = 'node:fs';
  const fs: typeof import('node:fs') = await import(/* @vite-ignore */ fsName);
  return fs.existsSync(path);
}

/** Requests an adapter from Dawn, falling back to SwiftShader; throws NoAdapterError with an install hint. */
export async function requestNodeAdapter(options: GPURequestAdapterOptions): Promise<NodeAdapter> {
  const webgpu = await loadWebgpu();
  const first = webgpu.create(DAWN_FLAGS);
  const adapter = await first.requestAdapter(options);
  if (adapter) return { gpu: first, adapter, timestampQuantized: false };
  if (process.env.VK_ICD_FILENAMES) {
    throw new NoAdapterError(`${INSTALL_HINT} (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES} gave none)`);
  }
  for (const icd of SWIFTSHADER_ICDS) {
    if (!(await fileExists(icd))) continue;
    // Dawn reads the variable when an instance is created, so a second instance picks it up.
    process.env.VK_ICD_FILENAMES = icd;
    const gpu = webgpu.create(DAWN_FLAGS);
    const soft = await gpu.requestAdapter(options);
    if (soft) return { gpu, adapter: soft, swiftshaderIcd: icd, timestampQuantized: false };
    delete process.env.VK_ICD_FILENAMES;
  }
  const vulkanMissing = !(await anyExists([
    '/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
    '/usr/lib64/libvulkan.so.1',
  ]));
  throw new NoAdapterError(
    vulkanMissing ? `${INSTALL_HINT} The Vulkan loader (libvulkan1) is missing.` : INSTALL_HINT,
  );
}

async function anyExists(paths: string[]): Promise<boolean> {
  for (const p of paths) if (await fileExists(p)) return true;
  return false;
}
