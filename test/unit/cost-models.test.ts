// Every registered kernel's bytes and FLOP model, checked exactly against the formula of its kind
// (it.each over the registry: a new kernel is checked by itself, and one without a formula fails).
// The formulas are written here from the models' definitions in the design, not from the code.

import { describe, expect, it } from 'vitest';
import { findEntry, registry } from '../../src/kernels/registry.ts';
import type { CostModel, KernelEntry, Precision } from '../../src/kernels/types.ts';
import { blockMask } from '../../src/masks/index.ts';

// h=2, seqQ = seqK = 8, headDim 4 (a multiple of 4: packed f16 rows need no padding).
const P = { heads: 2, seqQ: 8, seqK: 8, headDim: 4, causal: false, scale: 0.5 };
// blockSize 4: 2 × 2 blocks, the diagonal kept: half the (query, key) pairs.
const MASK = blockMask.fromDense([1, 0, 0, 1], { blockSize: 4, seqQ: 8, seqK: 8 });
const DECODE = { ...P, seqQ: 1, seqK: 64 };
const MATMUL = { m: 3, k: 5, n: 7 };
const PROBE = { bytes: 1024, iterations: 8 };

/** Bytes per stored K/V value at a precision. */
const kvValueBytes = (precision: Precision) => (precision === 'f16' ? 2 : 4);
/** Q read and O written (f32), K and V read over `keyRows` rows, at the kernel's precision. */
const attentionIo = (p: typeof P, keyRows: number, precision: Precision) =>
  2 * 4 * p.heads * p.seqQ * p.headDim + 2 * kvValueBytes(precision) * p.heads * keyRows * p.headDim;
/** 2 FLOPs per multiply-add of QKᵀ and of PV over the pairs computed. */
const attentionFlops = (pairs: number, headDim: number) => 4 * pairs * headDim;

/** Roles of a kernel, its variant's base kernel's when it has none of its own. */
const rolesOf = (e: KernelEntry) => (e.variantOf ? (findEntry(e.variantOf)?.roles ?? []) : e.roles);

/**
 * Floats per (query, key) pair that a dense kernel materialises in memory: the unfused baseline
 * writes and reads S and P (16 bytes), a fused kernel that still writes P writes and reads it
 * (8 bytes), a kernel that keeps S on chip (the dense baseline of sparse kernels) none.
 */
function scratchBytesPerPair(e: KernelEntry): number {
  const roles = rolesOf(e);
  if (roles.includes('baseline')) return 16;
  if (roles.includes('fused') && !roles.includes('dense-baseline')) return 8;
  return 0;
}

type Case = { problem: unknown; expected: CostModel };

const FORMULAS: Record<string, (e: KernelEntry) => Case[]> = {
  dense: (e) => {
    const pairs = P.heads * P.seqQ * P.seqK;
    return [
      {
        problem: P,
        expected: {
          bytes: attentionIo(P, P.seqK, e.precision) + scratchBytesPerPair(e) * pairs,
          flops: attentionFlops(pairs, P.headDim),
        },
      },
    ];
  },
  sparse: (e) => [
    {
      problem: { ...P, mask: MASK },
      expected: {
        bytes: attentionIo(P, P.seqK / 2, e.precision),
        flops: attentionFlops((P.heads * P.seqQ * P.seqK) / 2, P.headDim),
      },
    },
    {
      problem: P,
      expected: {
        bytes: attentionIo(P, P.seqK, e.precision),
        flops: attentionFlops(P.heads * P.seqQ * P.seqK, P.headDim),
      },
    },
  ],
  decode: (e) => [
    {
      problem: DECODE,
      expected: {
        bytes: attentionIo(DECODE, DECODE.seqK, e.precision),
        flops: attentionFlops(DECODE.heads * DECODE.seqK, DECODE.headDim),
      },
    },
  ],
  matmul: () => [
    { problem: MATMUL, expected: { bytes: 4 * (15 + 35 + 21), flops: 2 * 3 * 5 * 7 } },
    {
      problem: { ...MATMUL, bias: true, activation: 'gelu' },
      expected: { bytes: 4 * (15 + 35 + 21 + 7), flops: 2 * 3 * 5 * 7 },
    },
  ],
  probe: (e) => {
    // copy reads and writes n bytes; read reads them; fma reads and writes them and runs
    // 32 FMA chains per vec4 of 4 floats, 2 FLOPs per FMA, `iterations` times.
    if (e.roles.includes('bandwidth-ceiling'))
      return [{ problem: PROBE, expected: { bytes: 2048, flops: 0 } }];
    if (e.roles.includes('read-ceiling')) return [{ problem: PROBE, expected: { bytes: 1024, flops: 0 } }];
    if (e.roles.includes('compute-ceiling'))
      return [{ problem: PROBE, expected: { bytes: 2048, flops: (1024 / 16) * 32 * 2 * 8 } }];
    return [];
  },
  mask: () => {
    // Q and K read once (pooling: one add per element read), the rows × cols layout written,
    // 2·heads·headDim per block pair scored.
    const problem = { heads: 2, seqQ: 8, seqK: 12, headDim: 4, blockSize: 4, keep: 1 };
    const read = 2 * (8 + 12) * 4;
    return [{ problem, expected: { bytes: 4 * read + 4 * 2 * 3, flops: read + 2 * 2 * 3 * 2 * 4 } }];
  },
  gemv: (e) => {
    // The weights in their format, x read and y written (f32), 2·rows·k·n FLOPs.
    const [k, n, rows] = [64, 12, 3];
    const weights: Record<string, number> = {
      f32: 4 * k * n,
      f16: 2 * k * n,
      int8: k * n + 2 * n,
      int4: (k * n) / 2 + 2 * n * (k / 32),
    };
    return [
      {
        problem: { k, n, rows, format: e.precision, groupSize: 32 },
        expected: { bytes: weights[e.precision] + 4 * rows * k + 4 * rows * n, flops: 2 * rows * k * n },
      },
    ];
  },
  op: (e) => {
    // Each decode-step op on its own problem: one formula per op of the step.
    const [rows, width, ffn] = [2, 16, 8];
    switch (e.name) {
      case 'rmsnorm':
        return [
          {
            problem: { rows, width, eps: 1e-5 },
            expected: { bytes: 4 * (2 * rows * width + width), flops: 4 * rows * width },
          },
        ];
      case 'layernorm':
        return [
          {
            problem: { rows, width, eps: 1e-5 },
            expected: { bytes: 4 * (2 * rows * width + 2 * width), flops: 7 * rows * width },
          },
        ];
      case 'gate':
        return [
          {
            problem: { rows, ffn, gating: 'swiglu' },
            expected: { bytes: 4 * 3 * rows * ffn, flops: 10 * rows * ffn },
          },
        ];
      case 'rope-append': {
        // q, k, v read once; q and one K and V row per KV head written; the cos/sin table (headDim
        // floats) read; 3 FLOPs per rotated element of q and k.
        const r = { batch: 2, heads: 4, kvHeads: 2, headDim: 8, capacity: 16, position: 3, base: 10000 };
        const all = 2 * (4 + 2 * 2) * 8;
        // With the f16 cache the K and V rows cost 2 bytes a value (q stays f32).
        const kv16 = 4 * (all + 8) + 4 * 2 * 4 * 8 + 2 * (2 * 2 * 2 * 8);
        return [
          { problem: r, expected: { bytes: 4 * (2 * all + 8), flops: 3 * 2 * (4 + 2) * 8 } },
          { problem: { ...r, kvF16: true }, expected: { bytes: kv16, flops: 3 * 2 * (4 + 2) * 8 } },
        ];
      }
      default:
        return [];
    }
  },
};

describe.each(registry.map((e) => [e.name, e.kind, e] as const))('%s (%s)', (_, kind, entry) => {
  const cases = FORMULAS[kind]?.(entry) ?? [];

  it('has a formula for its kind', () => {
    expect(cases.length, `no cost formula for ${entry.name} of kind ${kind}`).toBeGreaterThan(0);
  });

  it.each(cases.map((c, i) => [i, c] as const))('case %i: bytes and FLOPs exactly as the formula', (_, c) => {
    expect(entry.kernel.cost(c.problem as never)).toEqual(c.expected);
  });
});
