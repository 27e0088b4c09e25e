// Errors that end a run rather than one configuration.

import { DeviceLostError } from '../gpu/errors.ts';
import type { Gpu } from '../gpu/gpu.ts';
import { RunCancelledError } from './timing.ts';

/** Cancellation and device loss end the run; any other error ends one configuration. */
export function isFatal(gpu: Gpu, error: unknown): boolean {
  return error instanceof RunCancelledError || error instanceof DeviceLostError || gpu.isLost;
}
