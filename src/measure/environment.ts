// The `environment` block of a results file: where a run was measured. Small and free of the
// harness's dependencies, so the page can describe a run before the harness has loaded.

import { LIMITS_OF_INTEREST } from '../gpu/adapter-info.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { Environment, TimingInfo } from '../results/types.ts';

function userAgent(): string {
  if (typeof navigator !== 'undefined' && typeof navigator.userAgent === 'string') return navigator.userAgent;
  if (typeof process !== 'undefined' && process.versions?.node) {
    return `Node.js ${process.version} (${process.platform} ${process.arch})`;
  }
  return 'unknown';
}

/** The adapter, features, limits and timer of a run on this Gpu. */
export function describeEnvironment(gpu: Gpu, timing: TimingInfo): Environment {
  const limits: Record<string, number> = {};
  for (const name of LIMITS_OF_INTEREST) limits[name] = Number(gpu.limits[name]);
  return {
    runtime: gpu.runtime,
    userAgent: userAgent().slice(0, 400),
    adapter: { ...gpu.adapter },
    features: [...gpu.features].sort(),
    limits,
    timing,
  };
}
