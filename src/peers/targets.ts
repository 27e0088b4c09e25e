// The targets against ONNX Runtime Web (issue 16): our dense-baseline attention kernel ≥ 1.0× ORT Web's
// fused attention on the same problem, our decode kernel ≥ 1.0× ORT Web on the decode problems, our
// epilogue matmul ≥ 1.0× ORT Web's MatMul. Derived from a run's results only (pure: the CLI, the page
// and BENCHMARKS.md show the same lines). Our side is found by registry kind and role, never by name;
// the ratio is ORT's median ÷ ours (above 1: ours is faster) at the largest problem both verified and
// timed. Where no ratio can be formed, `reason` says why in words taken from the results.

import { kernelNames } from '../kernels/registry.ts';
import type { BenchResult, Op } from '../results/types.ts';

/** The ORT line with the fused operator (MatMul / MultiHeadAttention) and the composed one. */
const FUSED = 'onnxruntime-web';
const COMPOSED = 'onnxruntime-web-composed';

export interface PeerTarget {
  /** "flash vs ONNX Runtime Web fused attention". */
  name: string;
  /** Our kernel (registry name). */
  ours: string;
  /** The ORT line the ratio is taken against (impl), when there is one. */
  against?: string;
  /** ORT's median ÷ ours; undefined when no pair could be formed. */
  value?: number;
  target: number;
  /** The problem both ran, as the results table writes it. */
  problem?: string;
  /** Why there is no ratio, or what qualifies the one given (a failed larger problem). */
  reason?: string;
  /**
   * Set when the target's own line (ORT's fused operator) gave no ratio and `value` is against a later
   * line instead (its composed one): then the target itself is not checked, and `reason` says why.
   */
  fallback?: string;
  /** The two results behind the ratio: [ORT, ours]. */
  sources: BenchResult[];
}

type Timed = BenchResult & { latencyMs: NonNullable<BenchResult['latencyMs']> };
const isTimed = (r: BenchResult | undefined): r is Timed => Boolean(r?.verified && r.latencyMs);

/** "h=2 s=256 d=64", "h=2 q=1 kv=8192 d=64", "256×256×256". */
export function problemText(r: BenchResult): string {
  const p = r.params;
  if (r.op === 'matmul') return `${p.m}×${p.k}×${p.n}`;
  const seq = p.seqQ === p.seqK ? `s=${p.seqK}` : `q=${p.seqQ} kv=${p.seqK}`;
  return `h=${p.heads} ${seq} d=${p.headDim}${p.causal ? ' causal' : ''}`;
}

/** The key of a problem both sides can run: no mask, no epilogue. */
function problemKey(r: BenchResult): string | undefined {
  const p = r.params;
  if (r.op === 'matmul') return p.bias ? undefined : `mm ${p.m} ${p.k} ${p.n}`;
  if (r.op !== 'attention' && r.op !== 'decode') return undefined;
  if (p.pattern !== undefined || p.mask !== undefined) return undefined;
  return `${r.op} ${p.heads} ${p.seqQ} ${p.seqK} ${p.headDim} ${Boolean(p.causal)}`;
}

/** Work of a problem, to pick the largest pair. */
function size(r: BenchResult): number {
  const p = r.params;
  if (r.op === 'matmul') return Number(p.m) * Number(p.k) * Number(p.n);
  return Number(p.heads) * Number(p.seqQ) * Number(p.seqK) * Number(p.headDim);
}

const firstLine = (text: string | undefined) => (text ?? 'not verified').split('\n')[0];

/** "failed at P: error (known cause …)", or "not run at P: why" when the run never reached it. */
function failure(r: BenchResult): string {
  const error = firstLine(r.error);
  if (error.startsWith('not run: '))
    return `not run at ${problemText(r)}: ${error.slice('not run: '.length)}`;
  const cause = (r.notes ?? '').split('; ').find((part) => part.startsWith('known cause'));
  return `failed at ${problemText(r)}: ${cause ? `${error} (${cause})` : error}`;
}

interface Spec {
  op: Op;
  ours: string | undefined;
  what: string;
  /** The ORT lines to try in order; later ones only when no earlier one gives a ratio. */
  lines: { impl: string; words: string }[];
}

function specs(): Spec[] {
  return [
    {
      op: 'attention',
      ours: kernelNames({ kinds: ['dense'], role: 'dense-baseline' })[0],
      what: 'fused attention',
      lines: [
        { impl: FUSED, words: 'fused MultiHeadAttention' },
        { impl: COMPOSED, words: 'composed MatMul → Softmax → MatMul' },
      ],
    },
    {
      op: 'decode',
      ours: kernelNames({ kinds: ['decode'], role: 'memory-bound' })[0],
      what: 'attention on the decode problems',
      lines: [{ impl: FUSED, words: 'fused MultiHeadAttention' }],
    },
    {
      op: 'matmul',
      ours: kernelNames({ kinds: ['matmul'], role: 'epilogue' })[0],
      what: 'MatMul',
      lines: [{ impl: FUSED, words: 'MatMul' }],
    },
  ];
}

/** Why an ORT line gave no ratio: its failures (the largest one's words), ours, or that one did not run. */
function whyNot(mine: BenchResult[], theirs: BenchResult[], words: string, ours: string): string {
  const largest = (rs: BenchResult[]) => [...rs].sort((a, b) => size(b) - size(a))[0];
  if (theirs.length === 0) return `ONNX Runtime Web ${words} not run in this run`;
  const failed = theirs.filter((r) => !isTimed(r));
  if (failed.length === theirs.length) {
    const r = largest(failed);
    return `ONNX Runtime Web ${words} ${failure(r)}`;
  }
  const comparable = mine.filter((r) => problemKey(r) !== undefined);
  const keys = new Set(theirs.filter(isTimed).map(problemKey));
  const ownFailure = largest(comparable.filter((r) => !isTimed(r) && keys.has(problemKey(r))));
  if (ownFailure) return `${ours} ${failure(ownFailure)}`;
  if (comparable.length === 0) return `${ours} not run in this run`;
  return `no problem both ${ours} and ONNX Runtime Web ${words} verified and timed`;
}

/** The three target lines of one run's results. */
export function peerTargets(results: readonly BenchResult[]): PeerTarget[] {
  return specs().map((spec) => {
    const ours = spec.ours ?? `(no ${spec.op} kernel registered)`;
    const name = `${ours} vs ONNX Runtime Web ${spec.what}`;
    const line: PeerTarget = { name, ours, target: 1, sources: [] };
    const mine = results.filter((r) => r.impl === 'attnscope' && r.op === spec.op && r.kernel === spec.ours);
    const mineByKey = new Map<string, Timed>();
    for (const r of mine) {
      const key = problemKey(r);
      if (key && isTimed(r) && !mineByKey.has(key)) mineByKey.set(key, r);
    }
    const reasons: string[] = [];
    for (const { impl, words } of spec.lines) {
      const theirs = results.filter(
        (r) => r.impl === impl && r.op === spec.op && problemKey(r) !== undefined,
      );
      const pairs = theirs
        .filter(isTimed)
        .map((r) => [r, mineByKey.get(problemKey(r) ?? '')] as const)
        .filter((pair): pair is readonly [Timed, Timed] => pair[1] !== undefined)
        .sort((a, b) => size(b[0]) - size(a[0]));
      if (pairs.length === 0) {
        reasons.push(whyNot(mine, theirs, words, ours));
        continue;
      }
      const [peer, own] = pairs[0];
      line.against = impl;
      line.value = peer.latencyMs.median / own.latencyMs.median;
      line.problem = problemText(peer);
      line.sources = [peer, own];
      // A larger problem this line failed on is said beside the ratio of a smaller one.
      const larger = theirs.find((r) => !isTimed(r) && size(r) > size(peer));
      if (larger) reasons.push(`ONNX Runtime Web ${words} ${failure(larger)}`);
      if (impl !== spec.lines[0].impl) line.fallback = words;
      break;
    }
    if (reasons.length) line.reason = reasons.join('; ');
    return line;
  });
}

/** "1.23×" (two decimals; more when that is what shows a value just under the target). */
export function formatTargetValue(value: number, target = 1): string {
  let digits = 2;
  while (value < target && Number(value.toFixed(digits)) >= target && digits < 6) digits++;
  return `${value.toFixed(digits)}×`;
}

/** One line of text per target (the CLI prints these under the table). */
export function formatPeerTarget(t: PeerTarget): string {
  const goal = `target ≥ ${t.target.toFixed(1)}×`;
  if (t.value === undefined) return `${t.name}: no ratio (${goal}): ${t.reason ?? 'not measured'}`;
  if (t.fallback) return `${t.name}: not checked here (${goal}): ${t.reason}; ${fallbackText(t)}`;
  const holds = t.value >= t.target ? 'holds' : 'MISSED';
  const reason = t.reason ? `; ${t.reason}` : '';
  return `${t.name}: ${formatTargetValue(t.value, t.target)} at ${t.problem} (${goal}, ${holds}; ORT median ÷ ours${reason})`;
}

/** "against its composed … line instead: 3.91× at P (ORT median ÷ ours)", for a fallback ratio. */
export function fallbackText(t: PeerTarget): string {
  const value =
    t.value === undefined ? 'no ratio' : `${formatTargetValue(t.value, t.target)} at ${t.problem}`;
  return `against its ${t.fallback} line instead: ${value} (ORT median ÷ ours)`;
}
