// The host side every GEMV kernel shares: checking a problem, planning the dispatches (split-k,
// weight bindings of at most the binding limit) and recording them — the optional gate pass, one
// main pass per weight binding (shaders/gemv.wgsl), the optional reduce pass
// (shaders/gemv-passes.wgsl).
//
// Tunables (GemvTunables; defaults per adapter kind):
//   workgroupSize  lanes per workgroup, each owning 4 columns: 64 on GPUs (a workgroup reads 1 KiB
//                  runs of a word row), 16 on CPU adapters (more, smaller pieces for a few threads)
//   minWorkgroups  split k until the main pass has this many workgroups: 1024 on GPUs (65536 lanes ×
//                  64 bytes in flight ≈ 4 MB, about bandwidth × latency of an H100-class GPU), 4 on CPU adapters (few long invocations: SwiftShader runs a
//                  workgroup's lanes as coroutines on one thread, so splitting only adds partials)
//   minSplitSteps  fewest k steps a split walks (16 on GPUs, 64 on CPU adapters)
//   unroll         load 4 word rows per loop trip before using any (64 bytes in flight per lane, which
//                  a GPU needs to cover memory latency); off on CPU adapters, where it measured no
//                  better (SwiftShader, machine under load) and costs registers
//   software       force the CPU-adapter defaults (true) or the GPU ones (false); default: the
//                  adapter's isSoftware
//   splits         force the number of splits (tests)
//   bindingBytes   pretend the binding limit is this (tests of the real-width path at small sizes)
// The partials cost 8 bytes per (split, row, column) of traffic; splits are capped so that they
// stay under 1/8 of the weight bytes.

import type { Gpu, ShaderEdit } from '../gpu/gpu.ts';
import { packUniform, type UniformValues, u32, uniformLayout } from '../gpu/uniform.ts';
import type { WeightFormat } from './formats.ts';
import {
  checkFormat,
  GATE_ACTIVATIONS,
  GEMV_MAX_ROWS,
  type GemvIO,
  type GemvKernel,
  type GemvLayout,
  type GemvProblem,
  gemvCost,
  gemvLayout,
  placeholder,
} from './gemv-common.ts';
import { checkBinding, checkDispatch, checkInvocations, formatBytes } from './limits.ts';
import { type DispatchStep, dispatchRun } from './run.ts';
import { checkSize } from './validate.ts';

export interface GemvConfig {
  workgroupSize: number;
  minWorkgroups: number;
  minSplitSteps: number;
  unroll: boolean;
}

export interface GemvTunables extends Partial<GemvConfig> {
  software?: boolean;
  splits?: number;
  bindingBytes?: number;
}

export const GEMV_HARDWARE: Readonly<GemvConfig> = Object.freeze({
  workgroupSize: 64,
  minWorkgroups: 1024,
  minSplitSteps: 16,
  unroll: true,
});
export const GEMV_SOFTWARE: Readonly<GemvConfig> = Object.freeze({
  workgroupSize: 16,
  minWorkgroups: 4,
  minSplitSteps: 64,
  unroll: false,
});

/** What distinguishes one GEMV kernel from another: its format, shader and features. */
export interface GemvKernelSpec {
  name: string;
  format: WeightFormat;
  shader: URL;
  /** The shader's entry point for this format's main pass. */
  entryPoint: string;
  /** Applied to the shader's text before it is compiled (gemv-f16-native: gemv.wgsl, f16 decode). */
  edit?: ShaderEdit;
  summary: string;
  features?: readonly GPUFeatureName[];
}

/** A GEMV kernel that can be remade with other tunables (tests force each adapter kind's path). */
export interface ConfigurableGemvKernel extends GemvKernel {
  configure(options: GemvTunables): GemvKernel;
}

const PASSES = new URL('../../shaders/gemv-passes.wgsl', import.meta.url);
const PASS_WORKGROUP = 64;

/** Throws unless the problem is one the kernels take, naming the field and the limit. */
export function checkGemvProblem(p: GemvProblem): GemvLayout {
  checkSize('k', p.k);
  checkSize('n', p.n);
  checkSize('rows', p.rows, GEMV_MAX_ROWS);
  checkFormat(p.format, p.groupSize);
  if (p.gate !== undefined && !GATE_ACTIVATIONS.includes(p.gate)) {
    throw new Error(
      `gate: unknown activation ${JSON.stringify(p.gate)}; expected one of ${GATE_ACTIVATIONS.join(', ')}`,
    );
  }
  const layout = gemvLayout(p);
  const minStride = p.gate ? layout.gateOffset + layout.kPadded : layout.kPadded;
  if (!Number.isInteger(layout.xStride) || layout.xStride % 4 !== 0 || layout.xStride < minStride) {
    throw new Error(`xStride: ${layout.xStride} must be a multiple of 4 and at least ${minStride}`);
  }
  if (
    !Number.isInteger(layout.gateOffset) ||
    layout.gateOffset % 4 !== 0 ||
    layout.gateOffset < layout.kPadded
  ) {
    throw new Error(
      `gateOffset: ${layout.gateOffset} must be a multiple of 4 and at least kPadded = ${layout.kPadded}`,
    );
  }
  return layout;
}

interface Piece {
  rowBase: number;
  stepBegin: number;
  stepEnd: number;
  splits: number;
  splitBase: number;
}

export interface GemvPlan {
  layout: GemvLayout;
  config: GemvConfig;
  stepsPerSplit: number;
  totalSplits: number;
  /** Weight rows per binding (the last may hold fewer). */
  rowsPerBinding: number;
  pieces: Piece[];
  columnGroups: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The dispatches of one call: splits along k and the weight bindings, within the device's limits. */
export function planGemv(gpu: Gpu, p: GemvProblem, options: GemvTunables = {}): GemvPlan {
  const layout = checkGemvProblem(p);
  const base = (options.software ?? gpu.adapter.isSoftware) ? GEMV_SOFTWARE : GEMV_HARDWARE;
  const config: GemvConfig = {
    workgroupSize: options.workgroupSize ?? base.workgroupSize,
    minWorkgroups: options.minWorkgroups ?? base.minWorkgroups,
    minSplitSteps: options.minSplitSteps ?? base.minSplitSteps,
    unroll: options.unroll ?? base.unroll,
  };
  const rowsPerStep = layout.stepK / layout.valuesPerWord;
  const steps = layout.kPadded / layout.stepK;
  const rowBytes = 4 * layout.nPadded;
  const bindingLimit = Math.min(
    options.bindingBytes ?? Number.POSITIVE_INFINITY,
    gpu.limits.maxStorageBufferBindingSize,
  );
  const align = gpu.limits.minStorageBufferOffsetAlignment;
  const alignRows = align / gcd(align, rowBytes);
  const quantum = (alignRows * rowsPerStep) / gcd(alignRows, rowsPerStep);
  const rowsPerBinding =
    layout.weightBytes <= bindingLimit
      ? layout.wordRows
      : Math.floor(Math.floor(bindingLimit / rowBytes) / quantum) * quantum;
  if (rowsPerBinding < 1) {
    throw new Error(
      `weights: ${quantum} word rows of ${formatBytes(rowBytes)} (n = ${p.n}) are the smallest binding, over this device's maxStorageBufferBindingSize of ${formatBytes(bindingLimit)}`,
    );
  }
  const stepsPerBinding = rowsPerBinding / rowsPerStep;
  const columnGroups = Math.ceil(layout.nPadded / 4 / config.workgroupSize);
  let wanted = options.splits;
  if (wanted === undefined) {
    const partialCap = Math.floor(layout.weightBytes / (64 * p.rows * layout.nPadded));
    const stepCap = Math.floor(steps / config.minSplitSteps);
    wanted = Math.max(1, Math.min(Math.ceil(config.minWorkgroups / columnGroups), stepCap, partialCap));
  }
  const stepsPerSplit = Math.ceil(steps / Math.max(1, Math.min(wanted, steps)));
  const pieces: Piece[] = [];
  let splitBase = 0;
  for (let stepBegin = 0; stepBegin < steps; stepBegin += stepsPerBinding) {
    const stepEnd = Math.min(steps, stepBegin + stepsPerBinding);
    const splits = Math.ceil((stepEnd - stepBegin) / stepsPerSplit);
    pieces.push({ rowBase: stepBegin * rowsPerStep, stepBegin, stepEnd, splits, splitBase });
    splitBase += splits;
  }
  return { layout, config, stepsPerSplit, totalSplits: splitBase, rowsPerBinding, pieces, columnGroups };
}

/** `struct Params` of gemv.wgsl (every format's main pass, gemv-f16-native's included). */
export const GEMV_PARAMS = uniformLayout('Params', [
  ...u32('nq', 'x_stride4', 'row_base'),
  ...u32('step_begin', 'step_end', 'steps_per_split', 'split_base'),
  ...u32('direct', 'has_residual', 'group_steps'),
]);

/** `struct Params` of gemv-passes.wgsl (the gate and reduce passes). */
export const GEMV_PASS_PARAMS = uniformLayout(
  'Params',
  u32('rows', 'quads', 'in_stride4', 'in_offset4', 'k', 'act', 'splits', 'has_residual'),
);

function mainParams(plan: GemvPlan, piece: Piece, p: GemvProblem): ArrayBuffer {
  const { layout } = plan;
  return packUniform(GEMV_PARAMS, {
    nq: layout.nPadded / 4,
    x_stride4: p.gate ? layout.kPadded / 4 : layout.xStride / 4,
    row_base: piece.rowBase,
    step_begin: piece.stepBegin,
    step_end: piece.stepEnd,
    steps_per_split: plan.stepsPerSplit,
    split_base: piece.splitBase,
    direct: plan.totalSplits === 1,
    has_residual: Boolean(p.residual),
    group_steps: layout.groupSize ? layout.groupSize / layout.stepK : 1,
  });
}

type GemvPassField = (typeof GEMV_PASS_PARAMS)['fields'][number]['name'];

/** The passes' Params: the fields a pass does not use are 0. */
function passParams(fields: Partial<UniformValues<GemvPassField>>): ArrayBuffer {
  return packUniform(GEMV_PASS_PARAMS, {
    rows: 0,
    quads: 0,
    in_stride4: 0,
    in_offset4: 0,
    k: 0,
    act: 0,
    splits: 0,
    has_residual: 0,
    ...fields,
  });
}

/** Throws unless every buffer and dispatch of the plan fits this device, naming the limit. */
export function checkGemvFits(gpu: Gpu, name: string, p: GemvProblem, plan: GemvPlan): void {
  const { layout, config } = plan;
  checkInvocations(gpu, name, config.workgroupSize);
  const rowsBytes = (columns: number) => 4 * p.rows * columns;
  checkBinding(gpu, `${name} x (rows × xStride f32)`, rowsBytes(layout.xStride));
  checkBinding(gpu, `${name} y (rows × nPadded f32)`, rowsBytes(layout.nPadded));
  if (layout.scaleBytes) checkBinding(gpu, `${name} scales`, layout.scaleBytes);
  if (plan.totalSplits > 1)
    checkBinding(gpu, `${name} partials`, plan.totalSplits * rowsBytes(layout.nPadded));
  if (layout.weightBytes > gpu.limits.maxBufferSize) {
    throw new Error(
      `${name} weights: ${formatBytes(layout.weightBytes)} in one buffer, over this device's maxBufferSize of ${formatBytes(gpu.limits.maxBufferSize)}`,
    );
  }
  for (const piece of plan.pieces) checkDispatch(gpu, name, [plan.columnGroups, piece.splits]);
  checkDispatch(gpu, `${name} passes`, [
    Math.ceil((p.rows * Math.max(layout.kPadded, layout.nPadded)) / 4 / PASS_WORKGROUP),
  ]);
}

async function prepareGemv(
  gpu: Gpu,
  spec: GemvKernelSpec,
  options: GemvTunables,
  p: GemvProblem,
  io: GemvIO,
) {
  const name = spec.name;
  if (p.format !== spec.format)
    throw new Error(`format: ${name} stores ${spec.format} weights, not ${p.format}`);
  const plan = planGemv(gpu, p, options);
  const { layout, config } = plan;
  if (p.residual && !io.residual)
    throw new Error('residual: the problem has a residual epilogue but no residual buffer');
  if (io.residual && io.residual === io.y) throw new Error('residual: must be a different buffer from y');
  if (layout.scaleWords && !io.scales) throw new Error(`scales: ${p.format} needs its scales buffer`);
  checkGemvFits(gpu, name, p, plan);
  const rowsBytes = (columns: number) => 4 * p.rows * columns;

  const main = await gpu.pipeline({
    kernel: name,
    shader: spec.shader,
    edit: spec.edit,
    entryPoint: spec.entryPoint,
    constants: { WORKGROUP_SIZE: config.workgroupSize, ROWS: p.rows, UNROLL: config.unroll ? 1 : 0 },
  });
  const owned: { destroy(): void }[] = [];
  const own = <T extends { destroy(): void }>(object: T): T => {
    owned.push(object);
    return object;
  };
  // A pass of gemv-passes.wgsl over `columns` of each row, one invocation per vec4: params at binding 0.
  const pass = async (
    entryPoint: 'gate' | 'reduce',
    columns: number,
    fields: Parameters<typeof passParams>[0],
    bindings: Record<number, GPUBuffer>,
  ): Promise<DispatchStep> => {
    const pipeline = await gpu.pipeline({
      kernel: `${name}.${entryPoint}`,
      shader: PASSES,
      entryPoint,
      constants: { WORKGROUP_SIZE: PASS_WORKGROUP },
    });
    const params = own(
      gpu.uniform(`${name}.${entryPoint}Params`, passParams({ rows: p.rows, quads: columns / 4, ...fields })),
    );
    const group = gpu.bindGroup(`${name}.${entryPoint}`, pipeline, { 0: params, ...bindings });
    return { pipeline, group, grid: [Math.ceil((p.rows * columns) / 4 / PASS_WORKGROUP)] };
  };
  const steps: DispatchStep[] = [];
  let x = io.x;
  if (p.gate) {
    x = own(gpu.buffer(`${name}.gated`, rowsBytes(layout.kPadded)));
    const gate = {
      in_stride4: layout.xStride / 4,
      in_offset4: layout.gateOffset / 4,
      k: p.k,
      act: p.gate === 'gelu' ? 0 : 1,
    };
    steps.push(await pass('gate', layout.kPadded, gate, { 1: io.x, 2: x }));
  }
  const direct = plan.totalSplits === 1;
  const out = direct
    ? io.y
    : own(gpu.buffer(`${name}.partials`, plan.totalSplits * rowsBytes(layout.nPadded)));
  const residual = io.residual ?? own(placeholder(gpu, `${name}.noResidual`));
  const rowBytes = 4 * layout.nPadded;
  for (const piece of plan.pieces) {
    const params = own(gpu.uniform(`${name}.params`, mainParams(plan, piece, p)));
    const rows = Math.min(plan.rowsPerBinding, layout.wordRows - piece.rowBase);
    const entries: GPUBindGroupEntry[] = [
      { binding: 0, resource: { buffer: params } },
      { binding: 1, resource: { buffer: x } },
      {
        binding: 2,
        resource: { buffer: io.weights, offset: piece.rowBase * rowBytes, size: rows * rowBytes },
      },
      { binding: 4, resource: { buffer: residual } },
      { binding: 5, resource: { buffer: out } },
    ];
    // Only the int8 and int4 entry points use binding 3 ('auto' layouts hold what an entry point uses).
    if (io.scales && layout.scaleWords) entries.push({ binding: 3, resource: { buffer: io.scales } });
    const group = gpu.device.createBindGroup({
      label: `${name}.main`,
      layout: main.getBindGroupLayout(0),
      entries,
    });
    steps.push({ pipeline: main, group, grid: [plan.columnGroups, piece.splits] });
  }
  if (!direct) {
    const reduce = { splits: plan.totalSplits, has_residual: Boolean(p.residual) };
    steps.push(await pass('reduce', layout.nPadded, reduce, { 3: out, 4: residual, 5: io.y }));
  }
  return dispatchRun(steps, owned);
}

/** A GEMV kernel for one weight format (tunables per adapter kind unless options say otherwise). */
export function gemvKernel(spec: GemvKernelSpec, options: GemvTunables = {}): ConfigurableGemvKernel {
  return {
    name: spec.name,
    summary: spec.summary,
    ...(spec.features ? { features: spec.features } : {}),
    decline: (p) => (p.format === spec.format ? undefined : `stores ${spec.format} weights, not ${p.format}`),
    prepare: (gpu, p, io) => prepareGemv(gpu, spec, options, p, io),
    cost: gemvCost,
    configure: (more) => gemvKernel(spec, { ...options, ...more }),
  };
}
