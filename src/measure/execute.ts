// Running one configuration: the entry points the run, autotune and scripts use. The algorithm is in
// verify.ts (verify, then time), the per-family work in the adapters (family.ts, adapter-*.ts),
// pairing in pairing.ts and result assembly in result.ts.

export { type JobContext, setup } from './context.ts';
export { isFatal } from './fatal.ts';
export { comparePair } from './pairing.ts';
export { failedResult } from './result.ts';
export { type JobOutcome, runJob } from './verify.ts';
