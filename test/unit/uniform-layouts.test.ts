// Every shader's uniform struct against the layout its module packs by name, and every pipeline a
// registered kernel asks for against its shader: the entry point exists, each constant it passes is
// an `override` there, and each override without a default is passed. A shader edit that moves a
// field or renames a constant fails here, without a GPU (prepare() runs on a recording stand-in).
// A pipeline whose module is an edited shader (gemv-f16-native: gemv.wgsl + native-f16; a module
// with subgroup passes on a device without `subgroups`: + without-subgroups) is checked against the
// edited text, the module it compiles.

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Gpu, PipelineSpec, ShaderEdit } from '../../src/gpu/gpu.ts';
import { Gpu as GpuClass } from '../../src/gpu/gpu.ts';
import { packedLayout, type UniformLayout, u32, uniformLayout } from '../../src/gpu/uniform.ts';
import { ATTENTION_FIELDS } from '../../src/kernels/attention-params.ts';
import { ATTENTION_KINDS, registry } from '../../src/kernels/registry.ts';
import type { KernelEntry } from '../../src/kernels/types.ts';
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

/** What a stand-in GPU saw while kernels prepared: pipelines asked for, uniforms bound at binding 0. */
interface Recording {
  specs: PipelineSpec[];
  /** Module (moduleOf) → the layout of the uniform bound at binding 0 of a pipeline made from it. */
  bound: [module: string, layout: UniformLayout][];
  /** Labels of uniforms whose bytes packUniform() did not make (filled by position). */
  unpacked: string[];
}

const fileOf = (spec: PipelineSpec) => spec.shader.pathname.split('/').pop() as string;
/** The edits pipelines asked for, by module name. */
const EDITS = new Map<string, [file: string, edit: ShaderEdit]>();
/** A pipeline's module: its shader file, or `file + edit` when its text is edited first. */
function moduleOf(spec: PipelineSpec): string {
  if (!spec.edit) return fileOf(spec);
  const name = `${fileOf(spec)} + ${spec.edit.name}`;
  EDITS.set(name, [fileOf(spec), spec.edit]);
  return name;
}
/** The WGSL a module compiles: the file's text, edited when the module says so. */
function moduleSource(module: string): string {
  const edited = EDITS.get(module);
  return edited ? edited[1].apply(source(edited[0]), edited[0]) : source(module);
}

/**
 * A stand-in GPU that records the pipelines prepare() asks for and the uniform each bind group puts
 * at binding 0 (with the layout it was packed in), returning inert objects otherwise.
 */
function recordingGpu(features: string[] = [], isSoftware = false): { gpu: Gpu; seen: Recording } {
  const seen: Recording = { specs: [], bound: [], unpacked: [] };
  const inert: unknown = new Proxy(() => inert, {
    get: (_, key) => (key === 'then' ? undefined : key === 'size' ? 1 << 20 : inert),
    apply: () => inert,
  });
  /** An inert object that also answers the given keys. */
  const tagged = (tags: Record<string, unknown>): unknown =>
    new Proxy(() => inert, {
      get: (_, key) =>
        typeof key === 'string' && key in tags ? tags[key] : key === 'then' ? undefined : inert,
      apply: () => inert,
    });
  const layouts = new WeakMap<object, UniformLayout>();
  const device = tagged({
    adapterInfo: { subgroupMinSize: 4, subgroupMaxSize: 4 },
    createBindGroup: (desc: GPUBindGroupDescriptor) => {
      const spec = (desc.layout as unknown as { spec?: PipelineSpec }).spec;
      const entry = [...desc.entries].find((e) => e.binding === 0);
      const buffer = (entry?.resource as GPUBufferBinding | undefined)?.buffer;
      const layout = buffer ? layouts.get(buffer) : undefined;
      if (spec && layout) seen.bound.push([moduleOf(spec), layout]);
      return inert;
    },
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
    adapter: { isSoftware },
    device,
    pipeline: async (spec: PipelineSpec) => {
      seen.specs.push(spec);
      return tagged({ getBindGroupLayout: () => ({ spec }) });
    },
    buffer: () => inert,
    uniform: (label: string, words: ArrayBuffer) => {
      const buffer = tagged({});
      const layout = packedLayout(words);
      if (layout) layouts.set(buffer as object, layout);
      else seen.unpacked.push(label);
      return buffer;
    },
    upload: () => inert,
    bindGroup: GpuClass.prototype.bindGroup,
  } as unknown as Gpu;
  return { gpu, seen };
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

/** What preparing a registered kernel on a small problem of its kind records. */
async function prepared(entry: KernelEntry, extra: string[] = [], isSoftware = false): Promise<Recording> {
  const { gpu, seen } = recordingGpu([...(entry.kernel.features ?? []), ...extra], isSoftware);
  const problem = entry.kind === 'gemv' ? gemvProblem(entry) : PROBLEMS[entry.kind];
  const run = await entry.kernel.prepare(gpu, problem as never, new Proxy({}, { get: () => ({}) }) as never);
  expect(run, `${entry.name}: prepare() returned a run`).toBeDefined();
  return seen;
}

const RECORDED = new Map<string, Recording>();
for (const entry of registry) RECORDED.set(entry.name, await prepared(entry));
// decode on a software adapter with subgroups: its one-row fused pass (range_attention).
for (const entry of registry.filter((e) => e.kind === 'decode')) {
  RECORDED.set(`${entry.name} (software)`, await prepared(entry, ['subgroups'], true));
}

/** Shaders no registered kernel prepares (the decode step's synthetic weights), with their layouts. */
const UNREGISTERED: [file: string, layout: UniformLayout][] = [['weight-fill.wgsl', WEIGHT_FILL_PARAMS]];

/** Every (shader, layout) pair a kernel binds, once each: derived from the registry, not listed. */
const LAYOUTS: (readonly [file: string, layout: UniformLayout])[] = [
  ...new Map(
    [...[...RECORDED.values()].flatMap((seen) => seen.bound), ...UNREGISTERED].map(
      ([file, layout]) => [`${file}|${layout.fields.map((f) => f.name).join(',')}`, [file, layout]] as const,
    ),
  ).values(),
].sort(([a], [b]) => a.localeCompare(b));

const layoutOf = (file: string) => {
  const found = LAYOUTS.find(([name]) => name === file);
  if (!found) throw new Error(`${file}: no registered kernel binds its uniform`);
  return found[1];
};

describe('uniform layouts', () => {
  it('u32() lists u32 fields in order, and a layout built from it has their offsets', () => {
    expect(u32('rows', 'cols')).toEqual([
      ['rows', 'u32'],
      ['cols', 'u32'],
    ]);
    const layout = uniformLayout('Params', [...u32('rows', 'cols'), ['eps', 'f32'], ...u32('k')]);
    expect(layout.fields).toEqual([
      { name: 'rows', type: 'u32', offset: 0 },
      { name: 'cols', type: 'u32', offset: 4 },
      { name: 'eps', type: 'f32', offset: 8 },
      { name: 'k', type: 'u32', offset: 12 },
    ]);
    expect(layout.byteLength).toBe(16);
    expect(() => uniformLayout('Params', [...u32('rows'), ...u32('rows')])).toThrow(
      'Params: field rows appears twice',
    );
  });

  it('every shader with a uniform has its layout bound by a registered kernel (or listed as unregistered)', () => {
    const withUniform = readdirSync(SHADERS)
      .filter((file) => file.endsWith('.wgsl'))
      .filter((file) => uniformStruct(source(file)) !== undefined);
    const plain = LAYOUTS.map(([module]) => module).filter((module) => !EDITS.has(module));
    expect(withUniform.sort()).toEqual([...new Set(plain)].sort());
  });

  it('the edited modules are checked too (gemv-f16-native compiles gemv.wgsl + native-f16)', () => {
    expect(LAYOUTS.map(([module]) => module)).toContain('gemv.wgsl + native-f16');
    const wgsl = moduleSource('gemv.wgsl + native-f16');
    expect(wgsl.startsWith('enable f16;')).toBe(true);
    expect(wgsl).toContain('bitcast<vec2<f16>>');
  });

  it.each(['decode-attention.wgsl', 'materialized-attention.wgsl'])(
    '%s is checked as written and without its subgroup passes',
    (file) => {
      const modules = LAYOUTS.map(([module]) => module);
      expect(modules).toContain(file);
      expect(modules).toContain(`${file} + without-subgroups`);
      expect(source(file)).toMatch(/^enable subgroups;$/m);
      expect(moduleSource(`${file} + without-subgroups`)).not.toMatch(/^enable subgroups;$/m);
    },
  );

  it.each(LAYOUTS)('%s: the uniform struct matches its TypeScript layout', (module, layout) => {
    const wgsl = moduleSource(module);
    expect(uniformStruct(wgsl)).toBe(layout.struct);
    const fields = parseStruct(wgsl, layout.struct);
    expect(fields).toEqual(layout.fields.map(({ name, type }) => ({ name, type })));
    expect(layout.fields.map((f) => f.offset)).toEqual(layout.fields.map((_, i) => 4 * i));
    expect(layout.byteLength % 16).toBe(0);
    expect(layout.byteLength).toBeGreaterThanOrEqual(4 * layout.fields.length);
  });

  it('every uniform a registered kernel binds was packed by name (packUniform)', () => {
    const unpacked = [...RECORDED].flatMap(([name, seen]) =>
      seen.unpacked.map((label) => `${name}: ${label}`),
    );
    expect(unpacked).toEqual([]);
  });

  it('every attention kernel’s Params opens with the shared fields (helper passes’ structs aside)', () => {
    const attention = registry.filter((e) => (ATTENTION_KINDS as readonly string[]).includes(e.kind));
    expect(attention.length).toBeGreaterThan(0);
    for (const entry of attention) {
      const params = (RECORDED.get(entry.name)?.bound ?? []).filter(
        ([, layout]) => layout.struct === 'Params',
      );
      expect(params.length, `${entry.name} binds a Params uniform`).toBeGreaterThan(0);
      for (const [file, layout] of params) {
        expect(
          layout.fields.slice(0, ATTENTION_FIELDS.length).map((f) => [f.name, f.type]),
          `${entry.name} (${file})`,
        ).toEqual(ATTENTION_FIELDS.map(([name, type]) => [name, type]));
      }
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
    const edited = edit(source('materialized-attention.wgsl'));
    expect(edited).not.toBe(source('materialized-attention.wgsl'));
    const layout = layoutOf('materialized-attention.wgsl');
    expect(parseStruct(source('materialized-attention.wgsl'), 'Params')).toEqual(
      layout.fields.map(({ name, type }) => ({ name, type })),
    );
    expect(parseStruct(edited, 'Params')).not.toEqual(
      layout.fields.map(({ name, type }) => ({ name, type })),
    );
  });
});

describe('the fusion pair', () => {
  it('unfused and fused-softmax end with the same P·V pipeline: their ratio measures the fusion alone', () => {
    const last = (name: string) => {
      const specs = RECORDED.get(name)?.specs ?? [];
      const spec = specs[specs.length - 1];
      return spec && { file: fileOf(spec), entryPoint: spec.entryPoint, constants: spec.constants };
    };
    expect(last('unfused')).toEqual({
      file: 'materialized-attention.wgsl',
      entryPoint: 'pv',
      constants: { WORKGROUP_SIZE: 64 },
    });
    expect(last('fused-softmax')).toEqual(last('unfused'));
  });
});

describe.each(registry.map((e) => [e.name, e] as const))(
  '%s: its pipelines against their shaders',
  (name) => {
    it('every entry point exists, every constant passed is an override, every override without a default is passed', () => {
      const specs = RECORDED.get(name)?.specs ?? [];
      expect(specs.length).toBeGreaterThan(0);
      for (const spec of specs) {
        const file = moduleOf(spec);
        const wgsl = withoutComments(moduleSource(file));
        expect(wgsl, `${file}: @compute fn ${spec.entryPoint}`).toMatch(
          new RegExp(`@compute[^;{]*fn\\s+${spec.entryPoint}\\s*\\(`),
        );
        const { all, required } = overrides(wgsl);
        for (const constant of Object.keys(spec.constants ?? {}))
          expect(all, `${file}: override ${constant}`).toContain(constant);
        for (const constant of required)
          expect(Object.keys(spec.constants ?? {}), `${file}: ${constant} passed`).toContain(constant);
      }
    });
  },
);
