// The LM head measured, not estimated: the vocab-wide GEMV after the last layer (hidden × vocab, in
// the step's weight format; f16 when the model ties it to the embeddings), with the step's batch as
// its rows. Where the device cannot hold the whole matrix in one buffer — or on a software adapter,
// where the step itself is a 1/tp slice — a 1/slices column slice is timed and the time scaled by
// slices (the GEMV's time is proportional to its columns: each column is an independent dot product
// over the same x), and said so. Verified first on 64 of its columns against the f64 reference.

import type { Gpu } from '../gpu/gpu.ts';
import { gemvLayout } from '../kernels/gemv-common.ts';
import type { DecodePlan } from '../model/decode-plan.ts';
import { createWeights, registryGemv } from '../model/step-gemv.ts';
import { fillOnGpu, streamKey, valueAt } from '../model/synthetic.ts';
import { lmHeadSpec, type MatrixSpec, UNIT_EXP0, weightAt } from '../model/weights.ts';
import { compareToReference } from '../reference/compare.ts';
import type { StepContext } from './measure-step.ts';
import { kernelSampler, measure } from './sample.ts';

/** Columns of the head checked against the f64 reference before timing. */
const CHECKED_COLUMNS = 64;
/** GEMV tolerance (f32 sums over k up to 12288). */
const TOLERANCE = { atol: 2e-4, rtol: 2e-4 };

export interface LmHeadTiming {
  /** Median of the slice timed, ms. */
  sliceMs: number;
  /** The slice was 1/slices of the head's columns (1: the whole head). */
  slices: number;
  /** sliceMs × slices: the whole head on this GPU. */
  ms: number;
  /** Bytes the slice's GEMV moved per call (weights, scales, x and y). */
  bytes: number;
  note: string;
}

/**
 * The fewest column slices (≥ minSlices) that divide the vocabulary into widths the GEMV takes
 * (a multiple of 4) and whose weights fit one buffer of this device.
 */
export function lmHeadSlices(
  gpu: Pick<Gpu, 'limits'>,
  plan: Pick<DecodePlan, 'model' | 'format' | 'groupSize' | 'seed'>,
  minSlices: number,
): number {
  const { vocab } = plan.model;
  for (let s = Math.max(1, minSlices); s <= vocab / 4; s++) {
    if (vocab % s !== 0 || (vocab / s) % 4 !== 0) continue;
    const m = lmHeadSpec(plan.model, plan.format, plan.seed, s, plan.groupSize);
    const layout = gemvLayout({ k: m.k, n: m.n, format: m.format, groupSize: m.groupSize });
    if (layout.weightBytes <= gpu.limits.maxBufferSize) return s;
  }
  throw new Error(
    `lmHead: no column slice of ${plan.model.id}'s ${vocab}-wide head fits this device's maxBufferSize of ${gpu.limits.maxBufferSize} bytes`,
  );
}

/** y[r][j] of the slice in f64 for the checked columns (r < rows). */
function referenceColumns(m: MatrixSpec, x: Float64Array, rows: number, columns: number[]): Float64Array {
  const out = new Float64Array(rows * columns.length);
  columns.forEach((j, c) => {
    for (let i = 0; i < m.k; i++) {
      const w = weightAt(m, i, j);
      for (let r = 0; r < rows; r++) out[r * columns.length + c] += x[r * m.k + i] * w;
    }
  });
  return out;
}

/** Verifies, then times the LM head (or its column slice); throws when it differs from the reference. */
export async function measureLmHead(
  ctx: StepContext,
  plan: DecodePlan,
  budgetMs: number,
): Promise<LmHeadTiming> {
  const { gpu, timer } = ctx;
  const slices = lmHeadSlices(gpu, plan, gpu.adapter.isSoftware ? plan.tp : 1);
  const m = lmHeadSpec(plan.model, plan.format, plan.seed, slices, plan.groupSize);
  const rows = plan.batch;
  const xKey = streamKey(plan.seed, 'lm-head', 'x');
  const owned: { destroy(): void }[] = [];
  try {
    const w = await createWeights(gpu, 'lmHead', m);
    owned.push(w);
    const x = gpu.buffer('lmHead.x', 4 * rows * m.k);
    const y = gpu.buffer('lmHead.y', 4 * rows * m.n);
    owned.push(x, y);
    await fillOnGpu(gpu, 'lmHead.x', x, { kind: 'f32', key: xKey, count: rows * m.k, exp0: UNIT_EXP0 });
    const run = await registryGemv.prepare(gpu, m, w, { rows, x, y });
    owned.push(run);

    const encoder = gpu.device.createCommandEncoder({ label: 'lmHead.verify' });
    const pass = encoder.beginComputePass({ label: 'lmHead.verify' });
    run.encode(pass);
    pass.end();
    gpu.device.queue.submit([encoder.finish()]);
    const got = new Float32Array(await gpu.read(y, 4 * rows * m.n));
    const columns = Array.from({ length: Math.min(CHECKED_COLUMNS, m.n) }, (_, c) =>
      Math.floor((c * m.n) / Math.min(CHECKED_COLUMNS, m.n)),
    );
    const xs = Float64Array.from({ length: rows * m.k }, (_, e) => valueAt(xKey, UNIT_EXP0, e));
    const expected = referenceColumns(m, xs, rows, columns);
    const picked = new Float64Array(expected.length);
    for (let r = 0; r < rows; r++) {
      columns.forEach((j, c) => {
        picked[r * columns.length + c] = got[r * m.n + j];
      });
    }
    const check = compareToReference(picked, expected, TOLERANCE);
    if (!check.ok) throw new Error(`lmHead: differs from the f64 reference: ${check.failure}`);

    const measured = await measure(
      kernelSampler(timer, 'lm-head', (p) => run.encode(p)),
      'lm-head',
      {
        budgetMs,
        signal: ctx.signal,
      },
    );
    const sliceMs = measured.latencyMs.median;
    const layout = gemvLayout({ k: m.k, n: m.n, format: m.format, groupSize: m.groupSize });
    const bytes = layout.weightBytes + layout.scaleBytes + 4 * rows * (m.k + m.n);
    const what = `${m.k} × ${m.n} ${m.format}${m.groupSize ? `/g${m.groupSize}` : ''}`;
    const note =
      slices === 1
        ? `LM head measured: the whole ${what} GEMV, ${sliceMs.toPrecision(4)} ms (verified on ${columns.length} columns)`
        : `LM head measured on a 1/${slices} column slice (${what}${gpu.adapter.isSoftware ? ', scaled down for the software adapter' : ", the whole head exceeds this device's maxBufferSize"}): ${sliceMs.toPrecision(4)} ms × ${slices} (verified on ${columns.length} columns)`;
    return { sliceMs, slices, ms: sliceMs * slices, bytes, note };
  } finally {
    for (const o of owned.reverse()) o.destroy();
  }
}
