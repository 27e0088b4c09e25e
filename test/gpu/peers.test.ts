// The peer libraries on tiny problems: TF.js WebGPU and ONNX Runtime Web (fused and composed lines) on
// attnscope's own device and gpu.js (its mode as really run), each checked against the same f64
// reference as attnscope's kernels, and timed.

import { afterAll, describe, expect, it } from 'vitest';
import { attentionData, matmulData } from '../../src/measure/cases.ts';
import { runBenchmarks } from '../../src/measure/run.ts';
import { createPeer, type Peer, peerNames } from '../../src/peers/index.ts';
import { attentionReference } from '../../src/reference/attention.ts';
import { compareToReference } from '../../src/reference/compare.ts';
import { matmulReference } from '../../src/reference/matmul.ts';
import { useGpu } from './gpu-harness.ts';

const TOL = { atol: 1e-4, rtol: 1e-3 };

describe.each(peerNames.map((name) => ({ name })))('peer $name', ({ name }) => {
  const gpu = useGpu();
  let peer: Peer | undefined;
  const getPeer = async () => {
    peer ??= await createPeer(name, gpu());
    return peer;
  };
  afterAll(async () => {
    await peer?.dispose();
  });

  it.each([
    { label: 'control 32×32×32', m: 32, k: 32, n: 32 },
    { label: 'uneven 17×33×9', m: 17, k: 33, n: 9 },
  ])('matmul $label matches the f64 reference', async ({ m, k, n }) => {
    const p = await getPeer();
    if (name === 'onnxruntime-web-composed') {
      // Attention only: ORT's MatMul is the 'onnxruntime-web' line's.
      expect(p.matmul).toBeUndefined();
      return;
    }
    const c = { kind: 'matmul' as const, m, k, n };
    const data = matmulData(c);
    const op = await p.matmul!(c, data);
    try {
      const check = compareToReference(await op.output(), matmulReference(data.a, data.b, { m, k, n }), TOL);
      expect(check.failure, check.failure).toBeUndefined();
      const ms = await op.time(3);
      expect(ms).toBeGreaterThan(0);
      expect(op.notes.length).toBeGreaterThan(10);
    } finally {
      op.dispose();
    }
  });

  it.each([
    { label: 'prefill 2×19×19×8', seqQ: 19, seqK: 19 },
    { label: 'decode 2×1×37×8', seqQ: 1, seqK: 37 },
  ])('attention $label matches the f64 reference', async ({ seqQ, seqK }) => {
    const p = await getPeer();
    const c = { kind: 'attention' as const, heads: 2, seqQ, seqK, headDim: 8, causal: false };
    const data = attentionData(c);
    const scale = 1 / Math.sqrt(8);
    const op = await p.attention!(c, data, scale);
    try {
      const { kind: _, ...shape } = c;
      const expected = attentionReference(data.q, data.k, data.v, { ...shape, scale });
      const check = compareToReference(await op.output(), expected, TOL);
      expect(check.failure, check.failure).toBeUndefined();
    } finally {
      op.dispose();
    }
  });

  it('records what really ran', async () => {
    const p = await getPeer();
    const c = { kind: 'matmul' as const, m: 8, k: 8, n: 8 };
    const a = { kind: 'attention' as const, heads: 1, seqQ: 4, seqK: 4, headDim: 8, causal: false };
    const op = p.matmul ? await p.matmul(c, matmulData(c)) : await p.attention!(a, attentionData(a), 0.5);
    try {
      if (name.startsWith('onnxruntime-web')) {
        // The version and execution provider that ran (sessions refuse CPU fallback).
        expect(op.params).toMatchObject({
          backend: 'webgpu',
          ep: 'webgpu',
          ortVersion: '1.30.0',
          device: 'shared',
        });
        expect(op.notes).toMatch(/WebGPU execution provider on attnscope's own GPUDevice/);
        expect(op.notes).toMatch(name === 'onnxruntime-web' ? /MatMul/ : /Softmax/);
      } else if (name === 'tfjs-webgpu') {
        expect(op.params).toMatchObject({ backend: 'webgpu', device: 'shared' });
        expect(op.notes).toMatch(/attnscope's own GPUDevice/);
      } else {
        // The mode gpu.js really ran (it falls back silently): webgpu here when the adapter is lent.
        expect(['webgpu', 'cpu', 'webgl', 'webgl2', 'headlessgl', 'webasm']).toContain(op.params.mode);
        expect(op.notes).toContain(`ran in ${op.params.mode} mode`);
      }
    } finally {
      op.dispose();
    }
  });
});

describe('peers in a run', () => {
  const gpu = useGpu();

  it('results carry impl = the peer, verified against the same reference', async () => {
    const file = await runBenchmarks(gpu(), {
      config: {
        heads: 1,
        headDim: 8,
        seqLens: [16],
        blockSize: 8,
        patterns: ['random'],
        densities: [0.5],
        decodeKv: [32],
        matmulSizes: [24],
        peers: true,
        suites: ['peers'],
        // Nine peer configurations (four libraries' lines, ORT's also on the decode problem).
        budgetMs: 4_000,
      },
      registry: [],
      peers: () => import('../../src/peers/index.ts'),
    });
    expect(file.status).toBe('complete');
    const impls = new Set(file.results.map((r) => r.impl));
    expect(impls).toEqual(new Set(['tfjs-webgpu', 'gpu.js', 'onnxruntime-web', 'onnxruntime-web-composed']));
    // ORT's fused line also on the decode problem.
    expect(file.results.some((r) => r.impl === 'onnxruntime-web' && r.op === 'decode')).toBe(true);
    for (const r of file.results) {
      expect(r.verified, `${r.id}: ${r.error}`).toBe(true);
      expect(r.latencyMs?.samples).toBeGreaterThanOrEqual(10);
      expect(r.notes).toMatch(/timed by/);
    }
    // openGpu keeps telling Node from a browser: the navigator lent to the peers is gone.
    expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeUndefined();
  });
});
