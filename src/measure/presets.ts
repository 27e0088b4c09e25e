// What a benchmark run sweeps: the RunConfig type, the three presets (scaled down on software
// adapters, which run shaders on the CPU) and the validation of a custom config from the page's form
// or the command line, with messages that name the field and the limit.

import { GEMV_MAX_ROWS } from '../kernels/gemv-common.ts';
import { registry } from '../kernels/registry.ts';
import { MAX_HEAD_DIM } from '../kernels/validate.ts';
import type { AdapterDescription } from '../results/types.ts';

export type PresetName = 'quick' | 'standard' | 'full';
export type Suite = 'attention' | 'sparse' | 'decode' | 'matmul' | 'gemv' | 'probes' | 'peers' | 'model';
export type PeerOp = 'matmul' | 'attention';

export const PRESET_NAMES: readonly PresetName[] = ['quick', 'standard', 'full'];
export const SUITES: readonly Suite[] = [
  'attention',
  'sparse',
  'decode',
  'matmul',
  'gemv',
  'probes',
  'peers',
  // A decoder layer's decode step (src/measure/model-suite.ts: its configurations per preset).
  'model',
];
/** Mask patterns the sparse suite can build. */
export const PATTERNS = ['sliding-window', 'strided', 'bigbird', 'topk', 'random'] as const;
export type Pattern = (typeof PATTERNS)[number];

/** Everything a run sweeps; presets are values of this type (scaled down on software adapters). */
export interface RunConfig {
  heads: number;
  headDim: number;
  /** Attention sequence lengths (seqQ = seqK). */
  seqLens: number[];
  blockSize: number;
  /** Mask patterns for block-sparse: 'sliding-window', 'strided', 'bigbird', 'topk', 'random'. */
  patterns: string[];
  /** Target densities (fraction of blocks kept) for the block-sparse sweeps. */
  densities: number[];
  /** Decode KV lengths. */
  decodeKv: number[];
  /** Fraction of KV blocks kept by the sparse decode comparison (0.6 = the article's −40%). */
  decodeDensity?: number;
  /**
   * Keys per block of the sparse decode comparison (default blockSize). 64 in every preset: the
   * block of block-sparse decode in the field (NSA's selection blocks, MInference's block-sparse
   * heads), one size on every adapter.
   */
  decodeBlockSize?: number;
  /** Square matmul sizes. */
  matmulSizes: number[];
  /** Activation rows of the gemv suite's cases (1 … 16; default [1]); its matrix is fixed (gemv-bench.ts). */
  gemvRows?: number[];
  peers: boolean;
  /** Which operations the peers run (default both; the quick preset keeps matmul only). */
  peerOps?: PeerOp[];
  suites: Suite[];
  /** Overall time budget of the run (ms). */
  budgetMs: number;
  /** Sweep tunable kernels when no winner is cached for this adapter (cached winners are always used). */
  autotune?: boolean;
  /** Only these kernels (registry names); default: every kernel of the registries. */
  kernels?: string[];
}

/** The quick preset's handful: the registry's kernels that every preset runs (no variants: each costs a compile). */
const QUICK_KERNELS = registry.filter((e) => e.presets === 'all').map((e) => e.name);

/** What a preset runs: the same on every adapter. */
type PresetScope = Pick<
  RunConfig,
  | 'headDim'
  | 'patterns'
  | 'decodeDensity'
  | 'decodeBlockSize'
  | 'peers'
  | 'peerOps'
  | 'suites'
  | 'autotune'
  | 'kernels'
>;
/** How large a preset's problems are and how long it may take: per adapter. */
type PresetSizes = Omit<RunConfig, keyof PresetScope>;

/**
 * What every preset shares: the head size, the sparse decode at 0.6 (the article's −40%) in blocks
 * of 64 keys, every suite.
 */
const BASE: Omit<PresetScope, 'patterns'> = {
  headDim: 64,
  decodeDensity: 0.6,
  decodeBlockSize: 64,
  peers: true,
  suites: [...SUITES],
};

const SCOPE: Record<PresetName, PresetScope> = {
  quick: { ...BASE, patterns: ['sliding-window'], peerOps: ['matmul'], kernels: QUICK_KERNELS },
  standard: { ...BASE, patterns: [...PATTERNS], autotune: true },
  full: { ...BASE, patterns: [...PATTERNS], autotune: true },
};

const HARDWARE: Record<PresetName, PresetSizes> = {
  quick: {
    heads: 4,
    seqLens: [512],
    blockSize: 64,
    densities: [0.5],
    decodeKv: [8192],
    matmulSizes: [512],
    gemvRows: [1],
    budgetMs: 60_000,
  },
  standard: {
    heads: 8,
    seqLens: [512, 1024, 2048],
    blockSize: 64,
    densities: [0.5, 0.25],
    decodeKv: [4096, 16384, 65536],
    matmulSizes: [512, 1024, 2048],
    gemvRows: [1, 16],
    budgetMs: 300_000,
  },
  full: {
    // unfused's S at h=8, s=4096 is 512 MiB: within the storage-binding limit of discrete GPUs.
    heads: 8,
    seqLens: [1024, 2048, 4096],
    blockSize: 64,
    densities: [0.6, 0.5, 0.25, 0.125],
    decodeKv: [8192, 32768, 131072],
    matmulSizes: [1024, 2048, 4096],
    gemvRows: [1, 4, 16],
    budgetMs: 900_000,
  },
};

/** A software adapter runs shaders on a few CPU cores: the same sweeps on problems ~100× smaller. */
const SOFTWARE: Record<PresetName, PresetSizes> = {
  quick: {
    heads: 2,
    seqLens: [128],
    blockSize: 16,
    densities: [0.5],
    decodeKv: [2048],
    matmulSizes: [128],
    gemvRows: [1],
    budgetMs: 60_000,
  },
  standard: {
    heads: 2,
    seqLens: [128, 256],
    blockSize: 16,
    densities: [0.5, 0.25],
    decodeKv: [2048, 8192],
    matmulSizes: [128, 256],
    gemvRows: [1],
    budgetMs: 240_000,
  },
  full: {
    heads: 4,
    seqLens: [128, 256, 512],
    blockSize: 32,
    densities: [0.5, 0.25, 0.125],
    decodeKv: [2048, 8192, 32768],
    matmulSizes: [128, 256, 512],
    gemvRows: [1, 16],
    budgetMs: 600_000,
  },
};

/** A preset's config: its scope and its sizes, in RunConfig's order, every list a fresh copy. */
function assemble(scope: PresetScope, sizes: PresetSizes): RunConfig {
  return {
    heads: sizes.heads,
    headDim: scope.headDim,
    seqLens: [...sizes.seqLens],
    blockSize: sizes.blockSize,
    patterns: [...scope.patterns],
    densities: [...sizes.densities],
    decodeKv: [...sizes.decodeKv],
    decodeDensity: scope.decodeDensity,
    decodeBlockSize: scope.decodeBlockSize,
    matmulSizes: [...sizes.matmulSizes],
    gemvRows: sizes.gemvRows ? [...sizes.gemvRows] : undefined,
    peers: scope.peers,
    peerOps: scope.peerOps ? [...scope.peerOps] : undefined,
    suites: [...scope.suites],
    budgetMs: sizes.budgetMs,
    autotune: scope.autotune,
    kernels: scope.kernels ? [...scope.kernels] : undefined,
  };
}

/** The preset's sweeps for this adapter; software adapters get the smaller problems and say so. */
export function presetConfig(
  name: PresetName,
  adapter: Pick<AdapterDescription, 'isSoftware'>,
): RunConfig & { scaledForSoftware: boolean } {
  if (!PRESET_NAMES.includes(name)) {
    throw new Error(`preset: expected one of ${PRESET_NAMES.join(', ')}, got ${String(name)}`);
  }
  const sizes = (adapter.isSoftware ? SOFTWARE : HARDWARE)[name];
  return { ...assemble(SCOPE[name], sizes), scaledForSoftware: adapter.isSoftware };
}

export type ValidationResult =
  | { ok: true; value: RunConfig }
  | { ok: false; errors: { field: string; message: string }[] };

/** Limits on a custom config beyond the device's: keep a run finite and a link small. */
export const CONFIG_LIMITS = {
  heads: 256,
  headDim: MAX_HEAD_DIM,
  seqLen: 1 << 20,
  blockSize: 4096,
  listLength: 16,
  matmulSize: 1 << 15,
  decodeKv: 1 << 24,
  minBudgetMs: 1_000,
  maxBudgetMs: 24 * 3_600_000,
} as const;

const FIELDS: readonly (keyof RunConfig)[] = [
  'heads',
  'headDim',
  'seqLens',
  'blockSize',
  'patterns',
  'densities',
  'decodeKv',
  'decodeDensity',
  'decodeBlockSize',
  'matmulSizes',
  'gemvRows',
  'peers',
  'peerOps',
  'suites',
  'budgetMs',
  'autotune',
  'kernels',
];

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value;
}

/** Validates a raw custom config against the rules and the device limits; never throws. */
export function validateRunConfig(
  raw: unknown,
  limits: GPUSupportedLimits | Record<string, number>,
): ValidationResult {
  const errors: { field: string; message: string }[] = [];
  const fail = (field: string, message: string) => {
    errors.push({ field, message: `${field}: ${message}` });
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return {
      ok: false,
      errors: [{ field: 'config', message: `config: expected an object, got ${describe(raw)}` }],
    };
  }
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!(FIELDS as readonly string[]).includes(key))
      fail(key, `unknown field; expected one of ${FIELDS.join(', ')}`);
  }

  const integer = (field: string, value: unknown, min: number, max: number): number => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      fail(field, `expected an integer, got ${describe(value)}`);
      return Number.NaN;
    }
    if (!Number.isInteger(value)) fail(field, `expected an integer, got ${value}`);
    else if (value < min) fail(field, `must be at least ${min}, got ${value}`);
    else if (value > max) fail(field, `${value} exceeds the limit of ${max}`);
    return value;
  };
  const fraction = (field: string, value: unknown): number => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      fail(field, `expected a number in (0, 1], got ${describe(value)}`);
      return Number.NaN;
    }
    if (value <= 0 || value > 1) fail(field, `expected a number in (0, 1], got ${value}`);
    return value;
  };
  const list = <T>(
    field: string,
    value: unknown,
    item: (name: string, v: unknown) => T,
    allowEmpty = false,
  ): T[] => {
    if (!Array.isArray(value)) {
      fail(field, `expected a list, got ${describe(value)}`);
      return [];
    }
    if (!allowEmpty && value.length === 0) fail(field, 'expected at least one value');
    if (value.length > CONFIG_LIMITS.listLength) {
      fail(field, `${value.length} values exceed the limit of ${CONFIG_LIMITS.listLength}`);
      return [];
    }
    return value.map((v, i) => item(`${field}[${i}]`, v));
  };

  const binding = Math.min(
    Number(limits.maxStorageBufferBindingSize ?? Number.POSITIVE_INFINITY),
    Number(limits.maxBufferSize ?? Number.POSITIVE_INFINITY),
  );
  const fits = (field: string, what: string, bytes: number) => {
    if (Number.isFinite(bytes) && bytes > binding) {
      fail(
        field,
        `${what} needs ${bytes} bytes in one buffer, over this device's maxStorageBufferBindingSize of ${binding}`,
      );
    }
  };

  const heads = integer('heads', input.heads, 1, CONFIG_LIMITS.heads);
  const headDim = integer('headDim', input.headDim, 1, CONFIG_LIMITS.headDim);
  const seqLens = list('seqLens', input.seqLens, (f, v) => integer(f, v, 1, CONFIG_LIMITS.seqLen));
  const blockSize = integer('blockSize', input.blockSize, 1, CONFIG_LIMITS.blockSize);
  // Mask patterns and densities serve the sparse suite alone: without it they may be empty.
  const sparseOff = Array.isArray(input.suites) && !input.suites.includes('sparse');
  const patterns = list(
    'patterns',
    input.patterns,
    (f, v) => {
      if (typeof v !== 'string' || !(PATTERNS as readonly string[]).includes(v)) {
        fail(f, `expected one of ${PATTERNS.join(', ')}, got ${describe(v)}`);
      }
      return v as string;
    },
    sparseOff,
  );
  const densities = list('densities', input.densities, fraction, sparseOff);
  const decodeKv = list('decodeKv', input.decodeKv, (f, v) => integer(f, v, 1, CONFIG_LIMITS.decodeKv));
  const decodeDensity =
    input.decodeDensity === undefined ? undefined : fraction('decodeDensity', input.decodeDensity);
  const decodeBlockSize =
    input.decodeBlockSize === undefined
      ? undefined
      : integer('decodeBlockSize', input.decodeBlockSize, 1, CONFIG_LIMITS.blockSize);
  const matmulSizes = list('matmulSizes', input.matmulSizes, (f, v) =>
    integer(f, v, 1, CONFIG_LIMITS.matmulSize),
  );
  const gemvRows =
    input.gemvRows === undefined
      ? undefined
      : list('gemvRows', input.gemvRows, (f, v) => integer(f, v, 1, GEMV_MAX_ROWS));
  if (typeof input.peers !== 'boolean') fail('peers', `expected true or false, got ${describe(input.peers)}`);
  const peerOps =
    input.peerOps === undefined
      ? undefined
      : list('peerOps', input.peerOps, (f, v) => {
          if (v !== 'matmul' && v !== 'attention')
            fail(f, `expected 'matmul' or 'attention', got ${describe(v)}`);
          return v as PeerOp;
        });
  const suites = list('suites', input.suites, (f, v) => {
    if (typeof v !== 'string' || !(SUITES as readonly string[]).includes(v)) {
      fail(f, `expected one of ${SUITES.join(', ')}, got ${describe(v)}`);
    }
    return v as Suite;
  });
  if (input.autotune !== undefined && typeof input.autotune !== 'boolean') {
    fail('autotune', `expected true or false, got ${describe(input.autotune)}`);
  }
  const kernels =
    input.kernels === undefined
      ? undefined
      : list('kernels', input.kernels, (f, v) => {
          if (typeof v !== 'string' || !/^[A-Za-z][\w.-]{0,63}$/.test(v)) {
            fail(f, `expected a kernel name, got ${describe(v)}`);
          }
          return v as string;
        });
  const budgetMs = integer('budgetMs', input.budgetMs, CONFIG_LIMITS.minBudgetMs, CONFIG_LIMITS.maxBudgetMs);

  if (errors.length === 0) {
    seqLens.forEach((s, i) => {
      fits(`seqLens[${i}]`, 'q, k or v (heads × seqLen × headDim f32)', 4 * heads * s * headDim);
    });
    decodeKv.forEach((kv, i) => {
      fits(`decodeKv[${i}]`, 'k or v (heads × decodeKv × headDim f32)', 4 * heads * kv * headDim);
    });
    matmulSizes.forEach((n, i) => {
      fits(`matmulSizes[${i}]`, 'a matrix (size × size f32)', 4 * n * n);
    });
  }
  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    value: {
      heads,
      headDim,
      seqLens,
      blockSize,
      patterns,
      densities,
      decodeKv,
      decodeDensity,
      ...(decodeBlockSize === undefined ? {} : { decodeBlockSize }),
      matmulSizes,
      ...(gemvRows ? { gemvRows: [...new Set(gemvRows)] } : {}),
      peers: input.peers as boolean,
      peerOps: peerOps ? [...new Set(peerOps)] : undefined,
      suites: [...new Set(suites)],
      budgetMs,
      autotune: input.autotune as boolean | undefined,
      kernels: kernels ? [...new Set(kernels)] : undefined,
    },
  };
}
