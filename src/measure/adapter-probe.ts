// Ceiling probes: a seeded source buffer, one call checked bit for bit against the probe's CPU
// reference (a copy, integer sums, FMA chains are exact), or for finite values where it has none;
// always verified on its own problem. The streaming probes (copy, read) are timed over a rotating
// working set no cache can serve (rotation.ts): set 0 is the seeded source, the others random.

import { compareToReference } from '../reference/compare.ts';
import { seededArray } from '../util/random.ts';
import type { ProbeCase } from './cases.ts';
import { setup } from './context.ts';
import { type FamilyAdapter, kernelCall, lookupEntry, unavailable } from './family.ts';
import { gridNote, probeGrid, rotatingCall, workingSetFor } from './rotation.ts';
import { randomFloats } from './working-set.ts';

export const probeAdapter: FamilyAdapter = {
  async resolve(ctx, job) {
    if (job.what.kind !== 'probe') throw new Error(`${job.id}: not a probe job`);
    const { bytes } = job.what;
    const entry = lookupEntry(ctx.registries, job.kernel, ['probe']);
    const { kernel } = entry;
    const missing = unavailable(ctx, kernel);
    if (missing) return { skipped: missing };
    const streams = entry.roles.includes('streams-memory');
    const { gpu } = ctx;
    // A streaming probe streams on the grid that is fastest at this size (software adapters).
    const workgroups = streams ? await setup(ctx, () => probeGrid(ctx, kernel, bytes)) : undefined;
    const problem = { bytes, workgroups };
    const src = seededArray(bytes / 4, 0xc0b1 ^ bytes);
    const tolerance = entry.tolerance({});
    const self: ProbeCase = { kind: 'probe', bytes };
    const cost = kernel.cost(problem);
    const setupOf = (set: number) => async (own: (b: GPUBuffer) => GPUBuffer) => {
      const data = set === 0 ? src : randomFloats(bytes / 4, 0xc0b1 + set);
      const io = {
        src: own(gpu.upload(`${kernel.name}.src`, data)),
        dst: own(gpu.buffer(`${kernel.name}.dst`, bytes)),
      };
      return { run: await kernel.prepare(gpu, problem, io), output: io.dst };
    };
    return {
      case: self,
      verifyOn: self,
      cost,
      tolerance,
      params: {},
      async prepare(_, label) {
        if (!streams) return kernelCall(ctx, label, setupOf(0));
        const call = await rotatingCall(ctx, label, workingSetFor(gpu, cost.bytes), setupOf);
        return workgroups === undefined
          ? call
          : { ...call, notes: [call.notes, `its ${gridNote(workgroups)}`].filter(Boolean).join('; ') };
      },
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
