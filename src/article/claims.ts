// The article's claims (../shared/article.txt), one record each: the sentence or table row it comes
// from, its figure as data, what attnscope measures as the nearest equivalent, whether the claim is
// about hardware (then a software adapter gets no verdict), and the check that turns the shown results
// and the person's inputs into a verdict (checks.ts, verdicts.ts). The article is about a chip that is
// not here: a verdict says what the evidence supports, never that the claim is proven or disproven.

import type { ResultsFile } from '../results/types.ts';
import {
  type CheckContext,
  type ClaimCheck,
  checkBandwidthUtilisation,
  checkCost,
  checkLatency,
  checkSingleCycle,
  checkSparseBandwidth,
  checkTensorCores,
} from './checks.ts';
import { type DecoderEstimate, estimateDecoder } from './estimate.ts';
import { type ArticleInputs, DEFAULT_INPUTS } from './inputs.ts';
import type { Verdict } from './verdicts.ts';

export type ArticleFigure =
  /** A before → after pair, with the change the article prints (signed percent: −29.4 is a reduction). */
  | { kind: 'change'; before: number; after: number; unit: string; statedChangePercent?: number }
  /** A single percentage, optionally against a baseline the article names. */
  | { kind: 'percent'; percent: number; of: string; baseline?: { percent: number; of: string } }
  /** A claim without a number. */
  | { kind: 'statement'; statement: string };

export interface Claim {
  id: string;
  /** A short label for a table row. */
  title: string;
  /** The exact sentence (or table row) of article.txt. */
  quote: string;
  articleFigure: ArticleFigure;
  /** What attnscope measures as the nearest equivalent, in plain words. */
  whatWeMeasure: string;
  /** A claim about what hardware does: a software adapter's run gives it no verdict. */
  hardware: boolean;
  check(ctx: CheckContext): ClaimCheck;
}

/** The check of a claim that no measurement bears on: the same verdict and words on every run. */
const fixed = (verdict: Verdict, detail: string) => (): ClaimCheck => ({ verdict, detail });

const referenceOnly =
  'A figure the article reports without a source or a method; no kernel benchmark on any GPU can check it.';

export const claims: readonly Claim[] = [
  {
    id: 'efficiency-30',
    title: 'About 30% more inference efficiency',
    quote:
      'This yields a nearly 30% boost in inference efficiency at the same power envelope, directly addressing the hardware uncertainty imposed by export controls.',
    articleFigure: { kind: 'percent', percent: 30, of: 'inference efficiency' },
    whatWeMeasure: 'Nothing directly: the headline number summarises the latency and cost rows below.',
    hardware: false,
    check: fixed(
      'reference',
      'The headline figure; the table behind it gives 120 → 85 ms and $1.20 → $0.85 (both 29.2% lower). "At the same power envelope" does not match the same table, which gives 400 W → 350 W (see "The article against itself").',
    ),
  },
  {
    id: 'sparse-bandwidth-40',
    title: 'Sparse attention: 40% less memory bandwidth',
    quote:
      "The key innovation is a sparse attention kernel that exploits the inherent sparsity in GLM's attention patterns, reducing memory bandwidth requirements by 40% compared to dense implementations.",
    articleFigure: { kind: 'percent', percent: -40, of: 'memory bandwidth requirements vs dense' },
    whatWeMeasure:
      'Sparse decode keeping 60% of the KV blocks against dense decode, timed interleaved: bytes saved and the paired speed-up with its CI (prefill block-sparse as a secondary line).',
    hardware: true,
    check: checkSparseBandwidth,
  },
  {
    id: 'single-cycle-fusion',
    title: 'Matmul and softmax "in a single cycle"',
    quote:
      'This is achieved through a custom instruction set extension that allows the chip to execute matrix multiplications and softmax operations in a single cycle, bypassing the overhead of general-purpose GPU kernels.',
    articleFigure: { kind: 'statement', statement: 'matrix multiplication and softmax in a single cycle' },
    whatWeMeasure:
      'The arithmetic of why one cycle is impossible, and what fusing the score matmul with the softmax saves (fused kernels against three separate passes).',
    hardware: false,
    check: checkSingleCycle,
  },
  {
    id: 'bandwidth-utilisation-65-88',
    title: 'Memory bandwidth utilisation 65% → 88%',
    quote: '| Memory Bandwidth Utilization | 65% | 88% | 35.4% increase |',
    articleFigure: { kind: 'change', before: 65, after: 88, unit: '%', statedChangePercent: 35.4 },
    whatWeMeasure:
      'Memory-bound results only (GEMV, decode attention, the decode step), each as a share of the read probe timed interleaved with it, at working sets larger than caches; above 100% is inflated (a cache served part of the traffic, or load slowed the probe more than the kernel) and never counts.',
    hardware: true,
    check: checkBandwidthUtilisation,
  },
  {
    id: 'latency-120-85',
    title: 'Latency 120 ms → 85 ms for a 130B model on one card',
    quote:
      'When combined with chip-level systolic array optimizations, the end-to-end inference latency for a 130B-parameter GLM-4 model drops from 120ms to 85ms on a single accelerator card—a 29.4% improvement.',
    articleFigure: { kind: 'change', before: 120, after: 85, unit: 'ms', statedChangePercent: -29.4 },
    whatWeMeasure:
      'A GLM-130B-shaped decode layer measured on the GPU, projected to the whole model (ms per token, with its CI), and the physical audit: no step beats its bytes ÷ the memory bandwidth.',
    hardware: true,
    check: checkLatency,
  },
  {
    id: 'tensor-core-95',
    title: '95% tensor-core utilisation vs an industry 70%',
    quote:
      "Zhipu has integrated GLM's inference engine with Enflame's 'Blaze' software stack, achieving 95% utilization of the chip's tensor cores—a significant improvement over the industry average of 70% for generic models.",
    articleFigure: {
      kind: 'percent',
      percent: 95,
      of: 'tensor-core utilisation',
      baseline: { percent: 70, of: 'industry average' },
    },
    whatWeMeasure:
      'Nothing directly (WebGPU has no tensor cores); the arithmetic-intensity limit of batch-1 decode, and matmul as a share of the FMA probe.',
    hardware: true,
    check: checkTensorCores,
  },
  {
    id: 'cost-per-million-tokens',
    title: 'Cost per 1M tokens $1.20 → $0.85',
    quote: '| Cost per 1M tokens (inference) | $1.20 | $0.85 | 29.2% reduction |',
    articleFigure: {
      kind: 'change',
      before: 1.2,
      after: 0.85,
      unit: '$ per 1M tokens',
      statedChangePercent: -29.2,
    },
    whatWeMeasure:
      'Tokens per second from the projected decode step (KV cache counted in bytes and in memory), times your price per GPU-hour and cards, with the formula shown.',
    hardware: true,
    check: checkCost,
  },
  {
    id: 'power-400-350',
    title: 'Power 400 W → 350 W',
    quote: '| Power Consumption | 400W | 350W | 12.5% reduction |',
    articleFigure: { kind: 'change', before: 400, after: 350, unit: 'W', statedChangePercent: -12.5 },
    whatWeMeasure: 'Nothing: a web page cannot measure power.',
    hardware: false,
    check: fixed(
      'not-measurable',
      "Not measurable from a web page: WebGPU exposes no power, energy or clock counters, and a page cannot read the GPU's sensors (nvidia-smi, RAPL); it needs a power meter or vendor tools. The figures also belong to two different chips. (400 → 350 W is indeed 12.5% less.)",
    ),
  },
  {
    id: 'partner-cambricon',
    title: 'Cambricon MLU370: sparse attention kernel, 29% latency reduction',
    quote:
      '| Cambricon | MLU370 | Sparse attention kernel | 29% latency reduction | 500+ nodes in government cloud |',
    articleFigure: { kind: 'percent', percent: -29, of: 'latency' },
    whatWeMeasure:
      'Nothing on that chip; the sparse-attention row shows what block sparsity does on the GPU that ran.',
    hardware: false,
    check: fixed('reference', referenceOnly),
  },
  {
    id: 'partner-enflame',
    title: 'Enflame Tianjiao 200: tensor-core utilisation, 25% more throughput',
    quote:
      '| Enflame | Tianjiao 200 | Tensor core utilization | 25% throughput increase | 200+ nodes in financial sector |',
    articleFigure: { kind: 'percent', percent: 25, of: 'throughput' },
    whatWeMeasure: 'Nothing on that chip; the tensor-core row gives the arithmetic behind such figures.',
    hardware: false,
    check: fixed('reference', referenceOnly),
  },
  {
    id: 'partner-horizon',
    title: 'Horizon Robotics Journey 5: GLM-2B at the edge, 40% less power',
    quote:
      '| Horizon Robotics | Journey 5 | Edge inference for GLM-2B | 40% power reduction | 10,000+ edge devices in smart city |',
    articleFigure: { kind: 'percent', percent: -40, of: 'power' },
    whatWeMeasure: 'Nothing: power cannot be measured from a web page.',
    hardware: false,
    check: fixed(
      'reference',
      `${referenceOnly} The three partner gains measure different things (latency, throughput, power), so they cannot be ranked against one another.`,
    ),
  },
  {
    id: 'state-grid',
    title: 'State Grid load forecasting: 200 ms → 140 ms',
    quote:
      'The system processes 10TB of sensor data daily, and the co-designed chip reduces inference latency from 200ms to 140ms, enabling sub-second response for grid balancing decisions.',
    articleFigure: { kind: 'change', before: 200, after: 140, unit: 'ms' },
    whatWeMeasure: 'Nothing: a deployment case study.',
    hardware: false,
    check: fixed(
      'reference',
      `${referenceOnly} The article states no percentage here; (200 − 140) ÷ 200 = 30%. See "The article against itself" for what the sentence implies.`,
    ),
  },
  {
    id: 'multimodal-agent',
    title: 'Multimodal agent: 35% faster task completion',
    quote:
      'This hybrid architecture reduces end-to-end task completion time by 35% compared to monolithic models.',
    articleFigure: { kind: 'percent', percent: -35, of: 'task completion time' },
    whatWeMeasure: 'Nothing: out of scope.',
    hardware: false,
    check: fixed(
      'out-of-scope',
      "Out of scope: an agent system's task completion time is not something an attention-kernel benchmark measures.",
    ),
  },
];

export interface ClaimOutcome {
  claim: Claim;
  outcome: ClaimCheck;
}

export interface CheckOptions {
  /** Where the shown results were measured: here, or on the GPU of whoever shared or exported them. */
  origin?: 'here' | 'link' | 'import';
  inputs?: ArticleInputs;
  /** The estimate of those inputs when the caller already made it (the page draws its boxes from it). */
  estimate?: DecoderEstimate;
}

/** "this GPU" for a run made here, "the sender’s GPU" for a shared link or an imported file. */
export function whoseGpu(origin: CheckOptions['origin']): string {
  return origin === undefined || origin === 'here' ? 'this GPU' : 'the sender’s GPU';
}

/**
 * Runs every claim's check against the shown results and the inputs (DEFAULT_INPUTS when absent). A
 * check that fails (a bad input) gives 'inconclusive' with the reason; hardware claims on a software
 * adapter are never more than 'software' (verdicts.ts).
 */
export function checkClaims(results: ResultsFile, options: CheckOptions = {}): ClaimOutcome[] {
  const gpu = whoseGpu(options.origin);
  let ctx: CheckContext | undefined;
  let failure = '';
  try {
    ctx = {
      results,
      estimate: options.estimate ?? estimateDecoder(results, options.inputs ?? DEFAULT_INPUTS),
      gpu,
    };
  } catch (error) {
    failure = error instanceof Error ? error.message : 'unknown error';
  }
  return claims.map((claim) => {
    const failed = (reason: string): ClaimOutcome => ({
      claim,
      outcome: {
        verdict: claim.hardware && results.environment.adapter.isSoftware ? 'software' : 'inconclusive',
        detail: `Could not be checked: ${reason}`,
      },
    });
    if (ctx === undefined) return failed(failure);
    try {
      return { claim, outcome: claim.check(ctx) };
    } catch (error) {
      return failed(error instanceof Error ? error.message : 'unknown error');
    }
  });
}
