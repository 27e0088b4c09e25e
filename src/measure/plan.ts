// Turns a RunConfig into the list of configurations (jobs) a run measures, iterating the kernel
// registry by kind and role so that new kernels appear by themselves: dense kernels in the attention
// sweep, sparse ones against the dense baseline, decode ones (with the dense baseline beside them),
// matmuls, the GEMV kernels, the ceiling probes, the peers and the model suite's decode steps (last).

import type { WeightFormat } from '../kernels/formats.ts';
import { entriesOf, kernelNames } from '../kernels/registry.ts';
import type { KernelEntry, KernelKind } from '../kernels/types.ts';
import type { Impl, Op, ParamValue } from '../results/types.ts';
import type { AttentionCase, Case, MatmulCase } from './cases.ts';
import type { StepCase } from './measure-step.ts';
import { caseLabel } from './model-suite.ts';
import { PEER_NAMES, type PeerName } from './peer.ts';
import type { RunConfig, Suite } from './presets.ts';

/** The registered kernels a run may use (tests pass a registry with faulty or missing kernels). */
export type Registries = readonly KernelEntry[];

export type JobKind =
  | { kind: 'attention'; case: AttentionCase }
  | { kind: 'matmul'; case: MatmulCase; bias: boolean; activation: 'none' | 'gelu' }
  | { kind: 'probe'; bytes: number }
  /** A GEMV kernel on the suite's matrix (gemv-bench.ts picks it for the adapter) at `rows` rows. */
  | { kind: 'gemv'; format: WeightFormat; rows: number }
  | { kind: 'peer'; peer: PeerName; case: Case }
  /** One decoder layer of a model (measure-step.ts). */
  | { kind: 'decode-step'; case: StepCase };

export interface Job {
  id: string;
  suite: Suite;
  op: Op;
  impl: Impl;
  /** Registry name (attnscope) or the peer's operation ('matMul', 'attention'). */
  kernel: string;
  what: JobKind;
  /** Short text for progress lines and tables: "flash h=4 s=512 d=64". */
  label: string;
  params: Record<string, ParamValue>;
  /** Id of the dense job a sparse job is compared with (speedupVsDense). */
  baseline?: string;
  /** Ceiling probes run first and always; their results are kept only with the probes suite. */
  ceiling?: boolean;
  /**
   * A time budget of its own (ms), outside the even split of the run's budget among the other jobs:
   * the decode steps share MODEL_BUDGET_SHARE of it.
   */
  budgetMs?: number;
}

/** Share of the run's budget the model suite's decode steps may use, on top of the rest. */
export const MODEL_BUDGET_SHARE = 0.3;

const MiB = 1024 * 1024;

function attentionParams(c: AttentionCase): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {
    heads: c.heads,
    seqQ: c.seqQ,
    seqK: c.seqK,
    headDim: c.headDim,
    causal: c.causal,
  };
  if (c.mask) {
    params.blockSize = c.mask.blockSize;
    params.pattern = c.mask.pattern;
    params.targetDensity = c.mask.density;
  }
  return params;
}

function attentionId(op: Op, kernel: string, c: AttentionCase): string {
  const shape = c.seqQ === c.seqK ? `s${c.seqQ}` : `q${c.seqQ}-kv${c.seqK}`;
  const mask = c.mask ? `/${c.mask.pattern}-${c.mask.density}-b${c.mask.blockSize}` : '';
  return `${op}/${kernel}/h${c.heads}-${shape}-d${c.headDim}${c.causal ? '-causal' : ''}${mask}`;
}

function shortProblem(c: Case): string {
  if (c.kind === 'matmul') return `${c.m}×${c.k}×${c.n}`;
  const seq = c.seqQ === c.seqK ? `s=${c.seqQ}` : `kv=${c.seqK}`;
  const mask = c.mask ? ` ${c.mask.pattern} ${c.mask.density}` : '';
  return `h=${c.heads} ${seq} d=${c.headDim}${mask}`;
}

export interface PlanOptions {
  registries: Registries;
  /** Peers the loader offers; undefined = both. */
  peers?: readonly PeerName[];
  /** Copy-probe sizes (bytes), chosen from the device limits by the caller. */
  copySizes: number[];
  /** Bytes per buffer of the fma probe. */
  fmaBytes: number;
  /** The model suite's decode-step configurations for this adapter (model-suite.ts modelCases). */
  decodeSteps?: readonly StepCase[];
}

/** Every configuration of a run, in the order they run: ceilings first, then the suites. */
export function planJobs(config: RunConfig, options: PlanOptions): Job[] {
  const { registries } = options;
  const suites = new Set(config.suites);
  const allowed = config.kernels ? new Set(config.kernels) : undefined;
  /** The kernels of a kind to run, in registry order, minus those the config leaves out. */
  const names = (kind: KernelKind) =>
    entriesOf(kind, registries)
      .filter((e) => (allowed ? allowed.has(e.name) : e.presets !== 'none'))
      .map((e) => e.name);
  const streams = new Set(kernelNames({ role: 'streams-memory', variants: true }, registries));
  const [denseBaseline] = kernelNames({ role: 'dense-baseline' }, registries);
  const jobs: Job[] = [];
  const add = (job: Job) => {
    let id = job.id;
    for (let i = 2; jobs.some((j) => j.id === id); i++) id = `${job.id}#${i}`;
    jobs.push({ ...job, id });
  };

  // Ceilings: always measured (every result's utilisation depends on them). The bandwidth probes
  // (copy, read) at the large copy sizes, the others (fma) at their own.
  for (const name of names('probe')) {
    const sizes = streams.has(name) ? options.copySizes : [options.fmaBytes];
    for (const bytes of sizes) {
      add({
        id: `probe/${name}/${bytes / MiB}MiB`,
        suite: 'probes',
        op: 'probe',
        impl: 'attnscope',
        kernel: name,
        what: { kind: 'probe', bytes },
        label: `${name} ${bytes / MiB} MiB`,
        params: { bytes },
        ceiling: true,
      });
    }
  }

  const dense = (seq: number): AttentionCase => ({
    kind: 'attention',
    heads: config.heads,
    seqQ: seq,
    seqK: seq,
    headDim: config.headDim,
    causal: false,
  });
  const attentionJob = (suite: Suite, op: Op, kernel: string, c: AttentionCase, baseline?: string): Job => ({
    id: attentionId(op, kernel, c),
    suite,
    op,
    impl: 'attnscope',
    kernel,
    what: { kind: 'attention', case: c },
    label: `${kernel} ${shortProblem(c)}`,
    params: attentionParams(c),
    baseline,
  });

  if (suites.has('attention')) {
    const kernels = names('dense');
    for (const seq of config.seqLens)
      for (const kernel of kernels) add(attentionJob('attention', 'attention', kernel, dense(seq)));
  }

  if (suites.has('sparse') && config.patterns.length && config.densities.length) {
    const seq = Math.max(...config.seqLens);
    const sparseKernels = names('sparse');
    // Density sweep on the first pattern, then every other pattern at the first density.
    const pairs: [string, number][] = [
      ...config.densities.map((d): [string, number] => [config.patterns[0], d]),
      ...config.patterns.slice(1).map((p): [string, number] => [p, config.densities[0]]),
    ];
    pairs.forEach(([pattern, density], index) => {
      if (sparseKernels.length === 0 || !denseBaseline) return;
      const c: AttentionCase = {
        ...dense(seq),
        mask: { pattern, density, blockSize: config.blockSize, seed: 1 + index },
      };
      // Each sparse kernel against the dense baseline of its own precision (block-sparse-f16 against
      // flash-f16), timed just before it.
      const denseOf = (kernel: string) => {
        const precision = entriesOf('sparse', registries).find((e) => e.name === kernel)?.precision;
        const same = entriesOf('dense', registries).find(
          (e) =>
            (e.name === denseBaseline || e.variantOf === denseBaseline) &&
            e.precision === precision &&
            (!allowed || allowed.has(e.name)),
        );
        return same?.name ?? denseBaseline;
      };
      const baselineIds = new Map<string, string>();
      for (const kernel of sparseKernels) {
        const dense = denseOf(kernel);
        if (!baselineIds.has(dense)) {
          add(attentionJob('sparse', 'attention', dense, c));
          baselineIds.set(dense, jobs[jobs.length - 1].id);
        }
        add(attentionJob('sparse', 'attention', kernel, c, baselineIds.get(dense)));
      }
    });
  }

  if (suites.has('decode')) {
    const decodeKernels = names('decode');
    for (const kv of config.decodeKv) {
      const c: AttentionCase = {
        kind: 'attention',
        heads: config.heads,
        seqQ: 1,
        seqK: kv,
        headDim: config.headDim,
        causal: false,
      };
      const sparse: AttentionCase | undefined =
        config.decodeDensity !== undefined && config.decodeDensity < 1
          ? {
              ...c,
              mask: {
                pattern: 'random',
                density: config.decodeDensity,
                blockSize: config.decodeBlockSize ?? config.blockSize,
                seed: 7,
              },
            }
          : undefined;
      // Each sparse decode right after its dense baseline: the machine's load drifts less in between.
      for (const kernel of decodeKernels) {
        add(attentionJob('decode', 'decode', kernel, c));
        const baseline = jobs[jobs.length - 1].id;
        if (sparse) add(attentionJob('decode', 'decode', kernel, sparse, baseline));
      }
      if (denseBaseline && (!allowed || allowed.has(denseBaseline)))
        add(attentionJob('decode', 'decode', denseBaseline, c));
    }
  }

  if (suites.has('matmul')) {
    const kernels = names('matmul');
    // A square matmul; with `epilogue`, the fused feed-forward epilogue (bias + GELU).
    const matmulJob = (kernel: string, size: number, epilogue: boolean) => {
      const c: MatmulCase = { kind: 'matmul', m: size, k: size, n: size };
      add({
        id: `matmul/${kernel}/${size}${epilogue ? '/bias-gelu' : ''}`,
        suite: 'matmul',
        op: 'matmul',
        impl: 'attnscope',
        kernel,
        what: { kind: 'matmul', case: c, bias: epilogue, activation: epilogue ? 'gelu' : 'none' },
        label: `${kernel} ${shortProblem(c)}${epilogue ? ' +bias+gelu' : ''}`,
        params: { m: size, k: size, n: size, ...(epilogue ? { bias: true, activation: 'gelu' } : {}) },
      });
    };
    for (const size of config.matmulSizes) {
      for (const kernel of kernels) matmulJob(kernel, size, false);
    }
    // The epilogue on the epilogue kernel at the largest size.
    const kernel = kernelNames({ role: 'epilogue' }, registries).find((n) => kernels.includes(n));
    if (kernel) matmulJob(kernel, Math.max(...config.matmulSizes), true);
  }

  if (suites.has('gemv')) {
    for (const entry of entriesOf('gemv', registries)) {
      if (!names('gemv').includes(entry.name)) continue;
      const format = entry.precision as WeightFormat;
      for (const rows of config.gemvRows ?? [1]) {
        add({
          id: `gemv/${entry.name}/r${rows}`,
          suite: 'gemv',
          op: 'gemv',
          impl: 'attnscope',
          kernel: entry.name,
          what: { kind: 'gemv', format, rows },
          label: `${entry.name} ${rows} row${rows > 1 ? 's' : ''}`,
          params: { rows, format },
        });
      }
    }
  }

  if (suites.has('peers') && config.peers) {
    const available = options.peers ?? PEER_NAMES;
    const ops = new Set(config.peerOps ?? ['matmul', 'attention']);
    for (const peer of available) {
      // The composed ORT line is attention only (its MatMul is the 'onnxruntime-web' line's).
      const matmulSizes = peer === 'onnxruntime-web-composed' ? [] : config.matmulSizes;
      for (const size of ops.has('matmul') ? matmulSizes : []) {
        const c: MatmulCase = { kind: 'matmul', m: size, k: size, n: size };
        add({
          id: `matmul/${peer}:matMul/${size}`,
          suite: 'peers',
          op: 'matmul',
          impl: peer,
          kernel: 'matMul',
          what: { kind: 'peer', peer, case: c },
          label: `${peer} matMul ${shortProblem(c)}`,
          params: { m: size, k: size, n: size },
        });
      }
      // A peer's attention on one case, timed under `op`.
      const peerAttention = (op: 'attention' | 'decode', c: AttentionCase) =>
        add({
          id: attentionId(op, `${peer}:attention`, c),
          suite: 'peers',
          op,
          impl: peer,
          kernel: 'attention',
          what: { kind: 'peer', peer, case: c },
          label: `${peer} attention ${shortProblem(c)}`,
          params: attentionParams(c),
        });
      // Composed attention; gpu.js (naive kernels) only on the smallest sequence.
      const seqs = peer === 'gpu.js' ? [Math.min(...config.seqLens)] : config.seqLens;
      for (const seq of ops.has('attention') ? seqs : []) peerAttention('attention', dense(seq));
      // ONNX Runtime Web's attention also on the decode problems (one query row against the cache).
      for (const kv of ops.has('attention') && peer.startsWith('onnxruntime-web') ? config.decodeKv : []) {
        peerAttention('decode', { ...dense(1), seqK: kv });
      }
    }
  }

  const steps = suites.has('model') ? (options.decodeSteps ?? []) : [];
  for (const c of steps) {
    add({
      id: `decode-step/${c.model}/${c.format}/c${c.context}/b${c.batch}/tp${c.tp ?? 1}`,
      suite: 'model',
      op: 'decode-step',
      impl: 'attnscope',
      kernel: 'decode-step',
      what: { kind: 'decode-step', case: c },
      label: caseLabel(c),
      params: {
        model: c.model,
        format: c.format,
        context: c.context,
        batch: c.batch,
        tp: c.tp ?? 1,
        kv: c.kv ?? 'dense',
      },
      budgetMs: (MODEL_BUDGET_SHARE * config.budgetMs) / steps.length,
    });
  }
  return jobs;
}
