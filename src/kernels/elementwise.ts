// The grid of an element-wise pass: one invocation per element, workgroups along x, folded into y
// past maxComputeWorkgroupsPerDimension (the shaders index g = gid.x + gid.y · groups.x · WG).

import type { Gpu } from '../gpu/gpu.ts';
import { checkDispatch } from './limits.ts';

/** Workgroups (x, y) covering `elements` invocations of `workgroupSize`. */
export function elementGrid(
  gpu: Gpu,
  what: string,
  elements: number,
  workgroupSize: number,
): [number, number] {
  const workgroups = Math.max(1, Math.ceil(elements / workgroupSize));
  const x = Math.min(workgroups, gpu.limits.maxComputeWorkgroupsPerDimension);
  const grid: [number, number] = [x, Math.ceil(workgroups / x)];
  checkDispatch(gpu, what, grid);
  return grid;
}
