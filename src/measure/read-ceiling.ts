// The read probe as the ceiling of a bandwidth-bound kernel, timed beside it (decode and the other
// jobs verify.ts pairs, the GEMV benchmark, the decode step): the probe reads the kernel's bytes per
// call (capped at one binding) over as many buffer sets of random words as the kernel rotates over,
// and on a software adapter on a few grids — the one probeGrid() found fastest at this size, and
// two and four times as many workgroups — each sampled in every round beside the kernel. The
// ceiling is the grid with the lowest median under that same load: a CPU adapter hands a grid of
// few workgroups to few threads, and load that stalls one of them slows that grid far more than
// the kernel (one standard run here had the 4-workgroup probe at 2.9× its usual time while sparse
// decode slowed 1.5×, which put the kernel above 100% of its ceiling). The kernel's share is
// (bytes / t) / (probeBytes / tProbe): the median of the per-round ratios against that grid.

import { COPY_WORKGROUPS, STREAM_WORKGROUP_SIZE } from '../kernels/copy.ts';
import { entryWithRole } from '../kernels/registry.ts';
import type { CeilingPair } from '../results/types.ts';
import { type JobContext, setup } from './context.ts';
import type { Runnable } from './family.ts';
import { checkedTiming } from './pairing.ts';
import { fillRandomWords, gridNote, probeGrid, rotatingCall } from './rotation.ts';
import { fastestBaseline, type Measurement, measureBeside, type Sampler } from './sample.ts';
import type { WorkingSetPlan } from './working-set.ts';

type CeilingContext = Pick<JobContext, 'gpu' | 'timer' | 'signal'>;

/** The probe behind readGBps: the registry's read-ceiling probe. */
const readProbe = () => entryWithRole('probe', 'read-ceiling');

/** Multiples of probeGrid()'s pick timed beside a kernel on a software adapter. */
export const BESIDE_GRID_FACTORS = [1, 2, 4] as const;

/**
 * The grids of a read probe of `bytes` timed beside a kernel: on a software adapter (`chosen` is
 * probeGrid()'s pick) chosen × BESIDE_GRID_FACTORS, those the size can use; on hardware the probe's
 * default grid alone (undefined).
 */
export function besideGrids(chosen: number | undefined, bytes: number): (number | undefined)[] {
  if (chosen === undefined) return [undefined];
  const most = Math.ceil(bytes / 16 / STREAM_WORKGROUP_SIZE);
  return [...new Set(BESIDE_GRID_FACTORS.map((f) => Math.min(most, f * chosen)))];
}

/** The bytes a probe call reads for `bytes` asked: rounded up to 16, capped at one binding (`limit`). */
export function ceilingBytes(bytes: number, limit: number): { bytes: number; capped: boolean } {
  const wanted = Math.max(1, Math.ceil(bytes / 16));
  const most = Math.floor(limit / 16);
  return { bytes: 16 * Math.min(wanted, most), capped: wanted > most };
}

/** The read probe prepared to be timed beside a kernel: one rotating call per grid, sharing the sets. */
export interface ReadCeiling {
  /** Bytes each probe call reads: those asked for, rounded up to 16 and capped at one binding. */
  bytes: number;
  /** Whether one binding's limit cut the bytes asked for. */
  capped: boolean;
  sets: number;
  /** probeGrid()'s pick (undefined on hardware). */
  swept: number | undefined;
  grids: { workgroups: number | undefined; call: Runnable }[];
  destroy(): void;
}

/** The read probe over `sets` sets of random words, `bytes` per call, on besideGrids(). */
export async function prepareReadCeiling(
  ctx: CeilingContext,
  label: string,
  bytes: number,
  sets: number,
): Promise<ReadCeiling> {
  const { gpu } = ctx;
  const { bytes: probeBytes, capped } = ceilingBytes(
    bytes,
    Math.min(gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize),
  );
  const swept = await probeGrid(ctx, readProbe().kernel, probeBytes);
  const buffers: GPUBuffer[] = [];
  const grids: ReadCeiling['grids'] = [];
  const destroy = () => {
    for (const grid of grids) grid.call.destroy();
    for (const buffer of buffers) buffer.destroy();
  };
  try {
    // One vec4 of sums per invocation of the largest grid (none past the data: the probe clamps).
    const gridList = besideGrids(swept, probeBytes);
    const most = Math.max(...gridList.map((w) => w ?? COPY_WORKGROUPS.hardware));
    const dst = gpu.buffer(`${label}.read.dst`, Math.min(probeBytes, 16 * STREAM_WORKGROUP_SIZE * most));
    buffers.push(dst);
    const srcs: GPUBuffer[] = [];
    for (let set = 0; set < sets; set++) {
      const src = gpu.buffer(`${label}.read.src${set}`, probeBytes);
      buffers.push(src);
      srcs.push(src);
      fillRandomWords(gpu, src, probeBytes, 0x5eed + set);
    }
    const bytesAll = sets * probeBytes;
    const plan: WorkingSetPlan = {
      sets,
      bytesPerSet: probeBytes,
      bytes: bytesAll,
      target: bytesAll,
      scaledDown: false,
    };
    for (const workgroups of gridList) {
      const problem = { bytes: probeBytes, workgroups };
      const call = await rotatingCall(ctx, `${label} read probe`, plan, (set) => async () => ({
        run: await readProbe().kernel.prepare(gpu, problem, { src: srcs[set], dst }),
        output: dst,
      }));
      grids.push({ workgroups, call });
    }
  } catch (error) {
    destroy();
    throw error;
  }
  return { bytes: probeBytes, capped, sets, swept, grids, destroy };
}

export interface CeilingOutcome {
  /** The kernel's own statistics, from the interleaved samples. */
  measurement: Measurement;
  ceilingPair: CeilingPair;
  note: string;
}

/** Times a kernel (`bytes` per call) interleaved with the read ceiling on each of its grids. */
export async function timeBesideCeiling(
  ctx: CeilingContext,
  label: string,
  kernel: Sampler,
  bytes: number,
  ceiling: ReadCeiling,
  budgetMs: number,
): Promise<CeilingOutcome> {
  // A label per grid: each grid's own recent times pace its waits (gpu/pace.ts).
  const probes = ceiling.grids.map((g) => g.call.sampler(`${label}.read×${g.workgroups ?? 'default'}`));
  const timed = await checkedTiming(ctx, () =>
    measureBeside(kernel, probes, label, { budgetMs, signal: ctx.signal }),
  );
  const best = fastestBaseline(timed);
  const { ratio, measurement: probe } = timed.baselines[best];
  const scale = bytes / ceiling.bytes;
  const ceilingPair: CeilingPair = {
    probe: readProbe().name,
    ratio: scale * ratio.median,
    ci95: [scale * ratio.ci95[0], scale * ratio.ci95[1]],
    workingSetBytes: ceiling.sets * ceiling.bytes,
  };
  const pct = (x: number) => (100 * x).toFixed(1);
  const note =
    `timed interleaved with the read probe over ${ceiling.sets} × ${ceiling.bytes} bytes` +
    (ceiling.capped ? ' (capped at one binding)' : '') +
    ` (${ratio.pairs} pairs, same load): ${pct(ceilingPair.ratio)} % of it ` +
    `(95% CI ${pct(ceilingPair.ci95[0])}–${pct(ceilingPair.ci95[1])} %), ` +
    `the probe's median in the pairs ${probe.latencyMs.median.toPrecision(3)} ms` +
    gridsNote(
      ceiling,
      timed.baselines.map((b) => b.measurement.latencyMs.median),
      best,
    );
  return { measurement: timed.candidate, ceilingPair, note };
}

/** Which grid the ceiling ran on, and the others timed beside it. */
function gridsNote(ceiling: ReadCeiling, medians: readonly number[], best: number): string {
  const { grids, swept } = ceiling;
  const workgroups = grids[best].workgroups;
  if (workgroups === undefined) return '';
  if (grids.length === 1) return `, its ${gridNote(workgroups)}`;
  const each = grids.map((g, i) => `${g.workgroups}: ${medians[i].toPrecision(3)} ms`).join(', ');
  return (
    `, its grid of ${workgroups} workgroups, the fastest in these pairs of ${each} ` +
    `(${swept} was the fastest of the sweep at this size)`
  );
}

/**
 * timeWithCeiling for a job's verified call: the read ceiling of `bytes` per call over `sets` sets
 * prepared (set-up time booked apart), timed beside the call, and freed.
 */
export async function timeWithCeiling(
  ctx: JobContext,
  label: string,
  call: Runnable,
  bytes: number,
  sets: number,
  budgetMs: number,
): Promise<CeilingOutcome> {
  const ceiling = await setup(ctx, () => prepareReadCeiling(ctx, label, bytes, sets));
  try {
    return await timeBesideCeiling(ctx, label, call.sampler(label), bytes, ceiling, budgetMs);
  } finally {
    ceiling.destroy();
  }
}
