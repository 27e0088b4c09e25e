// openGpu(): the one way attnscope gets a device, in the browser (navigator.gpu) or in Node (Dawn).

import { describeAdapter, LIMITS_OF_INTEREST, OPTIONAL_FEATURES } from './adapter-info.ts';
import { NoAdapterError } from './errors.ts';
import { Gpu } from './gpu.ts';

export interface OpenGpuOptions {
  powerPreference?: GPUPowerPreference;
  /** Leave out optional features (to test the plain paths). */
  disableFeatures?: GPUFeatureName[];
}

export const BROWSER_HINT =
  'This browser does not expose WebGPU (navigator.gpu is missing). Use Chrome or Edge 113+ ' +
  '(on Linux start it with --enable-unsafe-webgpu --enable-features=Vulkan, or enable ' +
  'chrome://flags/#enable-unsafe-webgpu), Safari 26+, or Firefox 141+ (Windows; elsewhere set ' +
  'dom.webgpu.enabled in about:config). The page must be served over https or from localhost.';

/** Whether this runs in Node (else a browser). */
export function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** Opens a WebGPU device with the limits and features attnscope's kernels use. */
export async function openGpu(options: OpenGpuOptions = {}): Promise<Gpu> {
  const request: GPURequestAdapterOptions = { powerPreference: options.powerPreference };
  let adapter: GPUAdapter;
  let instance: GPU | undefined;
  let runtime: 'browser' | 'node';
  let timestampQuantized: boolean;
  if (typeof navigator !== 'undefined' && navigator.gpu) {
    const found = await navigator.gpu.requestAdapter(request);
    if (!found) throw new NoAdapterError('WebGPU is present but no adapter was offered (blocklisted GPU?).');
    adapter = found;
    runtime = 'browser';
    // Chrome rounds timestamps to 100 µs unless started with --enable-webgpu-developer-features.
    timestampQuantized = true;
  } else if (isNode()) {
    const { requestNodeAdapter } = await import('./node-adapter.ts');
    const found = await requestNodeAdapter(request);
    adapter = found.adapter;
    runtime = 'node';
    timestampQuantized = found.timestampQuantized;
    instance = found.gpu;
  } else {
    throw new NoAdapterError(BROWSER_HINT);
  }

  const disabled = new Set<string>(options.disableFeatures ?? []);
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f) && !disabled.has(f));
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMITS_OF_INTEREST) requiredLimits[name] = adapter.limits[name];
  const device = await adapter.requestDevice({
    label: 'attnscope',
    requiredFeatures: requiredFeatures as GPUFeatureName[],
    requiredLimits,
  });
  return new Gpu({ device, adapter: describeAdapter(adapter.info), runtime, timestampQuantized, instance });
}
