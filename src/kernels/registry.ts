// The one list of kernels. Everything else derives from it: the library API's names and `auto`, the
// plan of a benchmark run and its presets, tolerances, the claims' kernel lists, the tests, the page's
// charts and BENCHMARKS.md. To register a kernel, write its .wgsl and its module, then add one line
// to `registry` below with its kind and what differs from the defaults of `entry()`:
//   entry('dense', myKernel, { variantOf: 'flash', precision: 'f16' }),
// Kinds are listed in types.ts (KernelKind, KernelsByKind); roles, precisions and presets there too.

import { UnsupportedProblemError } from '../gpu/errors.ts';
import type { Gpu } from '../gpu/gpu.ts';
import { blockSparse, blockSparseF16 } from './block-sparse.ts';
import { copy } from './copy.ts';
import { decode, decodeF16 } from './decode.ts';
import { flash, flashF16 } from './flash.ts';
import { fma } from './fma.ts';
import { gate } from './gate.ts';
import { gemvF16, gemvF16Native, gemvF32, gemvInt4, gemvInt8 } from './gemv.ts';
import type { GemvKernel, GemvProblem } from './gemv-common.ts';
import { fusedSoftmax, fusedSoftmaxSubgroups, unfused } from './materialized.ts';
import { naive } from './naive-matmul.ts';
import { layernorm, rmsnorm } from './norm.ts';
import { read } from './read.ts';
import { ropeAppend } from './rope-append.ts';
import { tiled } from './tiled-matmul.ts';
import { defaultTolerance } from './tolerance.ts';
import { topKMask } from './topk-mask.ts';
import { blockSparseTunable, decodeTunable, flashTunable, tiledTunable } from './tunables.ts';
import type {
  AttentionKernel,
  AttentionProblem,
  Kernel,
  KernelEntry,
  KernelKind,
  KernelMeta,
  KernelRole,
  KernelsByKind,
  MatmulKernel,
  MatmulProblem,
  ProbeKernel,
} from './types.ts';

/**
 * A registry line: the kind, the kernel, and the metadata that differs from the defaults (f32, no
 * roles, the kind's tolerance for its precision, every preset, or the standard ones for a variant).
 */
export function entry<K extends KernelKind>(
  kind: K,
  kernel: KernelsByKind[K],
  meta: Partial<KernelMeta> = {},
): KernelEntry<K> {
  const precision = meta.precision ?? 'f32';
  return {
    name: kernel.name,
    kind,
    kernel,
    precision,
    roles: meta.roles ?? [],
    tolerance: meta.tolerance ?? defaultTolerance(kind, precision),
    presets: meta.presets ?? (meta.variantOf ? 'standard' : 'all'),
    ...(meta.variantOf ? { variantOf: meta.variantOf } : {}),
    ...(meta.tunable ? { tunable: meta.tunable } : {}),
    ...(meta.auto ? { auto: meta.auto } : {}),
  } as KernelEntry<K>;
}

/** Every kernel, in the order tables and charts list them. */
export const registry: readonly KernelEntry[] = Object.freeze([
  entry('dense', unfused, { roles: ['baseline'], auto: 4 }),
  entry('dense', fusedSoftmax, { roles: ['fused'] }),
  entry('dense', flash, { roles: ['fused', 'dense-baseline'], tunable: flashTunable, auto: 3 }),
  entry('sparse', blockSparse, { tunable: blockSparseTunable, auto: 2 }),
  entry('decode', decode, { roles: ['memory-bound'], tunable: decodeTunable, auto: 1 }),
  entry('dense', flashF16, { variantOf: 'flash', precision: 'f16' }),
  entry('sparse', blockSparseF16, { variantOf: 'block-sparse', precision: 'f16' }),
  entry('decode', decodeF16, { variantOf: 'decode', precision: 'f16', roles: ['memory-bound'] }),
  entry('dense', fusedSoftmaxSubgroups, { variantOf: 'fused-softmax' }),
  entry('matmul', naive, { roles: ['baseline'], auto: 2 }),
  entry('matmul', tiled, { roles: ['epilogue'], tunable: tiledTunable, auto: 1 }),
  // GEMV: checked against the f64 reference on the dequantised weights, so f32 summation is the only
  // error. The quick preset runs the three packed formats; f32 (the baseline) and native f16 from standard on.
  entry('gemv', gemvF32, {
    roles: ['memory-bound'],
    tolerance: defaultTolerance('gemv', 'f32'),
    presets: 'standard',
    auto: 1,
  }),
  entry('gemv', gemvF16, {
    precision: 'f16',
    roles: ['memory-bound'],
    tolerance: defaultTolerance('gemv', 'f32'),
    auto: 1,
  }),
  entry('gemv', gemvF16Native, {
    variantOf: 'gemv-f16',
    precision: 'f16',
    roles: ['memory-bound'],
    tolerance: defaultTolerance('gemv', 'f32'),
  }),
  entry('gemv', gemvInt8, {
    precision: 'int8',
    roles: ['memory-bound'],
    tolerance: defaultTolerance('gemv', 'f32'),
    auto: 1,
  }),
  entry('gemv', gemvInt4, {
    precision: 'int4',
    roles: ['memory-bound'],
    tolerance: defaultTolerance('gemv', 'f32'),
    auto: 1,
  }),
  entry('probe', copy, { roles: ['bandwidth-ceiling', 'streams-memory'] }),
  entry('probe', read, { roles: ['read-ceiling', 'streams-memory'] }),
  entry('probe', fma, { roles: ['compute-ceiling'] }),
  entry('mask', topKMask, { presets: 'none' }),
  // The other ops of a decode step: run inside the model suite's decode step, not on their own.
  entry('op', rmsnorm, { presets: 'none' }),
  entry('op', layernorm, { presets: 'none' }),
  entry('op', ropeAppend, { presets: 'none' }),
  entry('op', gate, { presets: 'none' }),
]);

/** Kinds whose kernels are attention kernels (the attention() API and the attention adapter). */
export const ATTENTION_KINDS = ['dense', 'sparse', 'decode'] as const;

/** The entries of some kinds, in registry order. */
export function entriesOf<K extends KernelKind>(
  kinds: K | readonly K[],
  entries: readonly KernelEntry[] = registry,
): KernelEntry<K>[] {
  const wanted: readonly KernelKind[] = typeof kinds === 'string' ? [kinds] : kinds;
  return entries.filter((e) => wanted.includes(e.kind)) as KernelEntry<K>[];
}

/** What to pick from the registry: kinds, a role, and whether variants count (default: they do not). */
export interface EntryFilter {
  kinds?: readonly KernelKind[];
  role?: KernelRole;
  variants?: boolean;
}

/** The entries that pass a filter, in registry order. */
export function selectEntries(
  filter: EntryFilter,
  entries: readonly KernelEntry[] = registry,
): KernelEntry[] {
  return entries.filter(
    (e) =>
      (!filter.kinds || filter.kinds.includes(e.kind)) &&
      (!filter.role || e.roles.includes(filter.role)) &&
      (filter.variants || !e.variantOf),
  );
}

/** Names of the entries that pass a filter, in registry order. */
export function kernelNames(filter: EntryFilter, entries: readonly KernelEntry[] = registry): string[] {
  return selectEntries(filter, entries).map((e) => e.name);
}

/**
 * The first entry of a kind with a role (the probe behind a ceiling, a kind's baseline), in registry
 * order; throws when none is registered, naming the kind and the role.
 */
export function entryWithRole<K extends KernelKind>(
  kind: K,
  role: KernelRole,
  entries: readonly KernelEntry[] = registry,
): KernelEntry<K> {
  const found = entriesOf(kind, entries).find((e) => e.roles.includes(role));
  if (!found) throw new Error(`no ${kind} kernel with the role '${role}' is registered`);
  return found;
}

/** The entry of a name, or undefined. */
export function findEntry(name: string, entries: readonly KernelEntry[] = registry): KernelEntry | undefined {
  return entries.find((e) => e.name === name);
}

function byName<K>(entries: readonly { name: string; kernel: K }[]): Readonly<Record<string, K>> {
  return Object.freeze(Object.fromEntries(entries.map((e) => [e.name, e.kernel])));
}

/** Attention kernels by contract name. */
export const attentionKernels: Readonly<Record<string, AttentionKernel>> = byName(entriesOf(ATTENTION_KINDS));

/** Matmul kernels by contract name. */
export const matmulKernels: Readonly<Record<string, MatmulKernel>> = byName(entriesOf('matmul'));

/** Decode-time weight kernels (GEMV, 1–16 rows) by name, one per weight format (f16 twice). */
export const gemvKernels: Readonly<Record<string, GemvKernel>> = byName(entriesOf('gemv'));

/** Ceiling probes by name. */
export const probeKernels: Readonly<Record<string, ProbeKernel>> = byName(entriesOf('probe'));

/** The other ops of a decode step (norms, RoPE + KV append, gating) by name. */
export const opKernels: Readonly<Record<string, Kernel<unknown, unknown>>> = byName(entriesOf('op'));

/** Features a kernel needs that this device lacks (empty when it can run). */
export function missingFeatures(gpu: Gpu, kernel: Kernel<unknown, unknown>): GPUFeatureName[] {
  return (kernel.features ?? []).filter((f) => !gpu.features.has(f));
}

function pick<P>(
  gpu: Gpu,
  registry: Readonly<Record<string, Kernel<P, unknown>>>,
  what: string,
  name: string,
  problem: P,
): Kernel<P, unknown> {
  const kernel = Object.hasOwn(registry, name) ? registry[name] : undefined;
  if (!kernel) {
    throw new Error(
      `options.kernel: unknown ${what} kernel '${name}'; expected 'auto' or one of ${Object.keys(registry).join(', ')}`,
    );
  }
  const missing = missingFeatures(gpu, kernel);
  if (missing.length) throw new UnsupportedProblemError(name, `this adapter lacks ${missing.join(', ')}`);
  const reason = kernel.decline?.(problem, gpu);
  if (reason) throw new UnsupportedProblemError(name, reason);
  return kernel;
}

/** The entries `auto` tries, in order of their rank. */
function autoOrder<K extends KernelKind>(kinds: readonly K[]): KernelEntry<K>[] {
  return entriesOf(kinds)
    .filter((e) => e.auto !== undefined)
    .sort((a, b) => (a.auto ?? 0) - (b.auto ?? 0));
}

/**
 * The attention kernel `auto` chooses: the first by rank that accepts the problem (sparse kernels
 * only for a mask that skips blocks); the last one accepts every valid problem.
 */
export function autoAttention(gpu: Gpu, problem: AttentionProblem): AttentionKernel {
  const wantsSparse = problem.mask !== undefined && problem.mask.density < 0.999;
  const order = autoOrder(ATTENTION_KINDS);
  for (const { kind, kernel } of order) {
    if (missingFeatures(gpu, kernel).length) continue;
    if (kind === 'sparse' && !wantsSparse) continue;
    if (!kernel.decline?.(problem, gpu)) return kernel;
  }
  return order[order.length - 1].kernel;
}

/** Resolves options.kernel for attention(); throws for unknown names and declined problems. */
export function selectAttentionKernel(gpu: Gpu, problem: AttentionProblem, name: string): AttentionKernel {
  if (name === 'auto') return autoAttention(gpu, problem);
  return pick(gpu, attentionKernels, 'attention', name, problem) as AttentionKernel;
}

/** Resolves options.kernel for matmul(). */
export function selectMatmulKernel(gpu: Gpu, problem: MatmulProblem, name: string): MatmulKernel {
  if (name === 'auto') {
    const order = autoOrder(['matmul']);
    for (const { kernel } of order) {
      if (!missingFeatures(gpu, kernel).length && !kernel.decline?.(problem, gpu)) return kernel;
    }
    return order[order.length - 1].kernel;
  }
  return pick(gpu, matmulKernels, 'matmul', name, problem) as MatmulKernel;
}

/** Resolves options.kernel for gemv(): 'auto' takes the kernel of the problem's weight format. */
export function selectGemvKernel(gpu: Gpu, problem: GemvProblem, name: string): GemvKernel {
  if (name === 'auto') {
    const kernel = Object.values(gemvKernels).find(
      (k) => !missingFeatures(gpu, k).length && !k.decline?.(problem, gpu),
    );
    if (!kernel) throw new UnsupportedProblemError('auto', `no GEMV kernel stores ${problem.format} weights`);
    return kernel;
  }
  return pick(gpu, gemvKernels, 'GEMV', name, problem) as GemvKernel;
}
