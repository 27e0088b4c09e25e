// Peer libraries look for `navigator.gpu`, which Node does not have. In Node, attnscope lends them one
// for the moment they need it (construction, device acquisition) and takes it back, so that its own
// openGpu() keeps telling Node from a browser.

import { DAWN_FLAGS } from '../gpu/node-adapter.ts';
import { isNode } from '../gpu/open.ts';

let dawnInstance: GPU | undefined;

/** A Dawn GPU instance for peers in Node (the same flags as openGpu: unquantized timestamps). */
async function nodeGpu(): Promise<GPU> {
  if (!dawnInstance) {
    // A computed specifier keeps bundlers from pulling the native addon into the page.
    const name = 'webgpu';
    const webgpu = (await import(/* @vite-ignore */ name)) as {
      create(flags: string[]): GPU;
      globals: object;
    };
    Object.assign(globalThis, webgpu.globals);
    dawnInstance = webgpu.create(DAWN_FLAGS);
  }
  return dawnInstance;
}

/**
 * Runs fn with `navigator.gpu` present. In a browser nothing changes; in Node a navigator holding a
 * Dawn instance (which finds the same adapter as openGpu) is defined for the call and removed after.
 */
export async function withNavigatorGpu<T>(fn: () => T | Promise<T>): Promise<T> {
  if (typeof navigator !== 'undefined' && (navigator as Navigator & { gpu?: GPU }).gpu) return fn();
  if (!isNode()) return fn();
  const gpu = await nodeGpu();
  const previous = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  Object.defineProperty(globalThis, 'navigator', {
    value: { gpu, userAgent: `Node.js ${process.version}` },
    configurable: true,
    writable: true,
  });
  try {
    return await fn();
  } finally {
    if (previous) Object.defineProperty(globalThis, 'navigator', previous);
    else delete (globalThis as { navigator?: unknown }).navigator;
  }
}
