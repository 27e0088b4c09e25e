// The gemv suite: each GEMV kernel on a real weight matrix streamed from memory. On a GPU the matrix
// is GLM-130B's attention output projection (12288 × 12288: 85 MB at int4 with its scales, ≥ 64 MiB
// in every format), cycled through enough distinct copies (filled on the GPU from their hash streams,
// src/model/step-gemv.ts) that the working set is ≥ 256 MiB, so no call finds its weights in a
// cache. On a software adapter it is scaled down to a 4096 × 1024 column slice of Llama-3-8B's
// output projection, one copy (a CPU computes for far longer than it streams), and the result says
// so (scaledForSoftware). Every kernel is first verified on a small problem of its own format and
// rows (257 × 129, the odd sizes of the tests) against the f64 reference on the dequantised
// weights, then timed interleaved with the read probe over buffers of the same size, cycled the
// same way (read-ceiling.ts): its share of the probe's bandwidth comes from samples under the same
// load.
// Bytes are those the format really moves: the packed weights and scales (shapes.ts matrixBytes),
// x read and y written (gemvCost).

import { DeviceLostError } from '../gpu/errors.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { GemvProblem } from '../kernels/gemv-common.ts';
import { gemvLayout } from '../kernels/gemv-common.ts';
import { packActivations } from '../kernels/gemv-validate.ts';
import { quantize } from '../kernels/quantize.ts';
import { missingFeatures } from '../kernels/registry.ts';
import type { KernelEntry, KernelRun } from '../kernels/types.ts';
import { type LayerMatrix, layerMatrices, modelShape, type WeightFormat } from '../model/shapes.ts';
import { createWeights, type WeightBuffers } from '../model/step-gemv.ts';
import { matrixSpecs } from '../model/weights.ts';
import { compareToReference } from '../reference/compare.ts';
import { gemvReference } from '../reference/gemv.ts';
import type { BenchResult } from '../results/types.ts';
import { seededArray } from '../util/random.ts';
import { prepareReadCeiling, type ReadCeiling, timeBesideCeiling } from './read-ceiling.ts';
import { gemvCallBytes, measureResidency, RESIDENT_BYTES, residentDepth } from './residency.ts';
import { unverifiedResult } from './result.ts';
import { kernelSampler } from './sample.ts';
import { RunCancelledError, type Timer } from './timing.ts';

/** A GEMV problem (no epilogue) on one matrix of a model's layer. */
export interface GemvBenchCase extends Pick<GemvProblem, 'k' | 'n' | 'rows' | 'format' | 'groupSize'> {
  model: string;
  matrix: LayerMatrix['name'];
  /** Distinct copies of the weights, cycled call after call. */
  copies: number;
  scaledForSoftware: boolean;
}

/** Working set the copies of a GPU case add up to at least (bytes). */
export const GEMV_WORKING_SET_BYTES = 256 * 1024 ** 2;
/** The verification problem: odd sizes, small enough for the CPU reference. */
export const GEMV_VERIFY_SIZE = { k: 257, n: 129 } as const;

/** The suite's case for a kernel of `format` at `rows` rows on this kind of adapter. */
export function gemvBenchCase(isSoftware: boolean, format: WeightFormat, rows: number): GemvBenchCase {
  const model = isSoftware ? 'llama-3-8b' : 'glm-130b';
  const out = layerMatrices(modelShape(model)).find((m) => m.name === 'out');
  if (!out) throw new Error(`${model}: no output projection`);
  const n = isSoftware ? out.n / 4 : out.n;
  const layout = gemvLayout({ k: out.k, n, format });
  const bytes = layout.weightBytes + layout.scaleBytes;
  return {
    model,
    matrix: 'out',
    k: out.k,
    n,
    rows,
    format,
    ...(format === 'int4' ? { groupSize: 32 } : {}),
    copies: isSoftware ? 1 : Math.max(1, Math.ceil(GEMV_WORKING_SET_BYTES / bytes)),
    scaledForSoftware: isSoftware,
  };
}

export interface GemvBenchContext {
  gpu: Gpu;
  timer: Timer;
  signal?: AbortSignal;
}

export interface GemvVerification {
  maxAbsErr: number;
  maxRelErr: number;
  failure?: string;
}

/** Runs the kernel once on the verification problem and compares with the f64 reference. */
export async function verifyGemv(
  gpu: Gpu,
  entry: KernelEntry<'gemv'>,
  c: GemvBenchCase,
): Promise<GemvVerification> {
  const { k, n } = GEMV_VERIFY_SIZE;
  const problem: GemvProblem = { k, n, rows: c.rows, format: c.format, groupSize: c.groupSize };
  const qw = quantize(seededArray(k * n, 0x9e37), { k, n, format: c.format, groupSize: c.groupSize });
  const x = seededArray(c.rows * k, 0x79b9);
  const layout = gemvLayout(problem);
  const owned: GPUBuffer[] = [];
  const own = (b: GPUBuffer) => {
    owned.push(b);
    return b;
  };
  let run: KernelRun | undefined;
  try {
    const io = {
      x: own(gpu.upload(`${entry.name}.verify.x`, packActivations(x, problem, layout))),
      weights: own(gpu.upload(`${entry.name}.verify.weights`, qw.weights)),
      scales: qw.scales ? own(gpu.upload(`${entry.name}.verify.scales`, qw.scales)) : undefined,
      y: own(gpu.buffer(`${entry.name}.verify.y`, 4 * c.rows * layout.nPadded)),
    };
    const prepared = await gpu.scoped(`${entry.name} verification`, async () => {
      const r = await entry.kernel.prepare(gpu, problem, io);
      const encoder = gpu.device.createCommandEncoder({ label: `${entry.name}.verify` });
      const pass = encoder.beginComputePass();
      r.encode(pass);
      pass.end();
      gpu.device.queue.submit([encoder.finish()]);
      return r;
    });
    run = prepared;
    const padded = new Float32Array(await gpu.read(io.y, 4 * c.rows * layout.nPadded));
    const y = new Float32Array(c.rows * n);
    for (let r = 0; r < c.rows; r++)
      y.set(padded.subarray(r * layout.nPadded, r * layout.nPadded + n), r * n);
    const check = compareToReference(y, gemvReference(x, qw, { rows: c.rows }), entry.tolerance({ k }));
    return { maxAbsErr: check.maxAbsErr, maxRelErr: check.maxRelErr, failure: check.failure };
  } finally {
    run?.destroy();
    for (const b of owned) b.destroy();
  }
}

function params(c: GemvBenchCase, workingSetBytes: number): BenchResult['params'] {
  return {
    k: c.k,
    n: c.n,
    rows: c.rows,
    format: c.format,
    ...(c.groupSize ? { groupSize: c.groupSize } : {}),
    workingSetBytes,
    model: c.model,
    matrix: c.matrix,
    ...(c.scaledForSoftware ? { scaledForSoftware: true } : {}),
  };
}

/**
 * Verifies, then times a GEMV kernel on its case paired with the read probe; a result with
 * verified: false and the reason when it cannot (missing features, limits, a mismatch).
 */
export async function runGemvBench(
  ctx: GemvBenchContext,
  entry: KernelEntry<'gemv'>,
  c: GemvBenchCase,
  budgetMs: number,
): Promise<BenchResult> {
  const { gpu } = ctx;
  const problem: GemvProblem = { k: c.k, n: c.n, rows: c.rows, format: c.format, groupSize: c.groupSize };
  const cost = entry.kernel.cost(problem);
  const layout = gemvLayout(problem);
  const perCopy = layout.weightBytes + layout.scaleBytes;
  const id = `gemv/${entry.name}/${c.model}-${c.matrix}/${c.k}x${c.n}/r${c.rows}`;
  const base = unverifiedResult(
    { id, op: 'gemv', kernel: entry.name, impl: 'attnscope', params: params(c, perCopy * c.copies) },
    cost,
  );
  const missing = missingFeatures(gpu, entry.kernel);
  if (missing.length) return { ...base, error: `this adapter lacks ${missing.join(', ')}` };
  const check = await verifyGemv(gpu, entry, c);
  if (check.failure)
    return {
      ...base,
      ...check,
      error: `verification (${GEMV_VERIFY_SIZE.k} × ${GEMV_VERIFY_SIZE.n}): ${check.failure}`,
    };

  const weights: WeightBuffers[] = [];
  const owned: GPUBuffer[] = [];
  const runs: KernelRun[] = [];
  let ceiling: ReadCeiling | undefined;
  try {
    const shape = modelShape(c.model);
    const x = own(gpu.upload(`${entry.name}.x`, seededArray(c.rows * layout.xStride, 0x85eb)));
    const y = own(gpu.buffer(`${entry.name}.y`, 4 * c.rows * layout.nPadded));
    for (let copy = 0; copy < c.copies; copy++) {
      const spec = matrixSpecs(shape, c.format, 1 + copy, 0, c.groupSize).find((m) => m.name === c.matrix);
      if (!spec) throw new Error(`${c.model}: no ${c.matrix} matrix`);
      const w = await createWeights(gpu, `${entry.name}.weights${copy}`, { ...spec, n: c.n });
      weights.push(w);
      runs.push(await entry.kernel.prepare(gpu, problem, { x, weights: w.values, scales: w.scales, y }));
    }
    // The c.copies streamed runs (the cache-resident run joins `runs` below).
    const streamed = runs.slice();
    let gemvCall = 0;
    const gemv = kernelSampler(ctx.timer, id, (pass) => streamed[gemvCall++ % c.copies].encode(pass));
    ceiling = await prepareReadCeiling(ctx, id, cost.bytes, c.copies);
    // The same kernel on a cache-resident slice of k (same columns, reused) against the streamed copies.
    const residentK = residentDepth(
      problem,
      gpu.adapter.isSoftware ? RESIDENT_BYTES.software : RESIDENT_BYTES.hardware,
    );
    const residentProblem = { ...problem, k: residentK };
    const spec0 = matrixSpecs(shape, c.format, 1, 0, c.groupSize).find((m) => m.name === c.matrix);
    if (!spec0) throw new Error(`${c.model}: no ${c.matrix} matrix`);
    const rw = await createWeights(gpu, `${entry.name}.resident`, { ...spec0, k: residentK, n: c.n });
    weights.push(rw);
    const ry = own(gpu.buffer(`${entry.name}.resident.y`, 4 * c.rows * gemvLayout(residentProblem).nPadded));
    const residentRun = await entry.kernel.prepare(gpu, residentProblem, {
      x,
      weights: rw.values,
      scales: rw.scales,
      y: ry,
    });
    runs.push(residentRun);
    const errorsBefore = gpu.uncapturedErrors.length;
    const paired = await timeBesideCeiling(ctx, id, gemv, cost.bytes, ceiling, 0.7 * budgetMs);
    const residency = await measureResidency(
      {
        sampler: kernelSampler(ctx.timer, `${id}.resident`, (pass) => residentRun.encode(pass)),
        bytes: gemvCallBytes(residentProblem),
      },
      {
        sampler: gemv,
        bytes: gemvCallBytes(problem),
      },
      id,
      { budgetMs: 0.3 * budgetMs, signal: ctx.signal },
    );
    if (gpu.uncapturedErrors.length > errorsBefore) {
      throw new Error(`GPU error while timing: ${gpu.uncapturedErrors.slice(errorsBefore).join('; ')}`);
    }
    const latencyMs = paired.measurement.latencyMs;
    const gbps = cost.bytes / latencyMs.median / 1e6;
    const notes = [
      paired.note,
      c.copies > 1
        ? `${c.copies} copies of the weights cycled (working set ${perCopy * c.copies} bytes)`
        : '',
      c.scaledForSoftware
        ? 'scaled down for a software adapter: a 1/4 column slice of Llama-3-8B out, one copy'
        : '',
      `verified on ${GEMV_VERIFY_SIZE.k} × ${GEMV_VERIFY_SIZE.n} × ${c.rows} rows`,
      `time per byte on a cache-resident ${residentK} × ${c.n} slice (reused) ÷ streamed, interleaved: ${residency.ratio.toFixed(2)} (95% CI ${residency.ci95[0].toFixed(2)}–${residency.ci95[1].toFixed(2)}; ≈ 1: compute-bound on this adapter, well below 1: memory-bound)`,
      ...paired.measurement.notes,
    ].filter(Boolean);
    return {
      ...base,
      latencyMs,
      gbps,
      gflops: cost.flops / latencyMs.median / 1e6,
      intensity: cost.flops / cost.bytes,
      maxAbsErr: check.maxAbsErr,
      maxRelErr: check.maxRelErr,
      verified: true,
      notes: notes.join('; ').slice(0, 3900),
      ceilingPair: paired.ceilingPair,
      residency,
    };
  } catch (error) {
    if (error instanceof RunCancelledError || error instanceof DeviceLostError || gpu.isLost) throw error;
    return {
      ...base,
      maxAbsErr: check.maxAbsErr,
      maxRelErr: check.maxRelErr,
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    ceiling?.destroy();
    for (const run of runs) run.destroy();
    for (const w of weights) w.destroy();
    for (const b of owned) b.destroy();
  }

  function own(buffer: GPUBuffer): GPUBuffer {
    owned.push(buffer);
    return buffer;
  }
}
