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

/** The powerPreference values openGpu() accepts (besides undefined: the browser's choice). */
export const POWER_PREFERENCES = ['low-power', 'high-performance'] as const;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/** Throws, naming the field and the allowed values, unless options are openGpu() options. */
export function checkOpenGpuOptions(options: unknown): asserts options is OpenGpuOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new Error(`openGpu options: expected an object or undefined, got ${describe(options)}`);
  }
  const { powerPreference, disableFeatures } = options as Record<string, unknown>;
  if (powerPreference !== undefined && !POWER_PREFERENCES.includes(powerPreference as GPUPowerPreference)) {
    throw new Error(
      `openGpu options.powerPreference: expected ${POWER_PREFERENCES.map((p) => `'${p}'`).join(' or ')} ` +
        `or undefined, got ${describe(powerPreference)}`,
    );
  }
  if (disableFeatures === undefined) return;
  const allowed = OPTIONAL_FEATURES.map((f) => `'${f}'`).join(', ');
  if (!Array.isArray(disableFeatures)) {
    throw new Error(
      `openGpu options.disableFeatures: expected an array of feature names (${allowed}), got ${describe(disableFeatures)}`,
    );
  }
  for (const [i, name] of disableFeatures.entries()) {
    if (!OPTIONAL_FEATURES.includes(name)) {
      throw new Error(
        `openGpu options.disableFeatures[${i}]: unknown optional feature ${describe(name)}; expected one of ${allowed}`,
      );
    }
  }
}

/**
 * Opens a WebGPU device with the limits and features attnscope's kernels use. options may be left
 * out (or undefined); anything else that is not valid options (null included) throws before an
 * adapter is requested.
 */
export async function openGpu(options: OpenGpuOptions = {}): Promise<Gpu> {
  checkOpenGpuOptions(options);
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
