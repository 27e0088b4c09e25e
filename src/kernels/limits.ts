// Checks of a planned dispatch against the device limits, with messages that name the limit.

import type { Gpu } from '../gpu/gpu.ts';

/** Throws unless a buffer of byteLength fits in one storage binding and one buffer. */
export function checkBinding(gpu: Gpu, what: string, byteLength: number): void {
  const { maxStorageBufferBindingSize, maxBufferSize } = gpu.limits;
  const limit = Math.min(maxStorageBufferBindingSize, maxBufferSize);
  if (byteLength > limit) {
    throw new Error(
      `${what}: needs ${formatBytes(byteLength)} in one buffer, over this device's ` +
        `maxStorageBufferBindingSize/maxBufferSize of ${formatBytes(limit)}`,
    );
  }
}

/** Throws unless every dimension of a dispatch fits maxComputeWorkgroupsPerDimension. */
export function checkDispatch(gpu: Gpu, what: string, counts: readonly number[]): void {
  const limit = gpu.limits.maxComputeWorkgroupsPerDimension;
  counts.forEach((count, axis) => {
    if (count > limit) {
      throw new Error(
        `${what}: ${count} workgroups along ${'xyz'[axis]}, over this device's maxComputeWorkgroupsPerDimension of ${limit}`,
      );
    }
  });
}

/** Throws unless a workgroup's shared memory fits maxComputeWorkgroupStorageSize. */
export function checkWorkgroupMemory(gpu: Gpu, what: string, byteLength: number): void {
  const limit = gpu.limits.maxComputeWorkgroupStorageSize;
  if (byteLength > limit) {
    throw new Error(
      `${what}: tiles need ${byteLength} bytes of workgroup memory, over this device's maxComputeWorkgroupStorageSize of ${limit}`,
    );
  }
}

/** Throws unless a workgroup size fits maxComputeInvocationsPerWorkgroup. */
export function checkInvocations(gpu: Gpu, what: string, invocations: number): void {
  const limit = gpu.limits.maxComputeInvocationsPerWorkgroup;
  if (invocations > limit) {
    throw new Error(
      `${what}: ${invocations} invocations per workgroup, over this device's maxComputeInvocationsPerWorkgroup of ${limit}`,
    );
  }
}

/** "12.0 MiB" */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
