// The page's door to the benchmark harness (src/measure/run.ts), loaded on the first run so that the
// page itself opens fast; the harness loads the peers (TensorFlow.js, gpu.js) only when a run needs them.

import type { Gpu } from '../gpu/gpu.ts';
import type { PresetName, RunConfig } from '../measure/presets.ts';
import type { BenchResult, ResultsFile } from '../results/types.ts';

export interface HarnessProgress {
  done: number;
  total: number;
  step: string;
  etaMs?: number;
  result?: BenchResult;
}

export interface HarnessOptions {
  preset?: PresetName;
  config?: RunConfig;
  signal?: AbortSignal;
  onProgress?: (progress: HarnessProgress) => void;
}

interface HarnessModule {
  runBenchmarks(gpu: Gpu, options: HarnessOptions): Promise<ResultsFile>;
}

const modules = import.meta.glob<HarnessModule>('../measure/run.ts');

/** Runs the benchmarks through the harness (see harness-api: verify, then time, every configuration). */
export async function runBenchmarks(gpu: Gpu, options: HarnessOptions): Promise<ResultsFile> {
  const load = modules['../measure/run.ts'];
  if (!load)
    throw new Error('The benchmark harness is not part of this build (src/measure/run.ts is missing).');
  const harness = await load();
  return harness.runBenchmarks(gpu, options);
}
