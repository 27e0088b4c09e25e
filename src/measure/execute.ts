// Runs one configuration: build its inputs, allocate (out-of-memory named with the sizes asked),
// prepare the kernel (a WGSL compile error names the kernel), check the output against the f64
// reference — on the problem itself, or on a smaller one of the same kind when the CPU reference
// would take too long — and only then time it. Any failure becomes a result with verified: false
// and `error`; cancellation and device loss are thrown for the run to handle.

import { DeviceLostError, GpuScopeError } from '../gpu/errors.ts';
import type { Gpu } from '../gpu/gpu.ts';
import { formatBytes } from '../kernels/limits.ts';
import { naive } from '../kernels/naive-matmul.ts';
import { ATTENTION_KINDS, entriesOf, missingFeatures } from '../kernels/registry.ts';
import { defaultTolerance } from '../kernels/tolerance.ts';
import type {
  AttentionKernel,
  AttentionProblem,
  KernelEntry,
  KernelKind,
  KernelRun,
  MatmulKernel,
  MatmulProblem,
  ProbeKernel,
} from '../kernels/types.ts';
import { unfused } from '../kernels/unfused.ts';
import type { BlockMask } from '../masks/block-mask.ts';
import type { Peer, PeerName, PeerOp } from '../peers/types.ts';
import { type Comparison, compareToReference, type Tolerance } from '../reference/compare.ts';
import type { BenchResult, ParamValue } from '../results/types.ts';
import { seededArray } from '../util/random.ts';
import {
  type AttentionCase,
  type AttentionData,
  attentionData,
  buildMask,
  type Case,
  caseKey,
  describeCase,
  type MatmulCase,
  matmulData,
  type ReferenceCache,
  toleranceFor,
  verificationCase,
} from './cases.ts';
import { gemvBenchCase, runGemvBench } from './gemv-bench.ts';
import type { Job, Registries } from './plan.ts';
import {
  kernelSampler,
  type Measurement,
  measure,
  measurePair,
  type PairedMeasurement,
  type PairedRatio,
  type Sampler,
} from './sample.ts';
import { RunCancelledError, type Timer } from './timing.ts';

export interface JobContext {
  gpu: Gpu;
  timer: Timer;
  registries: Registries;
  references: ReferenceCache;
  /** Masks by case key (flash and block-sparse share a problem). */
  masks: Map<string, Promise<BlockMask>>;
  /** Peers, created on first use. */
  peer(name: PeerName): Promise<Peer>;
  signal?: AbortSignal;
  /** Milliseconds spent setting kernels and peers up (allocation, pipeline compiles), outside the budget. */
  setupMs: number;
  /** Extra notes and params for a kernel (the autotuned configuration), if any. */
  tuning?(kernel: string): { params: Record<string, ParamValue>; notes: string } | undefined;
  /**
   * The dense baseline job of a sparse job (job.baseline), when it was verified earlier in this run:
   * the sparse job then times itself interleaved with it (measurePair) for speedupVsDense.
   */
  verifiedBaseline?(job: Job): Job | undefined;
}

export type JobOutcome = { result: BenchResult } | { skipped: string };

/** Runs set-up work (allocation, compiles) and books its time in ctx.setupMs. */
async function setup<T>(ctx: JobContext, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    ctx.setupMs += performance.now() - start;
  }
}

/** Errors that end the run rather than one configuration. */
export function isFatal(gpu: Gpu, error: unknown): boolean {
  return error instanceof RunCancelledError || error instanceof DeviceLostError || gpu.isLost;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A result that reports a failure (never a speed). */
export function failedResult(
  job: Job,
  error: string,
  cost = { bytes: 0, flops: 0 },
  notes?: string,
): BenchResult {
  const result: BenchResult = {
    id: job.id,
    op: job.op,
    kernel: job.kernel,
    impl: job.impl,
    params: { ...job.params },
    bytes: cost.bytes,
    flops: cost.flops,
    maxAbsErr: 0,
    maxRelErr: 0,
    verified: false,
    error,
  };
  if (notes) result.notes = notes;
  return result;
}

/** The schema wants finite errors: an infinite or NaN error is recorded as the largest double. */
function finiteError(x: number): number {
  return Number.isFinite(x) ? x : Number.MAX_VALUE;
}

function mismatch(check: Comparison, tol: Tolerance, where: string): string {
  return (
    `output differs from the f64 reference${where}: max abs err ${check.maxAbsErr.toExponential(2)}, ` +
    `max rel err ${check.maxRelErr.toExponential(2)} (tolerance ${tol.atol} + ${tol.rtol}·|ref|)\n${check.failure ?? ''}`
  );
}

export interface Prepared {
  run: KernelRun;
  output: GPUBuffer;
  outputBytes: number;
  destroy(): void;
}

/** Allocates and prepares inside error scopes; out-of-memory becomes a message with the sizes asked. */
async function prepareScoped(
  gpu: Gpu,
  label: string,
  sizes: Record<string, number>,
  build: (
    own: (b: GPUBuffer) => GPUBuffer,
  ) => Promise<{ run: KernelRun; output: GPUBuffer; outputBytes: number }>,
): Promise<Prepared> {
  const owned: GPUBuffer[] = [];
  let run: KernelRun | undefined;
  const destroy = () => {
    run?.destroy();
    for (const b of owned) b.destroy();
  };
  try {
    const prepared = await gpu.scoped(label, () =>
      build((b) => {
        owned.push(b);
        return b;
      }).then((p) => {
        run = p.run;
        return p;
      }),
    );
    return { ...prepared, destroy };
  } catch (error) {
    destroy();
    if (error instanceof GpuScopeError && error.kind === 'out-of-memory') {
      const asked = Object.entries(sizes)
        .map(([name, bytes]) => `${name} ${formatBytes(bytes)}`)
        .join(', ');
      const total = Object.values(sizes).reduce((a, b) => a + b, 0);
      throw new Error(
        `${label}: out of GPU memory asking for ${asked} (${formatBytes(total)} in all, plus the kernel's scratch): ${error.message}`,
      );
    }
    throw error;
  }
}

/** One call in one pass, submitted inside error scopes, then the output read back. */
export async function runOnce(gpu: Gpu, label: string, prepared: Prepared): Promise<Float32Array> {
  await gpu.scoped(`${label}: verification run`, () => {
    const encoder = gpu.device.createCommandEncoder({ label });
    const pass = encoder.beginComputePass({ label });
    prepared.run.encode(pass);
    pass.end();
    gpu.device.queue.submit([encoder.finish()]);
  });
  return new Float32Array(await gpu.read(prepared.output, prepared.outputBytes));
}

function lookup<K extends KernelKind>(
  registries: Registries,
  name: string,
  kinds: readonly K[],
): KernelEntry<K> {
  const found = entriesOf(kinds, registries).find((e) => e.name === name);
  if (!found)
    throw new Error(
      `kernel '${name}' is not registered as ${kinds.join(' or ')}; this configuration was not run`,
    );
  return found;
}

async function attentionProblem(
  ctx: JobContext,
  c: AttentionCase,
  data: AttentionData,
): Promise<AttentionProblem> {
  let mask: BlockMask | undefined;
  if (c.mask) {
    const key = caseKey(c);
    let pending = ctx.masks.get(key);
    if (!pending) {
      pending = buildMask(ctx.gpu, c, data);
      ctx.masks.set(key, pending);
      pending.catch(() => ctx.masks.delete(key));
    }
    mask = await pending;
  }
  return {
    heads: c.heads,
    seqQ: c.seqQ,
    seqK: c.seqK,
    headDim: c.headDim,
    causal: c.causal,
    scale: 1 / Math.sqrt(c.headDim),
    mask,
  };
}

export function prepareAttention(
  gpu: Gpu,
  kernel: AttentionKernel,
  problem: AttentionProblem,
  data: AttentionData,
  label: string,
): Promise<Prepared> {
  const outputBytes = 4 * problem.heads * problem.seqQ * problem.headDim;
  const sizes = { q: data.q.byteLength, k: data.k.byteLength, v: data.v.byteLength, o: outputBytes };
  return prepareScoped(gpu, label, sizes, async (own) => {
    const io = {
      q: own(gpu.upload(`${kernel.name}.q`, data.q)),
      k: own(gpu.upload(`${kernel.name}.k`, data.k)),
      v: own(gpu.upload(`${kernel.name}.v`, data.v)),
      o: own(gpu.buffer(`${kernel.name}.o`, outputBytes)),
    };
    return { run: await kernel.prepare(gpu, problem, io), output: io.o, outputBytes };
  });
}

interface Verified {
  check: Comparison;
  tolerance: Tolerance;
  notes: string[];
  params: Record<string, ParamValue>;
}

/** Compares `actual` with the reference of case `v`; on the real case or, when reduced, says so. */
function verdict(
  check: Comparison,
  original: Case,
  checked: Case,
): { ok: boolean; notes: string[]; params: Record<string, ParamValue> } {
  const notes: string[] = [];
  const params: Record<string, ParamValue> = {};
  if (checked !== original) {
    params.verifiedOn = describeCase(checked);
    notes.push(
      `verified on ${describeCase(checked)} (same kernel and configuration): the CPU reference of ${describeCase(original)} would take too long`,
    );
  }
  return { ok: check.ok, notes, params };
}

async function runAttention(
  ctx: JobContext,
  job: Job,
  c: AttentionCase,
  budgetMs: number,
): Promise<JobOutcome> {
  const { gpu } = ctx;
  const entry = lookup(ctx.registries, job.kernel, ATTENTION_KINDS);
  const kernel = entry.kernel;
  const missing = missingFeatures(gpu, kernel);
  if (missing.length) return { skipped: `${kernel.name}: this adapter lacks ${missing.join(', ')}` };
  const data = attentionData(c);
  const problem = await attentionProblem(ctx, c, data);
  const declined = kernel.decline?.(problem, gpu);
  if (declined) return { skipped: `${kernel.name} declines ${describeCase(c)}: ${declined}` };
  const cost = kernel.cost(problem);
  const tolerance = toleranceFor(entry.tolerance, c);

  const extraParams: Record<string, ParamValue> = {};
  if (problem.mask) {
    extraParams.mask = problem.mask.pattern.slice(0, 200);
    extraParams.maskDensity = problem.mask.density;
  }
  const failed = (error: string, notes?: string) =>
    ({
      result: { ...failedResult(job, error, cost, notes), params: { ...job.params, ...extraParams } },
    }) as JobOutcome;

  let verified: Verified;
  let prepared: Prepared | undefined;
  try {
    const checked = verificationCase(c);
    if (checked === c) {
      prepared = await setup(ctx, () => prepareAttention(gpu, kernel, problem, data, job.label));
      const out = await runOnce(gpu, job.label, prepared);
      const reference = ctx.references.attention(caseKey(c), data, problem);
      const check = compareToReference(out, reference, tolerance);
      verified = { check, tolerance, ...verdict(check, c, c) };
    } else {
      const smallData = attentionData(checked);
      const smallProblem = await attentionProblem(ctx, checked, smallData);
      const small = await setup(ctx, () =>
        prepareAttention(gpu, kernel, smallProblem, smallData, `${job.label} (verification)`),
      );
      try {
        const out = await runOnce(gpu, job.label, small);
        const reference = ctx.references.attention(caseKey(checked), smallData, smallProblem);
        const check = compareToReference(out, reference, tolerance);
        verified = { check, tolerance, ...verdict(check, c, checked) };
      } finally {
        small.destroy();
      }
    }
    Object.assign(extraParams, verified.params);
    if (!verified.check.ok) {
      const where = verified.params.verifiedOn ? ` on ${verified.params.verifiedOn}` : '';
      return {
        result: {
          ...failedResult(
            job,
            mismatch(verified.check, tolerance, where),
            cost,
            verified.notes.join('; ') || undefined,
          ),
          params: { ...job.params, ...extraParams },
          maxAbsErr: finiteError(verified.check.maxAbsErr),
          maxRelErr: finiteError(verified.check.maxRelErr),
        },
      };
    }
    prepared ??= await setup(ctx, () => prepareAttention(gpu, kernel, problem, data, job.label));
    const base = job.baseline ? ctx.verifiedBaseline?.(job) : undefined;
    if (base) {
      const paired = await measureWithBaseline(ctx, job, prepared, base, budgetMs);
      if ('ratio' in paired) {
        const result = timedResult(ctx, job, cost, verified, paired.measurement, extraParams, problem.mask);
        result.speedupVsDense = paired.ratio.median;
        result.notes = [pairNote(base, paired.ratio, paired.baselineMs), result.notes]
          .filter(Boolean)
          .join('; ')
          .slice(0, 3900);
        result.speedupCi95 = [paired.ratio.ci95[0], paired.ratio.ci95[1]];
        return { result };
      }
      const measurement = await measureKernel(ctx, job, prepared, budgetMs);
      measurement.notes.unshift(paired.unpaired);
      return { result: timedResult(ctx, job, cost, verified, measurement, extraParams, problem.mask) };
    }
    const measurement = await measureKernel(ctx, job, prepared, budgetMs);
    return {
      result: timedResult(
        ctx,
        job,
        cost,
        verified,
        measurement,
        extraParams,
        Boolean(job.baseline) && problem.mask,
      ),
    };
  } catch (error) {
    if (isFatal(gpu, error)) throw error;
    return failed(message(error));
  } finally {
    prepared?.destroy();
  }
}

/**
 * Runs timing work (outside error scopes: they would serialise the samples) and fails it when the
 * device reported an uncaptured error meanwhile.
 */
async function checkedTiming<T>(gpu: Gpu, work: () => Promise<T>): Promise<T> {
  const errorsBefore = gpu.uncapturedErrors.length;
  const value = await work();
  if (gpu.uncapturedErrors.length > errorsBefore) {
    throw new Error(`GPU error while timing: ${gpu.uncapturedErrors.slice(errorsBefore).join('; ')}`);
  }
  return value;
}

function measureKernel(
  ctx: JobContext,
  job: Job,
  prepared: Prepared,
  budgetMs: number,
): Promise<Measurement> {
  const sampler = kernelSampler(ctx.timer, job.label, (pass) => prepared.run.encode(pass));
  return checkedTiming(ctx.gpu, () => measure(sampler, job.label, { budgetMs, signal: ctx.signal }));
}

/** Two prepared runs timed interleaved (measurePair): `candidate` against `baseline`. */
function measurePrepared(
  ctx: JobContext,
  candidate: { label: string; run: KernelRun },
  baseline: { label: string; run: KernelRun },
  budgetMs: number,
): Promise<PairedMeasurement> {
  return checkedTiming(ctx.gpu, () =>
    measurePair(
      kernelSampler(ctx.timer, candidate.label, (pass) => candidate.run.encode(pass)),
      kernelSampler(ctx.timer, baseline.label, (pass) => baseline.run.encode(pass)),
      candidate.label,
      { budgetMs, signal: ctx.signal },
    ),
  );
}

type PairOutcome =
  | { measurement: Measurement; ratio: PairedRatio; baselineMs: number }
  | { unpaired: string };

/**
 * Times a verified sparse kernel interleaved with its dense baseline (verified in its own job
 * earlier), both prepared at once on their own buffers. When the baseline cannot be prepared again
 * here, says why: the caller then times the sparse kernel alone.
 */
async function measureWithBaseline(
  ctx: JobContext,
  job: Job,
  prepared: Prepared,
  base: Job,
  budgetMs: number,
): Promise<PairOutcome> {
  const { gpu } = ctx;
  if (base.what.kind !== 'attention') return { unpaired: `baseline ${base.label} is not an attention job` };
  const baseCase = base.what.case;
  let other: Prepared | undefined;
  try {
    try {
      const { kernel } = lookup(ctx.registries, base.kernel, ATTENTION_KINDS);
      const data = attentionData(baseCase);
      const problem = await attentionProblem(ctx, baseCase, data);
      other = await setup(ctx, () => prepareAttention(gpu, kernel, problem, data, base.label));
    } catch (error) {
      if (isFatal(gpu, error)) throw error;
      return {
        unpaired: `timed alone, not paired with ${base.label} (it could not be prepared again: ${message(error)}); speedupVsDense then compares separate measurements`,
      };
    }
    const paired = await measurePrepared(
      ctx,
      { label: job.label, run: prepared.run },
      { label: base.label, run: other.run },
      budgetMs,
    );
    return {
      measurement: paired.candidate,
      ratio: paired.ratio,
      baselineMs: paired.baseline.latencyMs.median,
    };
  } finally {
    other?.destroy();
  }
}

function pairNote(base: Job, ratio: PairedRatio, baselineMs: number): string {
  return (
    `timed interleaved with ${base.label} (${ratio.pairs} pairs, same load): speedupVsDense is the median ` +
    `of the per-pair ratios ${base.kernel}/this, 95% CI ${ratio.ci95[0].toFixed(2)}–${ratio.ci95[1].toFixed(2)}×; ` +
    `${base.kernel} in the pairs: median ${baselineMs.toPrecision(3)} ms (its own result is its separate measurement)`
  );
}

function timedResult(
  ctx: JobContext,
  job: Job,
  cost: { bytes: number; flops: number },
  verified: Verified,
  measurement: Measurement,
  extraParams: Record<string, ParamValue>,
  sparseMask: BlockMask | false | undefined,
  moreNotes: string[] = [],
): BenchResult {
  const tuned = job.impl === 'attnscope' ? ctx.tuning?.(job.kernel) : undefined;
  const notes = [...moreNotes, ...verified.notes, ...measurement.notes];
  if (tuned) notes.push(tuned.notes);
  const result: BenchResult = {
    id: job.id,
    op: job.op,
    kernel: job.kernel,
    impl: job.impl,
    params: { ...job.params, ...extraParams, ...(tuned?.params ?? {}) },
    latencyMs: measurement.latencyMs,
    bytes: cost.bytes,
    flops: cost.flops,
    maxAbsErr: finiteError(verified.check.maxAbsErr),
    maxRelErr: finiteError(verified.check.maxRelErr),
    verified: true,
  };
  if (sparseMask) result.density = sparseMask.density;
  if (notes.length) result.notes = notes.join('; ').slice(0, 3900);
  return result;
}

function prepareMatmul(
  gpu: Gpu,
  kernel: MatmulKernel,
  problem: MatmulProblem,
  data: { a: Float32Array; b: Float32Array; bias?: Float32Array },
  label: string,
): Promise<Prepared> {
  const outputBytes = 4 * problem.m * problem.n;
  const sizes: Record<string, number> = { a: data.a.byteLength, b: data.b.byteLength, c: outputBytes };
  if (data.bias) sizes.bias = data.bias.byteLength;
  return prepareScoped(gpu, label, sizes, async (own) => {
    const io = {
      a: own(gpu.upload(`${kernel.name}.a`, data.a)),
      b: own(gpu.upload(`${kernel.name}.b`, data.b)),
      c: own(gpu.buffer(`${kernel.name}.c`, outputBytes)),
      bias: data.bias ? own(gpu.upload(`${kernel.name}.bias`, data.bias)) : undefined,
    };
    return { run: await kernel.prepare(gpu, problem, io), output: io.c, outputBytes };
  });
}

async function runMatmul(
  ctx: JobContext,
  job: Job,
  c: MatmulCase,
  epilogue: { bias: boolean; activation: 'none' | 'gelu' },
  budgetMs: number,
): Promise<JobOutcome> {
  const { gpu } = ctx;
  const entry = lookup(ctx.registries, job.kernel, ['matmul']);
  const kernel = entry.kernel;
  const missing = missingFeatures(gpu, kernel);
  if (missing.length) return { skipped: `${kernel.name}: this adapter lacks ${missing.join(', ')}` };
  const problemOf = (mc: MatmulCase): MatmulProblem => ({ m: mc.m, k: mc.k, n: mc.n, ...epilogue });
  const dataOf = (mc: MatmulCase) => ({
    ...matmulData(mc),
    bias: epilogue.bias ? seededArray(mc.n, 0xb1a5 ^ mc.n) : undefined,
  });
  const problem = problemOf(c);
  const declined = kernel.decline?.(problem, gpu);
  if (declined) return { skipped: `${kernel.name} declines ${describeCase(c)}: ${declined}` };
  const cost = kernel.cost(problem);
  const tolerance = toleranceFor(entry.tolerance, c);
  const tag =
    epilogue.bias || epilogue.activation !== 'none' ? `:bias=${epilogue.bias}:${epilogue.activation}` : '';
  let prepared: Prepared | undefined;
  try {
    const checked = verificationCase(c);
    const checkedProblem = problemOf(checked);
    const checkedData = dataOf(checked);
    const target = await setup(ctx, () => prepareMatmul(gpu, kernel, checkedProblem, checkedData, job.label));
    let verified: Verified;
    try {
      const out = await runOnce(gpu, job.label, target);
      const reference = ctx.references.matmul(caseKey(checked) + tag, checkedData, {
        ...checkedProblem,
        bias: checkedData.bias,
      });
      const check = compareToReference(out, reference, tolerance);
      verified = { check, tolerance, ...verdict(check, c, checked) };
    } finally {
      if (checked === c) prepared = target;
      else target.destroy();
    }
    if (!verified.check.ok) {
      const where = verified.params.verifiedOn ? ` on ${verified.params.verifiedOn}` : '';
      return {
        result: {
          ...failedResult(job, mismatch(verified.check, tolerance, where), cost),
          params: { ...job.params, ...verified.params },
          maxAbsErr: finiteError(verified.check.maxAbsErr),
          maxRelErr: finiteError(verified.check.maxRelErr),
        },
      };
    }
    prepared ??= await setup(ctx, () => prepareMatmul(gpu, kernel, problem, dataOf(c), job.label));
    const measurement = await measureKernel(ctx, job, prepared, budgetMs);
    return { result: timedResult(ctx, job, cost, verified, measurement, verified.params, undefined) };
  } catch (error) {
    if (isFatal(gpu, error)) throw error;
    return { result: failedResult(job, message(error), cost) };
  } finally {
    prepared?.destroy();
  }
}

async function runProbe(ctx: JobContext, job: Job, bytes: number, budgetMs: number): Promise<JobOutcome> {
  const { gpu } = ctx;
  const entry = lookup(ctx.registries, job.kernel, ['probe']);
  const kernel: ProbeKernel = entry.kernel;
  const missing = missingFeatures(gpu, kernel);
  if (missing.length) return { skipped: `${kernel.name}: this adapter lacks ${missing.join(', ')}` };
  const problem = { bytes };
  const cost = kernel.cost(problem);
  let prepared: Prepared | undefined;
  try {
    const src = seededArray(bytes / 4, 0xc0b1 ^ bytes);
    prepared = await setup(ctx, () =>
      prepareScoped(gpu, job.label, { src: bytes, dst: bytes }, async (own) => {
        const io = {
          src: own(gpu.upload(`${kernel.name}.src`, src)),
          dst: own(gpu.buffer(`${kernel.name}.dst`, bytes)),
        };
        return { run: await kernel.prepare(gpu, problem, io), output: io.dst, outputBytes: bytes };
      }),
    );
    const out = await runOnce(gpu, job.label, prepared);
    const notes: string[] = [];
    let check: Comparison;
    // The probes' outputs are exact (a copy; integer sums and FMA chains): they must match bit for bit.
    const tolerance = entry.tolerance({});
    const reference = kernel.reference;
    if (reference) check = compareToReference(out, reference(src, problem, gpu.adapter), tolerance);
    else {
      const bad = out.findIndex((x) => !Number.isFinite(x));
      check = {
        maxAbsErr: 0,
        maxRelErr: 0,
        ok: bad < 0,
        firstBad: bad,
        failure: bad < 0 ? undefined : `non-finite output at ${bad}`,
      };
      notes.push(`${kernel.name} has no CPU reference: its output was checked for finite values only`);
    }
    const verified: Verified = { check, tolerance, notes, params: {} };
    if (!check.ok) return { result: failedResult(job, mismatch(check, tolerance, ''), cost) };
    const measurement = await measureKernel(ctx, job, prepared, budgetMs);
    return { result: timedResult(ctx, job, cost, verified, measurement, {}, undefined) };
  } catch (error) {
    if (isFatal(gpu, error)) throw error;
    return { result: failedResult(job, message(error), cost) };
  } finally {
    prepared?.destroy();
  }
}

async function runPeer(
  ctx: JobContext,
  job: Job,
  name: PeerName,
  c: Case,
  budgetMs: number,
): Promise<JobOutcome> {
  const { gpu } = ctx;
  const scale = c.kind === 'attention' ? 1 / Math.sqrt(c.headDim) : 1;
  // Peers implement the same algorithms as naive matmul and unfused attention: the same cost models.
  const cost =
    c.kind === 'matmul'
      ? naive.cost({ m: c.m, k: c.k, n: c.n })
      : unfused.cost({
          heads: c.heads,
          seqQ: c.seqQ,
          seqK: c.seqK,
          headDim: c.headDim,
          causal: false,
          scale,
        });
  let peer: Peer;
  try {
    peer = await setup(ctx, () => ctx.peer(name));
  } catch (error) {
    if (isFatal(gpu, error)) throw error;
    return { result: failedResult(job, `${name} could not start: ${message(error)}`, cost) };
  }
  const opFor = (cc: Case): Promise<PeerOp> => {
    if (cc.kind === 'matmul') {
      if (!peer.matmul) throw new Error(`${name} has no matmul here`);
      return peer.matmul(cc, matmulData(cc));
    }
    if (!peer.attention) throw new Error(`${name} has no attention here`);
    return peer.attention(cc, attentionData(cc), scale);
  };
  const reference = (cc: Case): Float64Array =>
    cc.kind === 'matmul'
      ? ctx.references.matmul(caseKey(cc), matmulData(cc), { m: cc.m, k: cc.k, n: cc.n })
      : ctx.references.attention(caseKey(cc), attentionData(cc), {
          heads: cc.heads,
          seqQ: cc.seqQ,
          seqK: cc.seqK,
          headDim: cc.headDim,
          causal: false,
          scale,
        });
  const tolerance = toleranceFor(defaultTolerance(c.kind === 'matmul' ? 'matmul' : 'dense', 'f32'), c);
  let op: PeerOp | undefined;
  try {
    const checked = verificationCase(c);
    let verified: Verified;
    const target = await setup(ctx, () => opFor(checked));
    try {
      const check = compareToReference(await target.output(), reference(checked), tolerance);
      verified = { check, tolerance, ...verdict(check, c, checked) };
    } finally {
      if (checked === c) op = target;
      else target.dispose();
    }
    const params = { ...verified.params, ...(op ?? target).params };
    if (!verified.check.ok) {
      return {
        result: {
          ...failedResult(job, mismatch(verified.check, tolerance, ''), cost, target.notes),
          params: { ...job.params, ...params },
          maxAbsErr: finiteError(verified.check.maxAbsErr),
          maxRelErr: finiteError(verified.check.maxRelErr),
        },
      };
    }
    op ??= await setup(ctx, () => opFor(c));
    const timedOp = op;
    const sampler: Sampler = {
      resolutionMs: timedOp.resolutionMs,
      dropped: 0,
      sample: (plan, signal) => timedOp.time(plan.calls, signal),
    };
    const measurement = await checkedTiming(gpu, () =>
      measure(sampler, job.label, { budgetMs, signal: ctx.signal }),
    );
    return { result: timedResult(ctx, job, cost, verified, measurement, params, undefined, [timedOp.notes]) };
  } catch (error) {
    if (isFatal(gpu, error)) throw error;
    return { result: failedResult(job, message(error), cost, op?.notes) };
  } finally {
    op?.dispose();
  }
}

/**
 * Times two kernels of one family on one case (both verified on it before), interleaved and each on
 * its own buffers: the speed-up of `candidate` over `baseline` (the median of the per-pair ratios
 * baseline / candidate) with its CI. Autotune's check that a sweep's winner really beats the default.
 */
export async function comparePair(
  ctx: JobContext,
  c: Case,
  candidate: AttentionKernel | MatmulKernel,
  baseline: AttentionKernel | MatmulKernel,
  budgetMs: number,
): Promise<PairedRatio> {
  const { gpu } = ctx;
  const prepare = async (kernel: AttentionKernel | MatmulKernel): Promise<Prepared> => {
    if (c.kind === 'matmul') {
      const problem: MatmulProblem = { m: c.m, k: c.k, n: c.n, bias: false, activation: 'none' };
      return prepareMatmul(gpu, kernel as MatmulKernel, problem, matmulData(c), kernel.name);
    }
    const data = attentionData(c);
    return prepareAttention(
      gpu,
      kernel as AttentionKernel,
      await attentionProblem(ctx, c, data),
      data,
      kernel.name,
    );
  };
  let a: Prepared | undefined;
  let b: Prepared | undefined;
  try {
    a = await setup(ctx, () => prepare(candidate));
    b = await setup(ctx, () => prepare(baseline));
    const paired = await measurePrepared(
      ctx,
      { label: candidate.name, run: a.run },
      { label: baseline.name, run: b.run },
      budgetMs,
    );
    return paired.ratio;
  } finally {
    a?.destroy();
    b?.destroy();
  }
}

/** Runs one job within its time budget (ms). */
export async function runJob(ctx: JobContext, job: Job, budgetMs: number): Promise<JobOutcome> {
  try {
    switch (job.what.kind) {
      case 'attention':
        return await runAttention(ctx, job, job.what.case, budgetMs);
      case 'matmul':
        return await runMatmul(ctx, job, job.what.case, job.what, budgetMs);
      case 'probe':
        return await runProbe(ctx, job, job.what.bytes, budgetMs);
      case 'peer':
        return await runPeer(ctx, job, job.what.peer, job.what.case, budgetMs);
      case 'gemv': {
        // The gemv suite verifies and times itself (paired with the read probe): gemv-bench.ts.
        const entry = lookup(ctx.registries, job.kernel, ['gemv']);
        const c = gemvBenchCase(ctx.gpu.adapter.isSoftware, job.what.format, job.what.rows);
        const result = await runGemvBench(ctx, entry, c, budgetMs);
        return { result: { ...result, id: job.id } };
      }
    }
  } catch (error) {
    if (isFatal(ctx.gpu, error)) throw error;
    return { result: failedResult(job, message(error)) };
  }
}
