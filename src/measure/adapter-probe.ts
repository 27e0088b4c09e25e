// Ceiling probes: a seeded source buffer, one call checked bit for bit against the probe's CPU
// reference (a copy, integer sums, FMA chains are exact), or for finite values where it has none;
// always verified on its own problem.

import { compareToReference } from '../reference/compare.ts';
import { seededArray } from '../util/random.ts';
import type { ProbeCase } from './cases.ts';
import { type FamilyAdapter, kernelCall, lookupEntry, unavailable } from './family.ts';

export const probeAdapter: FamilyAdapter = {
  async resolve(ctx, job) {
    if (job.what.kind !== 'probe') throw new Error(`${job.id}: not a probe job`);
    const { bytes } = job.what;
    const entry = lookupEntry(ctx.registries, job.kernel, ['probe']);
    const { kernel } = entry;
    const missing = unavailable(ctx, kernel);
    if (missing) return { skipped: missing };
    const problem = { bytes };
    const src = seededArray(bytes / 4, 0xc0b1 ^ bytes);
    const tolerance = entry.tolerance({});
    const self: ProbeCase = { kind: 'probe', bytes };
    const { gpu } = ctx;
    return {
      case: self,
      verifyOn: self,
      cost: kernel.cost(problem),
      tolerance,
      params: {},
      prepare: (_, label) =>
        kernelCall(ctx, label, async (own) => {
          const io = {
            src: own(gpu.upload(`${kernel.name}.src`, src)),
            dst: own(gpu.buffer(`${kernel.name}.dst`, bytes)),
          };
          return { run: await kernel.prepare(gpu, problem, io), output: io.dst };
        }),
      async check(_, output) {
        if (kernel.reference) {
          const reference = kernel.reference(src, problem, gpu.adapter);
          return { comparison: compareToReference(output, reference, tolerance) };
        }
        const bad = output.findIndex((x) => !Number.isFinite(x));
        return {
          comparison: {
            maxAbsErr: 0,
            maxRelErr: 0,
            ok: bad < 0,
            firstBad: bad,
            failure: bad < 0 ? undefined : `non-finite output at ${bad}`,
          },
          notes: [`${kernel.name} has no CPU reference: its output was checked for finite values only`],
        };
      },
    };
  },
};
