// Every shader's uniform struct against the layout its module packs by name, and every pipeline a
// registered kernel asks for against its shader: the entry point exists, each constant it passes is
// an `override` there, and each override without a default is passed. A shader edit that moves a
// field or renames a constant fails here, without a GPU (prepare() runs on a recording stand-in).

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Gpu, PipelineSpec } from '../../src/gpu/gpu.ts';
import type { UniformLayout } from '../../src/gpu/uniform.ts';
import { ATTENTION_FIELDS } from '../../src/kernels/attention-common.ts';
import { DECODE_PARAMS } from '../../src/kernels/decode.ts';
import { FLASH_PARAMS } from '../../src/kernels/flash.ts';
import { FMA_PARAMS } from '../../src/kernels/fma.ts';
import { FUSED_SOFTMAX_PARAMS } from '../../src/kernels/fused-softmax.ts';
import { GATE_PARAMS } from '../../src/kernels/gate.ts';
import { GEMV_PARAMS, GEMV_PASS_PARAMS } from '../../src/kernels/gemv-plan.ts';
import { KV_PACK_SHAPE } from '../../src/kernels/kv-pack.ts';
import { MATMUL_PARAMS } from '../../src/kernels/matmul-common.ts';
import { NORM_PARAMS } from '../../src/kernels/norm.ts';
import { registry } from '../../src/kernels/registry.ts';
import { ROPE_APPEND_PARAMS } from '../../src/kernels/rope-append.ts';
import { TOPK_PARAMS } from '../../src/kernels/topk-mask.ts';
import type { KernelEntry } from '../../src/kernels/types.ts';
import { UNFUSED_PARAMS } from '../../src/kernels/unfused.ts';
import { blockMask } from '../../src/masks/index.ts';
import { WEIGHT_FILL_PARAMS } from '../../src/model/synthetic.ts';

const SHADERS = new URL('../../shaders/', import.meta.url);
const source = (file: string) => readFileSync(new URL(file, SHADERS), 'utf8');
const withoutComments = (wgsl: string) => wgsl.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');

/** The fields of `struct name` in a WGSL source, in order. */
function parseStruct(wgsl: string, name: string): { name: string; type: string }[] | undefined {
  const match = new RegExp(`struct\\s+${name}\\s*\\{([^}]*)\\}`).exec(withoutComments(wgsl));
  if (!match) return undefined;
  return match[1]
    .split(',')
    .map((field) => field.trim())
    .filter(Boolean)
    .map((field) => {
      const [fieldName, type] = field.split(':').map((part) => part.trim());
      return { name: fieldName, type };
    });
}

/** The struct of the uniform at @group(0) @binding(0), if the shader has one. */
function uniformStruct(wgsl: string): string | undefined {
  return /var<uniform>\s+\w+\s*:\s*(\w+)/.exec(withoutComments(wgsl))?.[1];
}

const LAYOUTS: [file: string, layout: UniformLayout][] = [
  ['unfused-attention.wgsl', UNFUSED_PARAMS],
  ['fused-softmax-attention.wgsl', FUSED_SOFTMAX_PARAMS],
  ['fused-softmax-subgroups.wgsl', FUSED_SOFTMAX_PARAMS],
  ['flash-attention.wgsl', FLASH_PARAMS],
  ['decode-attention.wgsl', DECODE_PARAMS],
  ['naive-matmul.wgsl', MATMUL_PARAMS],
  ['tiled-matmul.wgsl', MATMUL_PARAMS],
  ['fma.wgsl', FMA_PARAMS],
  ['kv-pack.wgsl', KV_PACK_SHAPE],
  ['topk-mask.wgsl', TOPK_PARAMS],
  ['gemv.wgsl', GEMV_PARAMS],
  ['gemv-f16-native.wgsl', GEMV_PARAMS],
  ['gemv-passes.wgsl', GEMV_PASS_PARAMS],
  ['gate.wgsl', GATE_PARAMS],
  ['rmsnorm.wgsl', NORM_PARAMS],
  ['layernorm.wgsl', NORM_PARAMS],
  ['rope-append.wgsl', ROPE_APPEND_PARAMS],
  ['weight-fill.wgsl', WEIGHT_FILL_PARAMS],
];

describe('uniform layouts', () => {
  it('every shader with a uniform has its layout described here', () => {
    const withUniform = readdirSync(SHADERS)
      .filter((file) => file.endsWith('.wgsl'))
      .filter((file) => uniformStruct(source(file)) !== undefined);
    expect(withUniform.sort()).toEqual([...new Set(LAYOUTS.map(([file]) => file))].sort());
  });

  it.each(LAYOUTS)('%s: the uniform struct matches its TypeScript layout', (file, layout) => {
    const wgsl = source(file);
    expect(uniformStruct(wgsl)).toBe(layout.struct);
    const fields = parseStruct(wgsl, layout.struct);
    expect(fields).toEqual(layout.fields.map(({ name, type }) => ({ name, type })));
    expect(layout.fields.map((f) => f.offset)).toEqual(layout.fields.map((_, i) => 4 * i));
    expect(layout.byteLength % 16).toBe(0);
    expect(layout.byteLength).toBeGreaterThanOrEqual(4 * layout.fields.length);
  });

  it('the attention shaders all open with the shared fields', () => {
    for (const layout of [UNFUSED_PARAMS, FUSED_SOFTMAX_PARAMS, FLASH_PARAMS, DECODE_PARAMS]) {
      expect(layout.fields.slice(0, ATTENTION_FIELDS.length).map((f) => [f.name, f.type])).toEqual(
        ATTENTION_FIELDS.map(([name, type]) => [name, type]),
      );
    }
  });

  it.each([
    [
      'a moved field',
      (wgsl: string) => wgsl.replace('seq_q: u32,\n  seq_k: u32,', 'seq_k: u32,\n  seq_q: u32,'),
    ],
    ['a changed type', (wgsl: string) => wgsl.replace('scale: f32', 'scale: u32')],
    ['an added field', (wgsl: string) => wgsl.replace('kv_group: u32,', 'kv_group: u32,\n  extra: u32,')],
  ])('control: %s in a shader no longer matches', (_, edit) => {
    const edited = edit(source('unfused-attention.wgsl'));
    expect(edited).not.toBe(source('unfused-attention.wgsl'));
    expect(parseStruct(edited, 'Params')).not.toEqual(
      UNFUSED_PARAMS.fields.map(({ name, type }) => ({ name, type })),
    );
  });
});

/** A stand-in GPU that records the pipelines prepare() asks for and returns inert objects. */
function recordingGpu(features: string[] = []): { gpu: Gpu; specs: PipelineSpec[] } {
  const specs: PipelineSpec[] = [];
  const inert: unknown = new Proxy(() => inert, {
    get: (_, key) => (key === 'then' ? undefined : key === 'size' ? 1 << 20 : inert),
    apply: () => inert,
  });
  const limits = {
    maxComputeWorkgroupsPerDimension: 65535,
    maxComputeInvocationsPerWorkgroup: 256,
    maxComputeWorkgroupSizeX: 256,
    maxComputeWorkgroupStorageSize: 16384,
    maxStorageBufferBindingSize: 128 << 20,
    maxBufferSize: 256 << 20,
    minStorageBufferOffsetAlignment: 256,
  };
  const gpu = {
    limits,
    features: new Set(features),
    adapter: { isSoftware: false },
    device: inert,
    pipeline: async (spec: PipelineSpec) => {
      specs.push(spec);
      return inert;
    },
    buffer: () => inert,
    uniform: () => inert,
    upload: () => inert,
    bindGroup: () => inert,
  } as unknown as Gpu;
  return { gpu, specs };
}

const mask = blockMask.slidingWindow({ blockSize: 16, seqQ: 64, seqK: 64 }, { window: 3 });
const attention = { heads: 2, seqQ: 64, seqK: 64, headDim: 32, causal: false, scale: 0.2 };
const PROBLEMS: Record<string, unknown> = {
  dense: attention,
  sparse: { ...attention, mask },
  decode: { ...attention, seqQ: 1, mask: undefined },
  matmul: { m: 32, k: 32, n: 32, bias: true, activation: 'gelu' },
  probe: { bytes: 4096 },
  mask: { heads: 2, seqQ: 64, seqK: 64, headDim: 32, blockSize: 16, keep: 1 },
  // One object serves every decode-step op: each reads its own fields.
  op: {
    rows: 2,
    ffn: 8,
    gating: 'swiglu',
    width: 16,
    eps: 1e-5,
    batch: 1,
    heads: 2,
    kvHeads: 1,
    headDim: 8,
    capacity: 8,
    position: 3,
    base: 10000,
  },
};
const gemvProblem = (e: KernelEntry) => ({
  k: 64,
  n: 64,
  rows: 2,
  format: e.name.replace(/^gemv-/, '').replace('-native', ''),
  residual: true,
  gate: 'silu',
});

/** Override names in a shader, and those that have no default (TS must pass them). */
function overrides(wgsl: string): { all: Set<string>; required: Set<string> } {
  const all = new Set<string>();
  const required = new Set<string>();
  for (const m of withoutComments(wgsl).matchAll(/override\s+(\w+)\s*(:\s*\w+)?\s*(=)?/g)) {
    all.add(m[1]);
    if (!m[3]) required.add(m[1]);
  }
  return { all, required };
}

describe.each(registry.map((e) => [e.name, e] as const))(
  '%s: its pipelines against their shaders',
  (_, entry) => {
    it('every entry point exists, every constant passed is an override, every override without a default is passed', async () => {
      const { gpu, specs } = recordingGpu([...(entry.kernel.features ?? [])]);
      const problem = entry.kind === 'gemv' ? gemvProblem(entry) : PROBLEMS[entry.kind];
      const run = await entry.kernel.prepare(
        gpu,
        problem as never,
        new Proxy({}, { get: () => ({}) }) as never,
      );
      expect(run).toBeDefined();
      expect(specs.length).toBeGreaterThan(0);
      for (const spec of specs) {
        const file = spec.shader.pathname.split('/').pop() as string;
        const wgsl = withoutComments(source(file));
        expect(wgsl, `${file}: @compute fn ${spec.entryPoint}`).toMatch(
          new RegExp(`@compute[^;{]*fn\\s+${spec.entryPoint}\\s*\\(`),
        );
        const { all, required } = overrides(wgsl);
        for (const name of Object.keys(spec.constants ?? {}))
          expect(all, `${file}: override ${name}`).toContain(name);
        for (const name of required)
          expect(Object.keys(spec.constants ?? {}), `${file}: ${name} passed`).toContain(name);
      }
    });
  },
);
