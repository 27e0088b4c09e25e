// Autotune: a small sweep over a kernel's override constants (a few configurations, each verified
// then timed like any result) on one representative problem, whose winner is cached per adapter —
// in the browser in localStorage, in Node in .attnscope-cache/autotune.json — and then used, under
// the kernel's contract name, for the rest of the run. attnscope's measurable version of co-designing
// a kernel for a chip. What is tunable, and the candidates, live in
// kernels/tunables.ts; each registry entry names its tunable.

import packageJson from '../../package.json' with { type: 'json' };
import type { Gpu } from '../gpu/gpu.ts';
import { findEntry } from '../kernels/registry.ts';
import type { KernelEntry, Tunable, TuneCandidate } from '../kernels/types.ts';
import type { BenchResult, ParamValue } from '../results/types.ts';
import type { Case } from './cases.ts';
import type { JobContext } from './context.ts';
import { isFatal } from './fatal.ts';
import { comparePair } from './pairing.ts';
import type { Job, Registries } from './plan.ts';
import { runJob } from './verify.ts';

export type { Tunable, TuneCandidate } from '../kernels/types.ts';

export interface TuneRecord {
  label: string;
  config: Record<string, number | boolean>;
  /** Median ms of every verified candidate on the tuning problem, winner first. */
  sweep: { label: string; medianMs: number }[];
  problem: string;
  /** When the sweep's fastest was not the default: the paired re-timing that kept or rejected it. */
  confirmation?: string;
  createdAt: string;
}

/** Where winners are kept between runs. */
export interface TuneStore {
  get(key: string): Promise<TuneRecord | undefined>;
  set(key: string, record: TuneRecord): Promise<void>;
}

const STORAGE_KEY = 'attnscope.autotune.v1';
const CACHE_DIR = '.attnscope-cache';
const CACHE_FILE = 'autotune.json';

function isRecord(value: unknown): value is TuneRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as TuneRecord;
  return (
    typeof r.label === 'string' && typeof r.config === 'object' && r.config !== null && Array.isArray(r.sweep)
  );
}

/** The winners of a stored JSON object by key; a missing or damaged store reads as none. */
function parseWinners(text: string | null | undefined): Record<string, unknown> {
  try {
    const parsed = JSON.parse(text ?? '{}');
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A store of winners kept as one JSON object: `load` reads it all, `save` writes it all. */
function jsonTuneStore(
  load: () => Promise<Record<string, unknown>>,
  save: (all: Record<string, unknown>) => Promise<void>,
): TuneStore {
  return {
    async get(key) {
      const value = (await load())[key];
      return isRecord(value) ? value : undefined;
    },
    async set(key, record) {
      await save({ ...(await load()), [key]: record });
    },
  };
}

/** localStorage in a browser, a JSON file under .attnscope-cache/ in Node, memory otherwise. */
export function defaultTuneStore(): TuneStore {
  if (typeof localStorage !== 'undefined') {
    return jsonTuneStore(
      async () => parseWinners(localStorage.getItem(STORAGE_KEY)),
      async (all) => {
        try {
          localStorage.setItem(STORAGE_KEY, JSON.stringify(all));
        } catch {
          // Storage full or disabled: the winner is only used for this run.
        }
      },
    );
  }
  if (typeof process !== 'undefined' && process.versions?.node)
    return fileTuneStore(`${CACHE_DIR}/${CACHE_FILE}`);
  return memoryTuneStore();
}

export function memoryTuneStore(): TuneStore {
  const map = new Map<string, TuneRecord>();
  return {
    async get(key) {
      return map.get(key);
    },
    async set(key, record) {
      map.set(key, record);
    },
  };
}

/** A JSON file of winners by key (Node). */
export function fileTuneStore(path: string): TuneStore {
  const fsName = 'node:fs/promises';
  const pathName = 'node:path';
  return jsonTuneStore(
    async () => {
      const fs: typeof import('node:fs/promises') = await import(/* @vite-ignore */ fsName);
      return parseWinners(await fs.readFile(path, 'utf8').catch(() => undefined));
    },
    async (all) => {
      const fs: typeof import('node:fs/promises') = await import(/* @vite-ignore */ fsName);
      const { dirname }: typeof import('node:path') = await import(/* @vite-ignore */ pathName);
      await fs.mkdir(dirname(path), { recursive: true });
      await fs.writeFile(path, `${JSON.stringify(all, null, 2)}\n`);
    },
  );
}

/**
 * Cache key: the adapter, attnscope's version, the kernel and its candidate list (a new list sweeps
 * again; so does a new version, whose kernels may differ under the same candidate labels). The tuning
 * problem is recorded in the winner, not keyed: one winner per adapter serves every preset.
 */
export function tuneKey(
  gpu: Gpu,
  tunable: Tunable,
  candidates: TuneCandidate[],
  version: string = packageJson.version,
): string {
  const a = gpu.adapter;
  return [
    `attnscope ${version}`,
    a.vendor,
    a.architecture,
    a.device,
    a.description,
    tunable.kernel,
    candidates.map((c) => c.label).join(','),
  ].join('|');
}

export interface Tuned {
  kernel: string;
  candidate: TuneCandidate;
  record: TuneRecord;
  /** Whether the sweep ran in this run (false: the cached winner). */
  swept: boolean;
  params: Record<string, ParamValue>;
  notes: string;
}

function describeTuned(record: TuneRecord, swept: boolean): string {
  const sweep = record.sweep.map((s) => `${s.label} ${s.medianMs.toPrecision(3)} ms`).join(', ');
  return (
    `autotuned for this adapter (${swept ? 'swept in this run' : `cached winner from ${record.createdAt}`}) on ${record.problem}: ` +
    `${record.label} chosen among ${record.sweep.length} verified configurations: ${sweep}` +
    (record.confirmation ? `; ${record.confirmation}` : '')
  );
}

/**
 * The tuned kernel for `tunable`: the cached winner for this adapter, or (when `sweep`) the winner of
 * a sweep on `tuningCase`, stored for next time. Undefined when nothing is cached and no sweep runs,
 * or when no candidate verifies.
 */
export async function autotune(
  ctx: JobContext,
  tunable: Tunable,
  tuningCase: Case,
  options: { store: TuneStore; sweep: boolean; budgetMs: number; onStep?: (step: string) => void },
): Promise<Tuned | undefined> {
  const { gpu } = ctx;
  const candidates = tunable.candidates(gpu);
  if (candidates.length < 2) return undefined;
  const problem = describeProblem(tuningCase);
  const key = tuneKey(gpu, tunable, candidates);
  const cached = await options.store.get(key).catch(() => undefined);
  if (cached) {
    const candidate = tunable.fromConfig(gpu, cached.config);
    if (candidate) return finish(tunable, candidate, cached, false);
  }
  if (!options.sweep) return undefined;
  const base = findEntry(tunable.kernel, ctx.registries);
  if (!base) return undefined;

  const timed: { candidate: TuneCandidate; result: BenchResult }[] = [];
  const perCandidate = options.budgetMs / candidates.length;
  const started = performance.now();
  const setupBefore = ctx.setupMs;
  let tried = 0;
  for (const candidate of candidates) {
    // Compiles are not in the sampling budget (SwiftShader can take seconds per pipeline): once the
    // sweep's budget is spent, stop with the verified candidates so far (at least two).
    if (timed.length >= 2 && performance.now() - started - (ctx.setupMs - setupBefore) > 2 * options.budgetMs)
      break;
    tried++;
    options.onStep?.(`autotune ${tunable.kernel}: ${candidate.label}`);
    const registries: Registries = [
      { ...base, name: candidate.label, kernel: candidate.kernel } as KernelEntry,
    ];
    const job: Job = {
      id: `autotune/${tunable.kernel}/${candidate.label}`,
      suite: tunable.family === 'matmul' ? 'matmul' : 'attention',
      op: tunable.family === 'matmul' ? 'matmul' : 'attention',
      impl: 'attnscope',
      kernel: candidate.label,
      what:
        tuningCase.kind === 'matmul'
          ? { kind: 'matmul', case: tuningCase, bias: false, activation: 'none' }
          : { kind: 'attention', case: tuningCase },
      label: `autotune ${candidate.label}`,
      params: {},
    };
    const sub: JobContext = { ...ctx, registries, tuning: undefined, setupMs: 0 };
    try {
      const outcome = await runJob(sub, job, perCandidate);
      if ('result' in outcome && outcome.result.verified && outcome.result.latencyMs) {
        timed.push({ candidate, result: outcome.result });
      }
    } catch (error) {
      if (isFatal(gpu, error)) throw error;
    } finally {
      ctx.setupMs += sub.setupMs;
    }
  }
  if (timed.length === 0) return undefined;
  timed.sort((a, b) => (a.result.latencyMs?.median ?? 0) - (b.result.latencyMs?.median ?? 0));
  const { winner, confirmation } = await confirmWinner(ctx, tunable, tuningCase, candidates[0], timed, {
    budgetMs: perCandidate,
    onStep: options.onStep,
  });
  const record: TuneRecord = {
    label: winner.label,
    config: winner.config,
    sweep: timed.map((t) => ({ label: t.candidate.label, medianMs: t.result.latencyMs?.median ?? 0 })),
    problem:
      tried < candidates.length
        ? `${problem} (sweep cut by its time budget after ${tried} of ${candidates.length})`
        : problem,
    confirmation,
    createdAt: new Date().toISOString(),
  };
  await options.store.set(key, record).catch(() => undefined);
  return finish(tunable, winner, record, true);
}

/**
 * The sweep times candidates one after another, so a drift in the machine's load can crown the
 * wrong one. When the fastest is not the default, the two are timed again interleaved (the same
 * load for both); the fastest replaces the default only if the paired speed-up's 95% CI lies above 1.
 */
async function confirmWinner(
  ctx: JobContext,
  tunable: Tunable,
  tuningCase: Case,
  defaultCandidate: TuneCandidate,
  timed: { candidate: TuneCandidate }[],
  options: { budgetMs: number; onStep?: (step: string) => void },
): Promise<{ winner: TuneCandidate; confirmation?: string }> {
  const fastest = timed[0].candidate;
  const fallback = timed.find((t) => t.candidate === defaultCandidate)?.candidate;
  if (!fallback || fastest === fallback) return { winner: fastest };
  options.onStep?.(`autotune ${tunable.kernel}: ${fastest.label} against ${fallback.label}, interleaved`);
  try {
    const ratio = await comparePair(ctx, tuningCase, fastest.kernel, fallback.kernel, options.budgetMs);
    const figure = `${ratio.median.toFixed(2)}× (95% CI ${ratio.ci95[0].toFixed(2)}–${ratio.ci95[1].toFixed(2)}×, ${ratio.pairs} pairs)`;
    if (ratio.ci95[0] > 1) {
      return {
        winner: fastest,
        confirmation: `confirmed against the default ${fallback.label} timed interleaved: ${figure} as fast`,
      };
    }
    return {
      winner: fallback,
      confirmation: `kept the default: timed interleaved with it, the sweep's fastest, ${fastest.label}, ran ${figure} as fast, not clearly faster`,
    };
  } catch (error) {
    if (isFatal(ctx.gpu, error)) throw error;
    return {
      winner: fastest,
      confirmation: `not re-timed against the default (${error instanceof Error ? error.message : String(error)})`,
    };
  }
}

function finish(tunable: Tunable, candidate: TuneCandidate, record: TuneRecord, swept: boolean): Tuned {
  return {
    kernel: tunable.kernel,
    candidate,
    record,
    swept,
    params: { tuned: candidate.label },
    notes: describeTuned(record, swept),
  };
}

function describeProblem(c: Case): string {
  if (c.kind === 'matmul') return `${c.m}×${c.k}×${c.n}`;
  return `h=${c.heads} q=${c.seqQ} kv=${c.seqK} d=${c.headDim}`;
}
