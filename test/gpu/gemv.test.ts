// The GEMV kernels on a real adapter against the f64 reference on the dequantised weights: every
// kernel × odd sizes × 1, 3 and 16 rows, on both the GPU path (split-k, reduce pass) and the CPU
// path (one split, small workgroups); the fused residual epilogue and gated prologue; weights bound
// as several ranges (the real-width path); the int4 range; the library API and its limits.

import { describe, expect, it } from 'vitest';
import { gemv } from '../../src/api.ts';
import { UnsupportedProblemError } from '../../src/gpu/errors.ts';
import type { Gpu } from '../../src/gpu/gpu.ts';
import { type GateActivation, type GemvProblem, gemvLayout } from '../../src/kernels/gemv-common.ts';
import {
  type ConfigurableGemvKernel,
  checkGemvFits,
  type GemvTunables,
  planGemv,
} from '../../src/kernels/gemv-plan.ts';
import { packActivations, padRows } from '../../src/kernels/gemv-validate.ts';
import { type QuantizedMatrix, quantize } from '../../src/kernels/quantize.ts';
import { gemvKernels, missingFeatures } from '../../src/kernels/registry.ts';
import { layerMatrices, models, type WeightFormat } from '../../src/model/shapes.ts';
import { compareToReference } from '../../src/reference/compare.ts';
import { gemvReference } from '../../src/reference/gemv.ts';
import { randomArray, useGpu } from './gpu-harness.ts';

// f32 sums over k ≤ 257 of products of magnitude ≤ 1 (the weights' own rounding is in the reference).
const TOL = { atol: 2e-5, rtol: 2e-4 };

interface Call {
  rows: number;
  residual?: Float32Array;
  gate?: GateActivation;
}

/** Runs one kernel once, uploading in the kernels' layout; returns y (rows × n). */
async function run(
  gpu: Gpu,
  kernel: ConfigurableGemvKernel,
  tunables: GemvTunables,
  x: Float32Array,
  qw: QuantizedMatrix,
  call: Call,
): Promise<Float32Array> {
  const problem: GemvProblem = {
    k: qw.k,
    n: qw.n,
    rows: call.rows,
    format: qw.format,
    ...(qw.groupSize ? { groupSize: qw.groupSize } : {}),
    ...(call.residual ? { residual: true } : {}),
    ...(call.gate ? { gate: call.gate } : {}),
  };
  const layout = gemvLayout(problem);
  const io = {
    x: gpu.upload('test.x', packActivations(x, problem, layout)),
    weights: gpu.upload('test.weights', qw.weights),
    scales: qw.scales ? gpu.upload('test.scales', qw.scales) : undefined,
    residual: call.residual
      ? gpu.upload('test.residual', padRows(call.residual, call.rows, qw.n, layout.nPadded))
      : undefined,
    y: gpu.buffer('test.y', 4 * call.rows * layout.nPadded),
  };
  const prepared = await kernel.configure(tunables).prepare(gpu, problem, io);
  const encoder = gpu.device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  prepared.encode(pass);
  pass.end();
  gpu.device.queue.submit([encoder.finish()]);
  const padded = new Float32Array(await gpu.read(io.y, 4 * call.rows * layout.nPadded));
  prepared.destroy();
  for (const buffer of Object.values(io)) buffer?.destroy();
  const y = new Float32Array(call.rows * qw.n);
  for (let r = 0; r < call.rows; r++)
    y.set(padded.subarray(r * layout.nPadded, r * layout.nPadded + qw.n), r * qw.n);
  return y;
}

function expectClose(actual: Float32Array, expected: ArrayLike<number>, tol = TOL): void {
  const result = compareToReference(actual, expected, tol);
  expect(result.failure, result.failure).toBeUndefined();
}

/** Skips (loudly, with the reason) a kernel this adapter lacks the features for. */
function needsFeatures(gpu: Gpu, kernel: ConfigurableGemvKernel, skip: (reason: string) => void): void {
  const missing = missingFeatures(gpu, kernel);
  if (missing.length) skip(`this adapter lacks ${missing.join(', ')}`);
}

const KERNELS = Object.values(gemvKernels).map((kernel) => ({
  name: kernel.name,
  kernel: kernel as ConfigurableGemvKernel,
  format: (kernel.name === 'gemv-f16-native' ? 'f16' : kernel.name.slice(5)) as WeightFormat,
}));
const PATHS: { path: string; tunables: GemvTunables }[] = [
  { path: 'GPU path', tunables: { software: false } },
  { path: 'CPU path', tunables: { software: true } },
];
const SIZES = [
  { k: 97, n: 3 },
  { k: 200, n: 1 },
  { k: 257, n: 129 },
];
const CASES = SIZES.flatMap((size) => [1, 3, 16].map((rows) => ({ ...size, rows })));

describe.each(PATHS)('GEMV kernels, $path, against the f64 reference', ({ tunables }) => {
  const gpu = useGpu();

  describe.each(KERNELS)('$name', ({ kernel, format }) => {
    it('control: k=256 n=64, 1 row (no padding anywhere)', async ({ skip }) => {
      needsFeatures(gpu(), kernel, skip);
      const qw = quantize(randomArray(256 * 64, 1), { k: 256, n: 64, format });
      const x = randomArray(256, 2);
      expectClose(await run(gpu(), kernel, tunables, x, qw, { rows: 1 }), gemvReference(x, qw, { rows: 1 }));
    });

    it.for(CASES)('k=$k n=$n rows=$rows', async ({ k, n, rows }, { skip }) => {
      needsFeatures(gpu(), kernel, skip);
      const qw = quantize(randomArray(k * n, k + n), { k, n, format });
      const x = randomArray(rows * k, rows);
      expectClose(await run(gpu(), kernel, tunables, x, qw, { rows }), gemvReference(x, qw, { rows }));
    });

    it('residual epilogue: k=257 n=129 rows=3', async ({ skip }) => {
      needsFeatures(gpu(), kernel, skip);
      const qw = quantize(randomArray(257 * 129, 5), { k: 257, n: 129, format });
      const x = randomArray(3 * 257, 6);
      const residual = randomArray(3 * 129, 7);
      const y = await run(gpu(), kernel, tunables, x, qw, { rows: 3, residual });
      expectClose(y, gemvReference(x, qw, { rows: 3, residual }));
    });
  });
});

describe('GEMV split-k, gating and weight bindings', () => {
  const gpu = useGpu();
  const int4 = gemvKernels['gemv-int4'] as ConfigurableGemvKernel;
  const f16 = gemvKernels['gemv-f16'] as ConfigurableGemvKernel;
  const f32 = gemvKernels['gemv-f32'] as ConfigurableGemvKernel;

  it.each([
    { kernel: int4, format: 'int4' as const, splits: 3, residual: false },
    { kernel: int4, format: 'int4' as const, splits: 5, residual: true },
    { kernel: f16, format: 'f16' as const, splits: 4, residual: true },
  ])(
    '$format split into $splits ranges of k (residual $residual): k=257 n=129 rows=3',
    async ({ kernel, format, splits, residual }) => {
      const tunables = { software: false, splits };
      const problem = { k: 257, n: 129, rows: 3, format };
      expect(planGemv(gpu(), problem, tunables).totalSplits).toBe(splits);
      const qw = quantize(randomArray(257 * 129, 8), { k: 257, n: 129, format });
      const x = randomArray(3 * 257, 9);
      const r = residual ? randomArray(3 * 129, 10) : undefined;
      const y = await run(gpu(), kernel, tunables, x, qw, { rows: 3, residual: r });
      expectClose(y, gemvReference(x, qw, { rows: 3, residual: r }));
    },
  );

  it.each([
    { gate: 'gelu' as const, format: 'int4' as const, kernel: int4, splits: 1 },
    { gate: 'silu' as const, format: 'int4' as const, kernel: int4, splits: 3 },
    { gate: 'gelu' as const, format: 'f16' as const, kernel: f16, splits: 2 },
    { gate: 'silu' as const, format: 'f32' as const, kernel: f32, splits: 1 },
  ])(
    'gated prologue $gate ($format, $splits splits): k=97 n=33 rows=3, residual',
    async ({ gate, format, kernel, splits }) => {
      const qw = quantize(randomArray(97 * 33, 11), { k: 97, n: 33, format });
      const g = randomArray(3 * 2 * 97, 12, -3, 3);
      const residual = randomArray(3 * 33, 13);
      const y = await run(gpu(), kernel, { software: false, splits }, g, qw, { rows: 3, gate, residual });
      expectClose(y, gemvReference(g, qw, { rows: 3, gate, residual }), { atol: 1e-4, rtol: 3e-4 });
    },
  );

  it.each([
    { kernel: int4, format: 'int4' as const, groupSize: 64 },
    { kernel: int4, format: 'int4' as const, groupSize: 128 },
    { kernel: f32, format: 'f32' as const, groupSize: undefined },
  ])(
    '$format weights bound as ranges of rows at a small binding limit (group $groupSize)',
    async ({ kernel, format, groupSize }) => {
      const k = 1000;
      const n = 129;
      const problem = { k, n, rows: 3, format, groupSize };
      const tunables = { software: false, bindingBytes: 20 * 4 * 132 };
      const plan = planGemv(gpu(), problem, tunables);
      expect(plan.pieces.length).toBeGreaterThan(2);
      expect(plan.rowsPerBinding * 4 * 132).toBeLessThanOrEqual(20 * 4 * 132);
      const qw = quantize(randomArray(k * n, 14), { k, n, format, groupSize });
      const x = randomArray(3 * k, 15);
      expectClose(await run(gpu(), kernel, tunables, x, qw, { rows: 3 }), gemvReference(x, qw, { rows: 3 }), {
        atol: 1e-4,
        rtol: 3e-4,
      });
    },
  );

  it('int4 nibbles across −8 … 7 decode on the GPU as on the CPU', async () => {
    const qw = quantize(new Float32Array(16 * 4).fill(0.5), { k: 16, n: 4, format: 'int4' });
    for (let i = 0; i < qw.weights.length; i++) qw.weights[i] = (0x8f07_1234 + 0x1111_1111 * i) >>> 0;
    const x = randomArray(16, 16);
    expectClose(await run(gpu(), int4, {}, x, qw, { rows: 1 }), gemvReference(x, qw, { rows: 1 }));
  });
});

describe('gemv() through the library API', () => {
  const gpu = useGpu();

  it.each(['f32', 'f16', 'int8', 'int4'] as const)("'auto' runs %s weights", async (format) => {
    const qw = quantize(randomArray(130 * 70, 17), { k: 130, n: 70, format });
    const x = randomArray(2 * 130, 18);
    const residual = randomArray(2 * 70, 19);
    const y = await gemv(gpu(), x, qw, { rows: 2, residual, kernel: 'auto' });
    expectClose(y, gemvReference(x, qw, { rows: 2, residual }));
  });

  it('gated input through the API (x is rows × 2k)', async () => {
    const qw = quantize(randomArray(64 * 40, 20), { k: 64, n: 40, format: 'int8' });
    const g = randomArray(2 * 128, 21);
    const y = await gemv(gpu(), g, qw, { rows: 2, gate: 'gelu' });
    expectClose(y, gemvReference(g, qw, { rows: 2, gate: 'gelu' }), { atol: 1e-4, rtol: 3e-4 });
  });

  it('a kernel of another format, or one whose features are missing, is refused with the reason', async () => {
    const qw = quantize(randomArray(8 * 4, 22), { k: 8, n: 4, format: 'int8' });
    const x = randomArray(8, 23);
    await expect(gemv(gpu(), x, qw, { rows: 1, kernel: 'gemv-int4' })).rejects.toThrow(
      /stores int4 weights, not int8/,
    );
    await expect(gemv(gpu(), x, qw, { rows: 1, kernel: 'gemv-int5' })).rejects.toThrow(
      /unknown GEMV kernel 'gemv-int5'/,
    );
    if (missingFeatures(gpu(), gemvKernels['gemv-f16-native']).length) {
      const q16 = quantize(randomArray(8 * 4, 22), { k: 8, n: 4, format: 'f16' });
      await expect(gemv(gpu(), x, q16, { rows: 1, kernel: 'gemv-f16-native' })).rejects.toThrow(
        UnsupportedProblemError,
      );
    }
  });

  it('real widths: GLM-130B int4 up projection bound in ranges under a 128 MiB limit; too big is refused', () => {
    const glm = models['glm-130b'];
    const up = layerMatrices(glm).find((m) => m.name === 'up');
    if (!up) throw new Error('no up projection');
    const problem: GemvProblem = { k: up.k, n: up.n, rows: 1, format: 'int4' };
    const limit = 128 * 1024 ** 2;
    const plan = planGemv(gpu(), problem, { software: false, bindingBytes: limit });
    expect(plan.pieces.length).toBe(
      Math.ceil(gemvLayout(problem).weightBytes / (plan.rowsPerBinding * 4 * up.n)),
    );
    expect(plan.pieces.length).toBeGreaterThanOrEqual(3);
    expect(plan.rowsPerBinding * 4 * up.n).toBeLessThanOrEqual(limit);
    const huge: GemvProblem = { k: 1 << 24, n: 1 << 16, rows: 1, format: 'f32' };
    expect(() => checkGemvFits(gpu(), 'gemv-f32', huge, planGemv(gpu(), huge))).toThrow(
      /gemv-f32 weights: 4096\.00 GiB in one buffer, over this device's maxBufferSize/,
    );
    expect(() => planGemv(gpu(), problem, { bindingBytes: 1024 })).toThrow(
      /weights: .* the smallest binding, over this device's maxStorageBufferBindingSize of 1\.0 KiB/,
    );
  });
});
