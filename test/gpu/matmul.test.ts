// tiled matmul on a real adapter: against the f64 reference over odd sizes (both entry points, staged
// and direct), with the fused epilogue, and against naive; configuration checks with messages.

import { describe, expect, it } from 'vitest';
import { matmul } from '../../src/api.ts';
import type { Gpu } from '../../src/gpu/gpu.ts';
import { selectMatmulKernel } from '../../src/kernels/registry.ts';
import {
  checkTiledConfig,
  type TiledConfig,
  tiled,
  tiledMatmul,
  tiledWorkgroupBytes,
} from '../../src/kernels/tiled-matmul.ts';
import type { MatmulKernel, MatmulProblem } from '../../src/kernels/types.ts';
import { compareToReference } from '../../src/reference/compare.ts';
import { type Activation, matmulReference } from '../../src/reference/matmul.ts';
import { randomArray, useGpu } from './gpu-harness.ts';

const TOL = { atol: 1e-5, rtol: 1e-4 };

/** Runs one kernel once on arrays (the library API only knows registered names). */
async function run(
  gpu: Gpu,
  kernel: MatmulKernel,
  a: Float32Array,
  b: Float32Array,
  problem: MatmulProblem,
  bias?: Float32Array,
): Promise<Float32Array> {
  const io = {
    a: gpu.upload('test.a', a),
    b: gpu.upload('test.b', b),
    c: gpu.buffer('test.c', 4 * problem.m * problem.n),
    bias: bias ? gpu.upload('test.bias', bias) : undefined,
  };
  const prepared = await kernel.prepare(gpu, problem, io);
  const encoder = gpu.device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  prepared.encode(pass);
  pass.end();
  gpu.device.queue.submit([encoder.finish()]);
  const c = new Float32Array(await gpu.read(io.c, 4 * problem.m * problem.n));
  prepared.destroy();
  for (const buffer of [io.a, io.b, io.c, io.bias]) buffer?.destroy();
  return c;
}

function expectClose(actual: Float32Array, expected: ArrayLike<number>, tol = TOL): void {
  const result = compareToReference(actual, expected, tol);
  expect(result.failure, result.failure).toBeUndefined();
}

const STAGED: TiledConfig = { wgX: 8, wgY: 8, tileK: 16, staged: true };
const DIRECT: TiledConfig = { wgX: 16, wgY: 4, tileK: 16, staged: false };
const ODD = [1, 3, 17, 31, 33, 63, 65, 97, 129];

describe.each([
  { mode: 'staged', config: STAGED },
  { mode: 'direct', config: DIRECT },
  { mode: 'staged, wide', config: { ...STAGED, wide: true } },
  { mode: 'direct, wide', config: { ...DIRECT, wgX: 4, wgY: 8, wide: true } },
])('tiled ($mode) against the f64 reference', ({ config }) => {
  const gpu = useGpu();
  const kernel = tiledMatmul(config);

  it.each(ODD.map((s) => ({ m: s, k: s, n: s })))('scalar path m=k=n=$m', async ({ m, k, n }) => {
    const a = randomArray(m * k, 1);
    const b = randomArray(k * n, 2);
    expectClose(await run(gpu(), kernel, a, b, { m, k, n }), matmulReference(a, b, { m, k, n }));
  });

  it.each([
    { m: 97, k: 64, n: 64, note: 'vec4, m ragged' },
    { m: 64, k: 4, n: 128, note: 'vec4, k one step' },
    { m: 33, k: 132, n: 36, note: 'vec4, k and n not tile multiples' },
    { m: 1, k: 256, n: 4, note: 'vec4, one row' },
    { m: 65, k: 64, n: 63, note: 'scalar, n odd' },
    { m: 31, k: 17, n: 64, note: 'scalar, k odd' },
    { m: 129, k: 3, n: 1, note: 'scalar, n = 1' },
  ])('$note: m=$m k=$k n=$n', async ({ m, k, n }) => {
    const a = randomArray(m * k, 3);
    const b = randomArray(k * n, 4);
    expectClose(await run(gpu(), kernel, a, b, { m, k, n }), matmulReference(a, b, { m, k, n }));
  });

  it.each([
    { m: 33, k: 64, n: 96, activation: 'none' as Activation },
    { m: 33, k: 64, n: 96, activation: 'gelu' as Activation },
    { m: 17, k: 31, n: 65, activation: 'gelu' as Activation },
    { m: 3, k: 129, n: 33, activation: 'none' as Activation },
  ])('bias + $activation m=$m k=$k n=$n', async ({ m, k, n, activation }) => {
    const a = randomArray(m * k, 5);
    const b = randomArray(k * n, 6);
    const bias = randomArray(n, 7);
    const c = await run(gpu(), kernel, a, b, { m, k, n, bias: true, activation }, bias);
    expectClose(c, matmulReference(a, b, { m, k, n, bias, activation }));
  });

  it('gelu without bias, large values stay finite', async () => {
    const m = 20;
    const k = 40;
    const n = 24;
    const a = randomArray(m * k, 8, -4, 4);
    const b = randomArray(k * n, 9, -4, 4);
    const c = await run(gpu(), kernel, a, b, { m, k, n, activation: 'gelu' });
    expect(c.every(Number.isFinite)).toBe(true);
    expectClose(c, matmulReference(a, b, { m, k, n, activation: 'gelu' }), { atol: 1e-4, rtol: 1e-4 });
  });
});

describe('tiled through the library API', () => {
  const gpu = useGpu();

  it.each([
    { m: 65, k: 97, n: 33 },
    { m: 128, k: 128, n: 128 },
  ])('agrees with naive: m=$m k=$k n=$n', async ({ m, k, n }) => {
    const a = randomArray(m * k, 11);
    const b = randomArray(k * n, 12);
    const bias = randomArray(n, 13);
    const options = { m, k, n, bias, activation: 'gelu' as Activation };
    const fromTiled = await matmul(gpu(), a, b, { ...options, kernel: 'tiled' });
    const fromNaive = await matmul(gpu(), a, b, { ...options, kernel: 'naive' });
    expectClose(fromTiled, fromNaive, { atol: 2e-5, rtol: 2e-4 });
  });

  it("'auto' picks tiled", async () => {
    expect(selectMatmulKernel(gpu(), { m: 3, k: 3, n: 3 }, 'auto')).toBe(tiled);
    const a = randomArray(9, 1);
    const c = await matmul(gpu(), a, a, { m: 3, k: 3, n: 3, kernel: 'auto' });
    expectClose(c, matmulReference(a, a, { m: 3, k: 3, n: 3 }));
  });

  it('rejects a configuration over the workgroup memory limit, naming it', async () => {
    const config = { wgX: 16, wgY: 16, tileK: 64, staged: true };
    expect(tiledWorkgroupBytes(config)).toBe((128 + 64) * 64 * 4);
    const a = randomArray(64, 1);
    await expect(run(gpu(), tiledMatmul(config), a, a, { m: 8, k: 8, n: 8 })).rejects.toThrow(
      /maxComputeWorkgroupStorageSize/,
    );
  });
});

describe('tiled configuration checks', () => {
  it.each([
    { config: { ...STAGED, wgX: 5 }, message: /tiled.wgX: 5 is not one of the allowed values 4, 8, 16/ },
    { config: { ...STAGED, tileK: 12 }, message: /tiled.tileK: 12 is not one of the allowed values/ },
    { config: { ...STAGED, staged: 1 as unknown as boolean }, message: /tiled.staged/ },
    { config: { ...STAGED, wide: 'yes' as unknown as boolean }, message: /tiled.wide/ },
  ])('$message', ({ config, message }) => {
    expect(() => checkTiledConfig(config)).toThrow(message);
    expect(() => tiledMatmul(config)).toThrow(message);
  });
});
