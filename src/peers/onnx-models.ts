// The small ONNX graphs the ONNX Runtime Web peer runs, built with onnx-proto (protobufjs code generated
// from ONNX's own .proto; no hand-written protobuf). Opset 17 for the standard ops, com.microsoft 1 for
// MultiHeadAttention (a contrib op that ORT implements, not part of the ONNX standard).

import type { AttentionShape } from '../kernels/types.ts';

type OnnxProto = typeof import('onnx-proto');
type Onnx = OnnxProto['onnx'];

let loaded: Promise<Onnx> | undefined;

/** onnx-proto is CommonJS: its namespace is the default export under Node and bundlers alike. */
function loadOnnx(): Promise<Onnx> {
  loaded ??= import('onnx-proto').then((m) => {
    const mod = m as OnnxProto & { default?: OnnxProto };
    return (mod.onnx ?? mod.default?.onnx) as Onnx;
  });
  return loaded;
}

type Dim = number;

function valueInfo(onnx: Onnx, name: string, dims: Dim[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => ({ dimValue: d })) },
      },
    },
  });
}

async function model(
  nodes: { opType: string; domain?: string; input: string[]; output: string[]; attribute?: object[] }[],
  inputs: [string, Dim[]][],
  outputs: [string, Dim[]][],
): Promise<Uint8Array> {
  const onnx = await loadOnnx();
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'attnscope',
    opsetImport: [
      { domain: '', version: 17 },
      { domain: 'com.microsoft', version: 1 },
    ],
    graph: {
      name: 'attnscope',
      node: nodes.map((n) => onnx.NodeProto.create(n)),
      input: inputs.map(([name, dims]) => valueInfo(onnx, name, dims)),
      output: outputs.map(([name, dims]) => valueInfo(onnx, name, dims)),
    },
  });
  return onnx.ModelProto.encode(proto).finish();
}

/** c (m, n) = MatMul(a (m, k), b (k, n)). */
export function matmulModel(m: number, k: number, n: number): Promise<Uint8Array> {
  return model(
    [{ opType: 'MatMul', input: ['a', 'b'], output: ['c'] }],
    [
      ['a', [m, k]],
      ['b', [k, n]],
    ],
    [['c', [m, n]]],
  );
}

/**
 * com.microsoft MultiHeadAttention, batch 1: query (1, seqQ, heads·headDim), key and value
 * (1, seqK, heads·headDim) → output (1, seqQ, heads·headDim). present_key/present_value (1, heads,
 * seqK, headDim) are graph outputs because ORT's WebGPU EP takes its flash-attention path only when
 * they exist (CanApplyFlashAttention: batch 1, no bias, head size % 4 = 0, present key/value given,
 * the device has `subgroups`); without them it runs its unfused probs → softmax → values programs.
 */
export function multiHeadAttentionModel(s: AttentionShape, scale: number): Promise<Uint8Array> {
  const hidden = s.heads * s.headDim;
  return model(
    [
      {
        opType: 'MultiHeadAttention',
        domain: 'com.microsoft',
        input: ['query', 'key', 'value'],
        output: ['output', 'present_key', 'present_value'],
        attribute: [
          { name: 'num_heads', type: 2 /* INT */, i: s.heads },
          { name: 'scale', type: 1 /* FLOAT */, f: scale },
        ],
      },
    ],
    [
      ['query', [1, s.seqQ, hidden]],
      ['key', [1, s.seqK, hidden]],
      ['value', [1, s.seqK, hidden]],
    ],
    [
      ['output', [1, s.seqQ, hidden]],
      ['present_key', [1, s.heads, s.seqK, s.headDim]],
      ['present_value', [1, s.heads, s.seqK, s.headDim]],
    ],
  );
}

/**
 * Attention composed of standard ops, as exporters write it: MatMul(q·scale (heads, seqQ, headDim),
 * kᵀ (heads, headDim, seqK)) → Softmax(axis −1) → MatMul(·, v (heads, seqK, headDim)). The scale is
 * folded into q and k given transposed beforehand (as a model's weights would be), like the TF.js line.
 */
export function composedAttentionModel(s: AttentionShape): Promise<Uint8Array> {
  return model(
    [
      { opType: 'MatMul', input: ['q', 'kt'], output: ['scores'] },
      {
        opType: 'Softmax',
        input: ['scores'],
        output: ['probs'],
        attribute: [{ name: 'axis', type: 2 /* INT */, i: -1 }],
      },
      { opType: 'MatMul', input: ['probs', 'v'], output: ['o'] },
    ],
    [
      ['q', [s.heads, s.seqQ, s.headDim]],
      ['kt', [s.heads, s.headDim, s.seqK]],
      ['v', [s.heads, s.seqK, s.headDim]],
    ],
    [['o', [s.heads, s.seqQ, s.headDim]]],
  );
}

/** (a, b, d) → (b, a, d): rows of d values, the two outer axes swapped. */
function swapOuter(x: Float32Array, a: number, b: number, d: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < a; i++)
    for (let j = 0; j < b; j++) out.set(x.subarray((i * b + j) * d, (i * b + j + 1) * d), (j * a + i) * d);
  return out;
}

/** (heads, seq, d) → (seq, heads·d): the layout MultiHeadAttention takes (BSD, batch 1). */
export function headsToRows(x: Float32Array, heads: number, seq: number, d: number): Float32Array {
  return swapOuter(x, heads, seq, d);
}

/** (seq, heads·d) → (heads, seq, d): MultiHeadAttention's output back to attnscope's layout. */
export function rowsToHeads(x: Float32Array, heads: number, seq: number, d: number): Float32Array {
  return swapOuter(x, seq, heads, d);
}

/** (heads, seqK, d) → (heads, d, seqK). */
export function transposeLast(x: Float32Array, heads: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let h = 0; h < heads; h++)
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) out[h * rows * cols + c * rows + r] = x[h * rows * cols + r * cols + c];
  return out;
}
