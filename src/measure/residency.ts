// Is a GEMV memory-bound on this adapter? The same kernel, same columns, format and rows, on a working
// set small enough to stay in cache and reused call after call (a shallow slice of k: RESIDENT_BYTES
// of weights; the columns, and so the invocations and workgroups, stay as they are, so the slice runs
// with the same parallelism), timed interleaved with the streamed one. Residency.ratio = time per byte resident ÷ time
// per byte streamed: near 1, the kernel runs no faster when memory is not in the way — it is limited
// by its arithmetic and issue rate on this adapter (compute-bound), and no memory-side change helps;
// well below 1, memory limits it. Bytes on both sides by the same model (weights + scales + x + y).

import type { Gpu } from '../gpu/gpu.ts';
import { DEFAULT_INT4_GROUP_SIZE } from '../kernels/formats.ts';
import { type GemvProblem, gemvLayout } from '../kernels/gemv-common.ts';
import type { KernelRun } from '../kernels/types.ts';
import type { DecodeStep } from '../model/decode-step.ts';
import { createWeights, type GemvCall, registryGemv } from '../model/step-gemv.ts';
import { type MatrixSpec, matrixSpecs } from '../model/weights.ts';
import type { Residency } from '../results/types.ts';
import { kernelSampler, measurePair, type PairedRatio, type Sampler } from './sample.ts';
import type { Timer } from './timing.ts';

/** Weights of the resident slice: well inside a CPU core's L2 (software: 256 KiB) or any GPU's L2 (hardware: 2 MiB). */
export const RESIDENT_BYTES = { software: 256 * 1024, hardware: 2 * 1024 ** 2 } as const;

/** Bytes a GEMV call moves by the bytes model both sides use: packed weights and scales, x read, y written. */
export function gemvCallBytes(p: Pick<GemvProblem, 'k' | 'n' | 'rows' | 'format' | 'groupSize'>): number {
  const layout = gemvLayout(p);
  return layout.weightBytes + layout.scaleBytes + 4 * p.rows * (layout.kPadded + layout.nPadded);
}

/**
 * Depth (k) of the resident slice: the same columns — so the same invocations and workgroups, the
 * same parallelism — over fewer k, whose weights are about `bytes`: a multiple of the format's k step
 * (and of the int4 group, so groups stay whole), at most k.
 */
export function residentDepth(
  p: Pick<GemvProblem, 'k' | 'n' | 'format' | 'groupSize'>,
  bytes: number,
): number {
  const layout = gemvLayout(p);
  const unit =
    p.format === 'int4' ? Math.max(layout.stepK, p.groupSize ?? DEFAULT_INT4_GROUP_SIZE) : layout.stepK;
  const perUnit = gemvLayout({ ...p, k: unit });
  const depth = unit * Math.floor(bytes / (perUnit.weightBytes + perUnit.scaleBytes));
  return Math.max(unit, Math.min(p.k - (p.k % unit), depth));
}

/**
 * The ratio from a pairing of the resident call (candidate) with the streamed one (baseline): the
 * per-pair r = streamed time ÷ resident time, so time per byte resident ÷ streamed =
 * (streamedBytes ÷ residentBytes) ÷ r, and the CI of r maps onto it (reversed).
 */
export function residencyOf(ratio: PairedRatio, residentBytes: number, streamedBytes: number): Residency {
  const scale = streamedBytes / residentBytes;
  return {
    ratio: scale / ratio.median,
    ci95: [scale / ratio.ci95[1], scale / ratio.ci95[0]],
    residentBytes,
  };
}

/** Times `resident` interleaved with `streamed` and returns the ratio of their times per byte. */
export async function measureResidency(
  resident: { sampler: Sampler; bytes: number },
  streamed: { sampler: Sampler; bytes: number },
  label: string,
  options: { budgetMs: number; signal?: AbortSignal },
): Promise<Residency> {
  const paired = await measurePair(resident.sampler, streamed.sampler, `${label} resident`, options);
  return residencyOf(paired.ratio, resident.bytes, streamed.bytes);
}

/**
 * The resident twin of one of a decode step's GEMVs: the same matrix spec cut to residentDepth,
 * its own small x, y (and residual), the same kernel choice and fusions. `bytes` by gemvCallBytes.
 */
export async function prepareResidentStepGemv(
  gpu: Gpu,
  m: MatrixSpec,
  call: Pick<GemvCall, 'rows' | 'gated'> & { residual: boolean },
  targetBytes: number,
): Promise<{ run: KernelRun; bytes: number; destroy(): void }> {
  const n = m.n;
  const spec = { ...m, k: residentDepth(m, targetBytes) };
  const owned: { destroy(): void }[] = [];
  try {
    const w = await createWeights(gpu, `${m.name}.resident`, spec);
    owned.push(w);
    const k = gemvLayout(spec).kPadded;
    const x = gpu.buffer(`${m.name}.resident.x`, 4 * call.rows * (call.gated ? 2 : 1) * k);
    const y = gpu.buffer(`${m.name}.resident.y`, 4 * call.rows * n);
    owned.push(x, y);
    const residual = call.residual ? gpu.buffer(`${m.name}.resident.r`, 4 * call.rows * n) : undefined;
    if (residual) owned.push(residual);
    const run = await registryGemv.prepare(gpu, spec, w, {
      rows: call.rows,
      x,
      y,
      ...(residual ? { residual } : {}),
      ...(call.gated ? { gated: call.gated } : {}),
    });
    owned.push(run);
    const bytes = gemvCallBytes({ k: spec.k, n, rows: call.rows, format: m.format, groupSize: m.groupSize });
    return {
      run,
      bytes,
      destroy() {
        for (const o of owned.splice(0).reverse()) o.destroy();
      },
    };
  } catch (error) {
    for (const o of owned.splice(0).reverse()) o.destroy();
    throw error;
  }
}

/** The GEMV ops of a decode step, in matrixSpecs order. */
const STEP_GEMVS = ['qkv', 'out', 'up', 'down'] as const;

/**
 * Residency of each GEMV op of a decode step: the op as the layer runs it (cycling the step's
 * layers) against its resident twin, interleaved, budgetMs shared between the ops.
 */
export async function stepResidency(
  gpu: Gpu,
  timer: Timer,
  step: DecodeStep,
  budgetMs: number,
  signal?: AbortSignal,
): Promise<Record<string, Residency>> {
  const { plan } = step;
  const specs = matrixSpecs(plan.slice, plan.format, plan.seed, 0, plan.groupSize);
  const target = gpu.adapter.isSoftware ? RESIDENT_BYTES.software : RESIDENT_BYTES.hardware;
  const out: Record<string, Residency> = {};
  for (const [index, op] of STEP_GEMVS.entries()) {
    const m = specs[index];
    const stage = step.stages(0).findIndex((s) => s.op === op);
    if (stage < 0) continue;
    const resident = await prepareResidentStepGemv(
      gpu,
      m,
      {
        rows: plan.batch,
        residual: op === 'out' || op === 'down',
        ...(op === 'down' && step.gateFused ? { gated: plan.slice.gating } : {}),
      },
      target,
    );
    try {
      let layer = 0;
      const streamed = kernelSampler(timer, `decode-step.${op}`, (pass) => {
        step.stages(layer)[stage].run.encode(pass);
        layer = (layer + 1) % plan.layersCycled;
      });
      const residentRun = resident.run;
      out[op] = await measureResidency(
        {
          sampler: kernelSampler(timer, `decode-step.${op}.resident`, (p) => residentRun.encode(p)),
          bytes: resident.bytes,
        },
        {
          sampler: streamed,
          bytes: gemvCallBytes({
            k: m.k,
            n: m.n,
            rows: plan.batch,
            format: m.format,
            groupSize: m.groupSize,
          }),
        },
        `decode-step.${op}`,
        { budgetMs: budgetMs / STEP_GEMVS.length, signal },
      );
    } finally {
      resident.destroy();
    }
  }
  return out;
}
