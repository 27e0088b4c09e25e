// Calls timed over a working set no cache can serve (working-set.ts says why and how big), and their
// ceiling measured beside them: the bandwidth-bound jobs (the streaming probes, decode) prepare one
// call per buffer set and rotate among them per timed call (set 0 holds the job's own seeded data,
// so verification reads it; the others random values); the read probe timed beside them streams the
// same bytes per call over as many sets of its own (read-ceiling.ts), on the grid probeGrid() picks.

import type { Gpu } from '../gpu/gpu.ts';
import { STREAM_WORKGROUP_SIZE } from '../kernels/copy.ts';
import { type CallSetup, type Own, type PreparedCall, prepareCall, runOnce } from '../kernels/launch.ts';
import type { ProbeKernel } from '../kernels/types.ts';
import { xorshift32 } from '../util/random.ts';
import type { JobContext } from './context.ts';
import type { Runnable } from './family.ts';
import { kernelSampler } from './sample.ts';
import { planWorkingSet, rotatingRun, type WorkingSetPlan, workingSetNote } from './working-set.ts';

/** What all the buffer sets of one timed call may take (the probe beside it takes as much again). */
export const WORKING_SET_MEMORY = 1024 * 1024 * 1024;

/** The working set of a job streaming bytesPerSet per call on this device. */
export function workingSetFor(gpu: Gpu, bytesPerSet: number): WorkingSetPlan {
  const memory = Math.min(WORKING_SET_MEMORY, 4 * gpu.limits.maxBufferSize);
  return planWorkingSet(Math.max(16, bytesPerSet), gpu.adapter.isSoftware, memory);
}

/**
 * One Runnable over plan.sets prepared calls (setupOf(set) allocates set `set`'s buffers): each
 * timed call runs the next set; output() runs set 0 (the job's own data) for verification. Its
 * params and notes record the working set.
 */
export async function rotatingCall(
  ctx: Pick<JobContext, 'gpu' | 'timer'>,
  label: string,
  plan: WorkingSetPlan,
  setupOf: (set: number) => (own: Own) => Promise<CallSetup>,
): Promise<Runnable> {
  const calls: PreparedCall[] = [];
  const destroy = () => {
    for (const call of calls) call.destroy();
  };
  try {
    for (let set = 0; set < plan.sets; set++) {
      calls.push(await prepareCall(ctx.gpu, plan.sets > 1 ? `${label} (set ${set})` : label, setupOf(set)));
    }
  } catch (error) {
    destroy();
    throw error;
  }
  const run = rotatingRun(calls.map((c) => c.run));
  return {
    output: () => runOnce(ctx.gpu, `${label}: verification run`, calls[0]),
    sampler: (name) => kernelSampler(ctx.timer, name, (pass) => run.encode(pass)),
    params: { workingSetBytes: plan.bytes },
    notes: workingSetNote(plan, ctx.gpu.adapter.isSoftware),
    destroy,
  };
}

/**
 * Workgroup counts a stream probe tries on a software adapter. A CPU adapter pays per workgroup and
 * per invocation, and hands workgroups to as many threads as the CPU has, so its best grid depends
 * on the bytes per call and on the machine (SwiftShader, 2 threads: reading 1.2 MiB, 32 workgroups
 * ran at 70 % of the rate of 2; reading 8 MiB, at 90 % of the rate of 4).
 */
export const SOFTWARE_PROBE_GRIDS = [2, 4, 8, 16, 32, 64] as const;

/** Rounds of the grid sweep: each candidate's best round decides (load spikes only slow a round). */
const GRID_ROUNDS = 3;

/**
 * The grid (`workgroups` of its problem) a streaming probe (copy, read) streams `bytes` per call
 * on: on a software adapter the fastest of SOFTWARE_PROBE_GRIDS (those the size can use) over one
 * buffer of random words, timed in three interleaved rounds, so that the ceiling is the probe at its
 * best at this size rather than on a grid that suits another (swept once per device, probe and
 * size); on hardware undefined (the probe's default grid fills any GPU).
 */
export async function probeGrid(
  ctx: Pick<JobContext, 'gpu' | 'timer' | 'signal'>,
  probe: ProbeKernel,
  bytes: number,
): Promise<number | undefined> {
  const { gpu } = ctx;
  if (!gpu.adapter.isSoftware) return undefined;
  // Several results of a run stream the same bytes (decode and flash at one decode shape): one
  // sweep per device, probe and size.
  const chosen = CHOSEN_GRIDS.get(gpu) ?? new Map<string, number>();
  CHOSEN_GRIDS.set(gpu, chosen);
  const key = `${probe.name} ${bytes}`;
  const known = chosen.get(key);
  if (known !== undefined) return known;
  const workgroups = await sweepGrid(ctx, probe, bytes);
  if (workgroups !== undefined) chosen.set(key, workgroups);
  return workgroups;
}

/** The grids probeGrid() chose, per device and `probe bytes`. */
const CHOSEN_GRIDS = new WeakMap<Gpu, Map<string, number>>();

/** probeGrid()'s sweep on a software adapter: the fastest candidate, undefined if none was timed. */
async function sweepGrid(
  ctx: Pick<JobContext, 'gpu' | 'timer' | 'signal'>,
  probe: ProbeKernel,
  bytes: number,
): Promise<number | undefined> {
  const { gpu } = ctx;
  const label = `${probe.name} grid sweep`;
  const src = gpu.buffer(`${label}.src`, bytes);
  const dst = gpu.buffer(`${label}.dst`, bytes);
  const runs = [];
  try {
    fillRandomWords(gpu, src, bytes, 0x9e1d);
    // More workgroups than 256-invocation groups of vec4 would idle (the probe clamps them).
    const most = Math.ceil(bytes / 16 / STREAM_WORKGROUP_SIZE);
    for (const workgroups of new Set(SOFTWARE_PROBE_GRIDS.map((w) => Math.min(w, most)))) {
      runs.push({
        workgroups,
        run: await probe.prepare(gpu, { bytes, workgroups }, { src, dst }),
        best: Infinity,
      });
    }
    // About 2 ms of streaming per sample at 1 GB/s, at least one call.
    const calls = Math.max(1, Math.min(8, Math.round(2e6 / bytes)));
    for (let round = 0; round < GRID_ROUNDS; round++) {
      for (const candidate of runs) {
        // The candidates share one pipeline (only the grid differs): the first sample pays for its
        // set-up, and the best of the rounds leaves that out.
        const encode = (pass: GPUComputePassEncoder) => candidate.run.encode(pass);
        const ms = await ctx.timer.time(label, encode, { calls, callsPerSubmit: calls }, ctx.signal);
        if (ms !== undefined) candidate.best = Math.min(candidate.best, ms);
      }
    }
  } finally {
    for (const { run } of runs) run.destroy();
    src.destroy();
    dst.destroy();
  }
  const fastest = runs.reduce((a, b) => (b.best < a.best ? b : a));
  return Number.isFinite(fastest.best) ? fastest.workgroups : undefined;
}

/** How a result says which grid probeGrid() chose. */
export function gridNote(workgroups: number): string {
  return `grid of ${workgroups} workgroups (the fastest of ${SOFTWARE_PROBE_GRIDS.join('/')} at this size)`;
}

/** Random u32 words (never a run of zeros) written in chunks. */
export function fillRandomWords(gpu: Gpu, buffer: GPUBuffer, bytes: number, seed: number): void {
  const chunk = 16 * 1024 * 1024;
  let s = seed >>> 0 || 1;
  for (let offset = 0; offset < bytes; offset += chunk) {
    const words = new Uint32Array(Math.min(chunk, bytes - offset) / 4);
    for (let i = 0; i < words.length; i++) {
      s = xorshift32(s);
      words[i] = s;
    }
    gpu.device.queue.writeBuffer(buffer, offset, words);
  }
}
