// Describes an adapter in the results schema's terms and tells a software rasteriser from a GPU.

/** Where attnscope runs. */
export type Runtime = 'browser' | 'node';

/** The adapter as the results JSON records it (the results' types re-export it). */
export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isSoftware: boolean;
}

const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|warp|microsoft basic render/i;

/** The adapter's identity as the results JSON records it. */
export function describeAdapter(info: GPUAdapterInfo): AdapterDescription {
  if (typeof info !== 'object' || info === null) {
    throw new Error(
      `describeAdapter: info: expected a GPUAdapterInfo object (adapter.info), got ${info === null ? 'null' : typeof info}`,
    );
  }
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const device = info.device ?? '';
  const description = info.description ?? '';
  const isFallback = (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  const isSoftware = isFallback || SOFTWARE_NAMES.test(`${vendor} ${architecture} ${device} ${description}`);
  return { vendor, architecture, device, description, isSoftware };
}

/** A short human name: "google swiftshader", "nvidia hopper (NVIDIA H200)". */
export function adapterName(a: AdapterDescription): string {
  // Some drivers leave the architecture empty and name the chip in `device` (Dawn on NVIDIA: 'nvidia-h200').
  const main = [a.vendor, a.architecture || a.device].filter(Boolean).join(' ') || 'unknown adapter';
  const extra = a.description || a.device;
  return extra && !main.includes(extra) ? `${main} (${extra})` : main;
}

/** Limits the kernels depend on, for display and for the results JSON. */
export const LIMITS_OF_INTEREST = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const satisfies readonly (keyof GPUSupportedLimits)[];

/** Features some kernels use when present. */
export const OPTIONAL_FEATURES = ['timestamp-query', 'shader-f16', 'subgroups'] as const;
