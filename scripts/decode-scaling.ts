// How decode's time follows the keys it visits, on this adapter. The benchmark's sparse decode
// (random key blocks kept) is set beside: the dense problem; the sparse kernel keeping every block
// (its own cost per key); the dense kernel over only density·seqK keys (how the kernel itself
// scales with length); and the sparse kernel keeping the first blocks (kept blocks contiguous).
// If sparse time tracks the shorter dense problem, the shortfall of "time saved ÷ bytes saved" is
// the kernel's scaling with length on this adapter, not the sparsity. Each case streams the
// benchmark's working set (buffer sets rotated per call) and is checked against the f64 reference
// first; rounds interleave the cases (in a fresh order each round) so that all see the same load.
// Usage:
//   npx tsx scripts/decode-scaling.ts [--kv 8192] [--heads 2] [--head-dim 64] [--density 0.6]
//                                    [--block 16] [--rounds 21]

import { pathToFileURL } from 'node:url';
import { adapterName } from '../src/gpu/adapter-info.ts';
import { openGpu } from '../src/gpu/open.ts';
import { BlockMask } from '../src/kernels/block-mask.ts';
import { decode } from '../src/kernels/decode.ts';
import { attentionBuffers } from '../src/kernels/launch.ts';
import { entriesOf } from '../src/kernels/registry.ts';
import type { AttentionProblem } from '../src/kernels/types.ts';
import { type AttentionCase, attentionData, buildMask, toleranceFor } from '../src/measure/cases.ts';
import type { JobContext } from '../src/measure/context.ts';
import type { Runnable } from '../src/measure/family.ts';
import { rotatingCall, workingSetFor } from '../src/measure/rotation.ts';
import { summarize } from '../src/measure/stats.ts';
import { createTimer, type Timer } from '../src/measure/timing.ts';
import { randomFloats, workingSetNote } from '../src/measure/working-set.ts';
import { attentionReference } from '../src/reference/attention.ts';
import { compareToReference } from '../src/reference/compare.ts';
import { mulberry32 } from '../src/util/random.ts';
import { runScript } from './run-script.ts';

interface Options {
  kv: number;
  heads: number;
  headDim: number;
  density: number;
  block: number;
  rounds: number;
}

const USAGE =
  'usage: npx tsx scripts/decode-scaling.ts [--kv 8192] [--heads 2] [--head-dim 64] [--density 0.6] [--block 16] [--rounds 21]';

/** K (and V, as much again) per buffer set: 256 MiB each. */
const MAX_KV_BYTES = 1 << 28;

const LIMITS: Record<keyof Options, [number, number]> = {
  kv: [64, 1 << 20],
  heads: [1, 64],
  headDim: [4, 256],
  density: [0.05, 0.95],
  block: [4, 256],
  rounds: [5, 200],
};

const FLAGS: Record<string, keyof Options> = {
  '--kv': 'kv',
  '--heads': 'heads',
  '--head-dim': 'headDim',
  '--density': 'density',
  '--block': 'block',
  '--rounds': 'rounds',
};

export function parseOptions(argv: readonly string[]): Options {
  const options: Options = { kv: 8192, heads: 2, headDim: 64, density: 0.6, block: 16, rounds: 21 };
  for (let i = 0; i < argv.length; i += 2) {
    const field = FLAGS[argv[i]];
    if (!field)
      throw new Error(`unknown option '${argv[i]}'; expected one of ${Object.keys(FLAGS).join(', ')}`);
    const value = Number(argv[i + 1]);
    const [lo, hi] = LIMITS[field];
    const integer = field !== 'density';
    if (!Number.isFinite(value) || value < lo || value > hi || (integer && !Number.isInteger(value))) {
      throw new Error(
        `${argv[i]}: expected ${integer ? 'an integer' : 'a number'} in [${lo}, ${hi}], got ${argv[i + 1]}`,
      );
    }
    options[field] = value;
  }
  if (options.kv % options.block !== 0) {
    throw new Error(`--kv: expected a multiple of --block (${options.block}), got ${options.kv}`);
  }
  const blocks = options.kv / options.block;
  const kept = Math.round(options.density * blocks);
  if (kept < 1 || kept >= blocks) {
    throw new Error(
      `--density: ${options.density} of ${blocks} key block${blocks === 1 ? '' : 's'} rounds to ${kept} kept, not a sparse problem: ` +
        'use more blocks (a larger --kv or a smaller --block) or another density',
    );
  }
  const kvBytes = 4 * options.heads * options.kv * options.headDim;
  if (kvBytes > MAX_KV_BYTES) {
    throw new Error(
      `--heads × --kv × --head-dim: K alone would take ${(kvBytes / 2 ** 20).toFixed(0)} MiB, over the limit of ${MAX_KV_BYTES / 2 ** 20} MiB`,
    );
  }
  return options;
}

interface Case {
  name: string;
  problem: AttentionProblem;
  call: Runnable;
  samples: number[];
  maxAbsErr: number;
}

const [decodeEntry] = entriesOf('decode').filter((e) => e.kernel === decode);

/**
 * Prepares decode on one problem over the benchmark's working set (buffer sets rotated per call, as
 * rotation.ts plans them: a cache-resident K and V would time the cache, not the stream), checks
 * it against the f64 reference on set 0, and keeps it for timing.
 */
async function prepareCase(
  ctx: Pick<JobContext, 'gpu' | 'timer'>,
  name: string,
  c: AttentionCase,
  mask?: BlockMask,
): Promise<Case> {
  const data = attentionData(c);
  const problem: AttentionProblem = {
    heads: c.heads,
    seqQ: c.seqQ,
    seqK: c.seqK,
    headDim: c.headDim,
    causal: false,
    scale: 1 / Math.sqrt(c.headDim),
    mask,
  };
  const plan = workingSetFor(ctx.gpu, decode.cost(problem).bytes);
  const call = await rotatingCall(ctx, name, plan, (set) =>
    attentionBuffers(
      ctx.gpu,
      decode,
      problem,
      set === 0
        ? data
        : { q: data.q, k: randomFloats(data.k.length, 2 * set), v: randomFloats(data.v.length, 2 * set + 1) },
    ),
  );
  const check = compareToReference(
    await call.output(),
    attentionReference(data.q, data.k, data.v, problem),
    toleranceFor(decodeEntry.tolerance, c),
  );
  if (!check.ok) {
    call.destroy();
    throw new Error(`${name}: does not match the reference: ${check.failure}`);
  }
  return { name, problem, call, samples: [], maxAbsErr: check.maxAbsErr };
}

/** A mask keeping the first `keep` key blocks of a one-row layout. */
function firstBlocks(c: AttentionCase, block: number, keep: number): BlockMask {
  const layout = new Uint8Array(c.seqK / block);
  layout.fill(1, 0, keep);
  return new BlockMask(layout, { blockSize: block, seqQ: c.seqQ, seqK: c.seqK }, `first(keep=${keep})`);
}

async function main(o: Options): Promise<void> {
  const gpu = await openGpu();
  let timer: Timer | undefined;
  const cases: Case[] = [];
  try {
    timer = await createTimer(gpu);
    const ctx = { gpu, timer };
    const base: AttentionCase = {
      kind: 'attention',
      heads: o.heads,
      seqQ: 1,
      seqK: o.kv,
      headDim: o.headDim,
      causal: false,
    };
    const random = await buildMask(
      gpu,
      { ...base, mask: { pattern: 'random', density: o.density, blockSize: o.block, seed: 7 } },
      attentionData(base),
    );
    const keep = Math.round(random.density * (o.kv / o.block));
    const all = firstBlocks(base, o.block, o.kv / o.block);
    cases.push(await prepareCase(ctx, 'dense', base));
    cases.push(await prepareCase(ctx, 'sparse, every block kept', base, all));
    cases.push(
      await prepareCase(ctx, `dense over ${keep * o.block} keys`, { ...base, seqK: keep * o.block }),
    );
    cases.push(
      await prepareCase(ctx, `sparse, first ${keep} blocks`, base, firstBlocks(base, o.block, keep)),
    );
    cases.push(await prepareCase(ctx, `sparse, ${keep} random blocks`, base, random));
    const samplers = cases.map((c) => c.call.sampler(c.name));
    // Warm-up, then calls per sample: about 20 ms of work, from one call of the dense case.
    const single = { calls: 1, callsPerSubmit: 1 };
    for (const sampler of samplers) await sampler.sample(single);
    const one = (await samplers[0].sample(single)) ?? 1;
    const calls = Math.max(2, Math.min(200, Math.round(20 / Math.max(one, 0.01))));
    const plan = { calls, callsPerSubmit: calls };
    // A fixed order within a round favours some positions (seen with identical kernels), so every
    // round takes the cases in a fresh (seeded) order.
    const shuffle = mulberry32(0x5ca1e);
    const order = cases.map((_, i) => i);
    for (let round = 0; round < o.rounds; round++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(shuffle() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (const index of order) {
        const ms = await samplers[index].sample(plan);
        if (ms !== undefined) cases[index].samples.push(ms / calls);
      }
    }
    const dense = summarize(cases[0].samples).median;
    const density = keep / (o.kv / o.block);
    console.log(
      `Adapter: ${adapterName(gpu.adapter)}${gpu.adapter.isSoftware ? ' (software: shaders run on the CPU)' : ''}`,
    );
    console.log(
      `Timing: ${timer.info.source}; ${o.rounds} interleaved rounds of ${calls} calls; median ms per call with its 95% CI.`,
    );
    console.log(
      `decode, heads ${o.heads}, headDim ${o.headDim}, kv ${o.kv}, blocks of ${o.block}, kept ${keep} of ${o.kv / o.block} (density ${density.toFixed(3)}); each case rotates over ${workingSetNote(workingSetFor(gpu, decode.cost(cases[0].problem).bytes), gpu.adapter.isSoftware)}\n`,
    );
    for (const c of cases) {
      const s = summarize(c.samples);
      const rel = s.median / dense;
      const visited = c.problem.mask ? c.problem.mask.density : c.problem.seqK / o.kv;
      const saved = visited < 1 ? `  time saved ÷ keys saved ${((1 - rel) / (1 - visited)).toFixed(2)}` : '';
      console.log(
        `${c.name.padEnd(28)} ${s.median.toFixed(3)} ms [${s.ci95[0].toFixed(3)}, ${s.ci95[1].toFixed(3)}]  ×${rel.toFixed(3)} of dense${saved}  (max abs err ${c.maxAbsErr.toExponential(1)})`,
      );
    }
  } finally {
    for (const c of cases) c.call.destroy();
    timer?.destroy();
    gpu.close();
  }
}

// Run only as a script (the tests import parseOptions).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runScript('decode-scaling', USAGE, parseOptions, main);
}
