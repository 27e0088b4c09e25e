// The ops of a decode step besides the GEMVs and attention, on a real adapter, against f64
// references: the weight fill (bit for bit against its CPU twin), RMSNorm and LayerNorm, RoPE fused
// with the KV-cache append, and GeGLU/SwiGLU gating; odd widths, one row and several.

import { describe, expect, it } from 'vitest';
import type { Gpu } from '../../src/gpu/gpu.ts';
import { gate } from '../../src/kernels/gate.ts';
import { createNorm, normKernels } from '../../src/kernels/norm.ts';
import { dequantize, f16Value, toF16 } from '../../src/kernels/quantize.ts';
import { ropeAppend } from '../../src/kernels/rope-append.ts';
import type { KernelRun } from '../../src/kernels/types.ts';
import { models } from '../../src/model/shapes.ts';
import { createWeights } from '../../src/model/step-gemv.ts';
import { fillOnGpu, q4At, q8At, streamKey, valueAt, valuesOf } from '../../src/model/synthetic.ts';
import { matrixSpecs, weightAt } from '../../src/model/weights.ts';
import { compareToReference } from '../../src/reference/compare.ts';
import { gateReference, normReference, ropeReference } from '../../src/reference/decoder-layer.ts';
import { randomArray, useGpu } from './gpu-harness.ts';

const TOL = { atol: 1e-5, rtol: 1e-4 };

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = TOL): void {
  const result = compareToReference(actual, expected, tol);
  expect(result.failure, result.failure).toBeUndefined();
}

async function runOnce(gpu: Gpu, run: KernelRun): Promise<void> {
  const encoder = gpu.device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  run.encode(pass);
  pass.end();
  gpu.device.queue.submit([encoder.finish()]);
  await gpu.idle();
  run.destroy();
}

describe('weight-fill against its CPU twin', () => {
  const gpu = useGpu();

  it.each([
    { kind: 'f32' as const, count: 1001 },
    { kind: 'f16' as const, count: 1001 },
    { kind: 'int8' as const, count: 1003 },
    { kind: 'int4' as const, count: 1005 },
  ])('$kind, $count elements', async ({ kind, count }) => {
    const key = streamKey(7, 'test', kind);
    const exp0 = 9;
    const perWord = { f32: 1, f16: 2, int8: 4, int4: 8 }[kind];
    const words = Math.ceil(count / perWord);
    const buffer = gpu().buffer('test.fill', 4 * words);
    await fillOnGpu(gpu(), 'test.fill', buffer, { kind, key, count, exp0 });
    const raw = await gpu().read(buffer, 4 * words);
    buffer.destroy();
    const got: number[] = [];
    if (kind === 'f32') got.push(...new Float32Array(raw));
    if (kind === 'f16') {
      const halves = new Uint16Array(raw);
      for (const h of halves) {
        const exponent = (h >> 10) & 31;
        const magnitude =
          exponent === 0 ? (h & 1023) * 2 ** -24 : (1 + (h & 1023) / 1024) * 2 ** (exponent - 15);
        got.push(h >> 15 ? -magnitude : magnitude);
      }
    }
    if (kind === 'int8') got.push(...new Int8Array(raw));
    if (kind === 'int4') {
      for (const byte of new Uint8Array(raw)) got.push(((byte & 15) << 28) >> 28, (byte << 24) >> 28);
    }
    const expected = Array.from({ length: words * perWord }, (_, e) => {
      if (e >= count) return 0;
      if (kind === 'int8') return q8At(key, e);
      if (kind === 'int4') return q4At(key, e);
      return valueAt(key, exp0, e);
    });
    expect(got).toEqual(expected);
  });

  it.each([
    { format: 'f32' as const, k: 24, n: 12 },
    { format: 'f16' as const, k: 24, n: 12 },
    { format: 'int8' as const, k: 24, n: 12 },
    { format: 'int4' as const, k: 72, n: 8, groupSize: 32, note: 'a short last group' },
  ])('$format weights in the GEMV layout dequantise to weightAt', async ({ format, k, n, groupSize }) => {
    const shape = { ...models.test, hidden: k, ffn: n / 2 };
    const m = matrixSpecs(shape, format, 5, 0, groupSize)[2];
    expect([m.k, m.n]).toEqual([k, n]);
    const w = await createWeights(gpu(), 'test.w', m);
    const weights = new Uint32Array(await gpu().read(w.values));
    const scales = w.scales ? new Uint32Array(await gpu().read(w.scales)) : undefined;
    w.destroy();
    const got = dequantize({
      format,
      k,
      n,
      ...(groupSize ? { groupSize } : {}),
      weights,
      ...(scales ? { scales } : {}),
    });
    const expected = Array.from({ length: k * n }, (_, e) => weightAt(m, Math.floor(e / n), e % n));
    expect(Array.from(got)).toEqual(expected);
  });

  it('control: another key gives other values', () => {
    const a = valuesOf(streamKey(1, 'a'), 15, 64);
    const b = valuesOf(streamKey(1, 'b'), 15, 64);
    expect(Array.from(a)).not.toEqual(Array.from(b));
    expect(Math.max(...a.map(Math.abs))).toBeLessThan(2);
    expect(Math.min(...a.map(Math.abs))).toBeGreaterThanOrEqual(1 / 8);
  });
});

describe.each(['rmsnorm', 'layernorm'] as const)('%s against the f64 reference', (kind) => {
  const gpu = useGpu();
  // Each adapter kind's workgroup size (64 on CPU adapters, 256 on GPUs), with the same cases.
  const kernels = {
    hardware: createNorm(kind, { adapterKind: 'hardware' }),
    software: createNorm(kind, { adapterKind: 'software' }),
  };

  it.each(
    (['hardware', 'software'] as const).flatMap((adapterKind) =>
      [
        { rows: 1, width: 256, note: 'one row, power of two' },
        { rows: 3, width: 97, note: 'prime width' },
        { rows: 2, width: 1025, note: 'wider than a workgroup, ragged' },
        { rows: 1, width: 1, note: 'width 1' },
        { rows: 4, width: 300, offset: 50, note: 'mean far from zero' },
      ].map((c) => ({ ...c, adapterKind })),
    ),
  )('$adapterKind path, $note: rows=$rows width=$width', async ({ rows, width, offset = 0, adapterKind }) => {
    const x = randomArray(rows * width, 11, offset - 1, offset + 1);
    const gamma = randomArray(width, 12, 0.5, 1.5);
    const beta = randomArray(width, 13);
    const io = {
      x: gpu().upload('test.x', x),
      gamma: gpu().upload('test.gamma', gamma),
      beta: gpu().upload('test.beta', beta),
      y: gpu().buffer('test.y', 4 * rows * width),
    };
    await runOnce(gpu(), await kernels[adapterKind].prepare(gpu(), { rows, width, eps: 1e-5 }, io));
    const y = new Float32Array(await gpu().read(io.y, 4 * rows * width));
    for (const b of Object.values(io)) b.destroy();
    // rmsnorm of rows with a large mean is well conditioned; layernorm of them loses f32 digits of the mean.
    const tol = kind === 'layernorm' && offset ? { atol: 1e-3, rtol: 1e-3 } : { atol: 1e-5, rtol: 2e-4 };
    expectClose(y, normReference(kind, x, rows, width, gamma, beta, 1e-5), tol);
  });

  it('bad input names the field', async () => {
    const b = gpu().buffer('test.b', 16);
    await expect(
      normKernels[kind].prepare(gpu(), { rows: 0, width: 4, eps: 1e-5 }, { x: b, gamma: b, beta: b, y: b }),
    ).rejects.toThrow(/rows: expected a positive integer, got 0/);
    b.destroy();
  });
});

/** A cache of `rows` rows in the rope-append layout: f32 rows, or packed f16 rows of hv vec2<u32>. */
function cacheLayout(kvF16: boolean, headDim: number) {
  const stride = kvF16 ? 4 * Math.ceil(headDim / 4) : headDim;
  return { stride, bytesPerRow: kvF16 ? 2 * stride : 4 * stride };
}

/** The cache's values, unpacked: f32 as read, or each f16 half (low half first) as its value. */
function cacheValues(bytes: ArrayBuffer, kvF16: boolean): Float64Array {
  if (!kvF16) return Float64Array.from(new Float32Array(bytes));
  const halves = new Uint16Array(bytes);
  return Float64Array.from(halves, (h) => f16Value(h));
}

describe.each([
  { kvF16: false, cache: 'f32 cache' },
  { kvF16: true, cache: 'packed f16 cache (decode-f16 layout)' },
])('rope-append against the f64 reference, $cache', ({ kvF16 }) => {
  const gpu = useGpu();

  it.each([
    { batch: 1, heads: 4, kvHeads: 2, headDim: 64, capacity: 9, position: 8, note: 'GQA, last row' },
    {
      batch: 3,
      heads: 2,
      kvHeads: 2,
      headDim: 6,
      capacity: 5,
      position: 2,
      note: 'MHA, batch 3, middle row (headDim 6: padded slots)',
    },
    {
      batch: 2,
      heads: 3,
      kvHeads: 1,
      headDim: 128,
      capacity: 2048,
      position: 2047,
      note: 'long context: large angles',
    },
    { batch: 1, heads: 1, kvHeads: 1, headDim: 2, capacity: 1, position: 0, note: 'position 0: no rotation' },
  ])('$note', async ({ batch, heads, kvHeads, headDim, capacity, position }) => {
    const base = 10000;
    const cols = (heads + 2 * kvHeads) * headDim;
    const qkv = randomArray(batch * cols, 21);
    const { stride, bytesPerRow } = cacheLayout(kvF16, headDim);
    const rows = batch * kvHeads * capacity;
    // Sentinel 7 everywhere (as f32, or as f16 halves 0x4700): rows and padding not written keep it.
    const sentinel = kvF16
      ? new Uint32Array((rows * bytesPerRow) / 4).fill(0x47004700)
      : new Float32Array(rows * stride).fill(7);
    const io = {
      qkv: gpu().upload('test.qkv', qkv),
      q: gpu().buffer('test.q', 4 * batch * heads * headDim),
      kCache: gpu().upload('test.k', sentinel),
      vCache: gpu().upload('test.v', sentinel),
    };
    const problem = { batch, heads, kvHeads, headDim, capacity, position, base, kvF16 };
    await runOnce(gpu(), await ropeAppend.prepare(gpu(), problem, io));
    const q = new Float32Array(await gpu().read(io.q, 4 * batch * heads * headDim));
    const k = cacheValues(await gpu().read(io.kCache, rows * bytesPerRow), kvF16);
    const v = cacheValues(await gpu().read(io.vCache, rows * bytesPerRow), kvF16);
    for (const b of Object.values(io)) b.destroy();

    // The cache holds f16 values: the reference rounds K and V to f16 (nearest even) as they go in.
    const stored = kvF16 ? (x: number) => toF16(x) : (x: number) => x;
    const qRef = new Float64Array(q.length);
    const kRef = new Float64Array(rows * stride).fill(7);
    const kExact = new Float64Array(rows * stride).fill(7);
    const vRef = new Float64Array(rows * stride).fill(7);
    for (let b = 0; b < batch; b++) {
      for (let h = 0; h < heads; h++) {
        qRef.set(
          ropeReference(qkv.subarray(b * cols + h * headDim), headDim, position, base),
          (b * heads + h) * headDim,
        );
      }
      for (let h = 0; h < kvHeads; h++) {
        const at = ((b * kvHeads + h) * capacity + position) * stride;
        const kRow = ropeReference(qkv.subarray(b * cols + (heads + h) * headDim), headDim, position, base);
        const vRow = qkv.subarray(b * cols + (heads + kvHeads + h) * headDim);
        for (let d = 0; d < headDim; d++) {
          kRef[at + d] = stored(kRow[d]);
          kExact[at + d] = kRow[d];
          vRef[at + d] = stored(vRow[d]);
        }
      }
    }
    expectClose(q, qRef);
    // f16: pack2x16float may round either way at a tie's neighbourhood; one f16 ulp (2^-10 relative).
    const cacheTol = kvF16 ? { atol: 1e-6, rtol: 2 ** -10 } : TOL;
    expectClose(k, kRef, cacheTol);
    expectClose(v, vRef, cacheTol);
    // Control: an f16 cache does not hold the unrounded f32 values (an f32 one does, exactly).
    expect(compareToReference(k, kExact, { atol: 1e-6, rtol: 1e-5 }).ok).toBe(!kvF16);
  });

  it.each([
    { field: 'headDim', change: { headDim: 5 }, message: /headDim: RoPE needs an even head size/ },
    {
      field: 'position',
      change: { position: 4 },
      message: /position: expected a whole number from 0 to capacity − 1 \(3\)/,
    },
    { field: 'kvHeads', change: { kvHeads: 3 }, message: /kvHeads: must divide heads \(4\)/ },
  ])('bad $field names the field and the limit', async ({ change, message }) => {
    const b = gpu().buffer('test.b', 16);
    const problem = {
      batch: 1,
      heads: 4,
      kvHeads: 2,
      headDim: 4,
      capacity: 4,
      position: 0,
      base: 10000,
      ...change,
    };
    await expect(ropeAppend.prepare(gpu(), problem, { qkv: b, q: b, kCache: b, vCache: b })).rejects.toThrow(
      message,
    );
    b.destroy();
  });
});

describe('gate against the f64 reference', () => {
  const gpu = useGpu();

  it.each([
    { gating: 'swiglu' as const, rows: 1, ffn: 344 },
    { gating: 'geglu' as const, rows: 1, ffn: 344 },
    { gating: 'swiglu' as const, rows: 3, ffn: 97 },
    { gating: 'geglu' as const, rows: 16, ffn: 33, scale: 20, note: 'large inputs: saturation' },
    { gating: 'swiglu' as const, rows: 2, ffn: 33, scale: 120, note: 'inputs past exp overflow' },
  ])('$gating rows=$rows ffn=$ffn', async ({ gating, rows, ffn, scale = 3 }) => {
    const up = randomArray(rows * 2 * ffn, 31, -scale, scale);
    const io = { up: gpu().upload('test.up', up), h: gpu().buffer('test.h', 4 * rows * ffn) };
    await runOnce(gpu(), await gate.prepare(gpu(), { rows, ffn, gating }, io));
    const h = new Float32Array(await gpu().read(io.h, 4 * rows * ffn));
    for (const b of Object.values(io)) b.destroy();
    expectClose(h, gateReference(up, rows, ffn, gating), { atol: 1e-5, rtol: 1e-4 });
  });

  it('control: GeGLU and SwiGLU differ', () => {
    const up = randomArray(2 * 8, 32, -3, 3);
    expect(Array.from(gateReference(up, 1, 8, 'geglu'))).not.toEqual(
      Array.from(gateReference(up, 1, 8, 'swiglu')),
    );
  });
});
