// The page's door to the benchmark harness (src/measure/run.ts), loaded on the first run so that the
// page itself opens fast; the harness loads the peers (TensorFlow.js, gpu.js) only when a run needs them.

import type { Gpu } from '../gpu/gpu.ts';
import type { RunOptions } from '../measure/run.ts';
import type { ResultsFile } from '../results/types.ts';

export type { Progress as HarnessProgress, RunOptions as HarnessOptions } from '../measure/run.ts';

/** Runs the benchmarks through the harness: verify, then time, every configuration. */
export async function runBenchmarks(gpu: Gpu, options: RunOptions): Promise<ResultsFile> {
  const harness = await import('../measure/run.ts');
  return harness.runBenchmarks(gpu, { peers: () => import('../peers/index.ts'), ...options });
}
