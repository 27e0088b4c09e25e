// "The article against itself": what the article's own figures and words imply when held against each
// other and against public specs, before anything is measured. Each row lists its inputs with their
// sources, its arithmetic (every printed step follows from the printed, rounded inputs) and a verdict
// (`article-inconsistent`, or `consistent` where the arithmetic holds). Specs come from the chip table,
// model bytes from shapes.ts.

import {
  ARTICLE_CARD_ASSUMPTION,
  ARTICLE_CARD_ID,
  chipById,
  chipFloor,
  decodeStepReadBytes,
} from '../model/chips.ts';
import { printed, significant } from '../model/projection.ts';
import { modelShape } from '../model/shapes.ts';
import { ARTICLE_MODEL_ID } from './inputs.ts';

export interface SelfAuditInput {
  name: string;
  value: string;
  source: string;
}

export interface SelfAuditRow {
  /** Stable id (data-claim on the page). */
  id: string;
  title: string;
  /** The article's words this row reads, exactly as article.txt has them. */
  quotes: string[];
  inputs: SelfAuditInput[];
  arithmetic: string[];
  verdict: 'article-inconsistent' | 'consistent';
  finding: string;
}

const ARTICLE = 'the article';
const pct = (fraction: number, digits = 3) => `${printed(fraction * 100, digits)}%`;

// The configuration the article's latency row implies: its 130B GLM, one sequence at the model's full
// context, int4 (the smallest published format of GLM-130B, THUDM/GLM-130B docs/quantization.md).
function articleConfig() {
  const model = modelShape(ARTICLE_MODEL_ID);
  return { model, format: 'int4' as const, context: model.maxContext, batch: 1 };
}

function tablePercentRows(): SelfAuditRow[] {
  const latency = significant(((120 - 85) / 120) * 100, 3);
  const bandwidth = significant(((88 - 65) / 65) * 100, 3);
  const cost = significant(((1.2 - 0.85) / 1.2) * 100, 3);
  const power = significant(((400 - 350) / 400) * 100, 3);
  return [
    {
      id: 'self-latency-percent',
      title: '120 ms → 85 ms printed as a 29.4% improvement',
      quotes: ['drops from 120ms to 85ms on a single accelerator card—a 29.4% improvement'],
      inputs: [
        { name: 'before', value: '120 ms', source: ARTICLE },
        { name: 'after', value: '85 ms', source: ARTICLE },
      ],
      arithmetic: [`(120 − 85) ÷ 120 = ${latency}%`],
      verdict: 'article-inconsistent',
      finding: `The printed 29.4% is not what its own figures give (${latency}%); the cost row, with the same ratio, prints 29.2%.`,
    },
    {
      id: 'self-table-percents',
      title: 'The other percentages of the comparison table',
      quotes: [
        '| Power Consumption | 400W | 350W | 12.5% reduction |',
        '| Memory Bandwidth Utilization | 65% | 88% | 35.4% increase |',
        '| Cost per 1M tokens (inference) | $1.20 | $0.85 | 29.2% reduction |',
      ],
      inputs: [{ name: 'the table’s figures', value: '400/350 W, 65/88%, $1.20/$0.85', source: ARTICLE }],
      arithmetic: [
        `(400 − 350) ÷ 400 = ${power}%`,
        `(88 − 65) ÷ 65 = ${bandwidth}%`,
        `(1.20 − 0.85) ÷ 1.20 = ${cost}%`,
      ],
      verdict: 'consistent',
      finding: 'These three percentages follow from their rows.',
    },
  ];
}

function headlineRows(): SelfAuditRow[] {
  return [
    {
      id: 'self-trillion-currency',
      title: '"Trillion-Dollar" in the title, "trillion-yuan" in the text',
      quotes: [
        "Zhipu AI's Trillion-Dollar Secret",
        "Zhipu AI's valuation has surpassed the trillion-yuan mark",
      ],
      inputs: [{ name: 'currencies', value: 'US dollar, Chinese yuan', source: ARTICLE }],
      arithmetic: [
        '1 trillion yuan ≈ 1 trillion dollars × (dollars per yuan), and a yuan is worth well under a dollar',
      ],
      verdict: 'article-inconsistent',
      finding: 'The title values the company in dollars, the text in yuan: the two differ several-fold.',
    },
    {
      id: 'self-power-envelope',
      title: '"At the same power envelope" against 400 W → 350 W',
      quotes: [
        'This yields a nearly 30% boost in inference efficiency at the same power envelope',
        '| Power Consumption | 400W | 350W | 12.5% reduction |',
      ],
      inputs: [{ name: 'power', value: '400 W, 350 W', source: ARTICLE }],
      arithmetic: ['400 W ≠ 350 W'],
      verdict: 'article-inconsistent',
      finding: 'The headline compares at the same power; the table behind it compares at different powers.',
    },
    {
      id: 'self-glm-4-130b',
      title: 'A "130B-parameter GLM-4 model"',
      quotes: ['the end-to-end inference latency for a 130B-parameter GLM-4 model drops from 120ms to 85ms'],
      inputs: [
        {
          name: 'published 130B GLM',
          value: 'GLM-130B (70 layers, hidden 12288)',
          source: modelShape(ARTICLE_MODEL_ID).source,
        },
      ],
      arithmetic: [],
      verdict: 'article-inconsistent',
      finding:
        'The published 130B GLM model is GLM-130B; no 130B GLM-4 has been published. This page uses GLM-130B’s shape.',
    },
  ];
}

function bandwidthRows(): SelfAuditRow[] {
  const config = articleConfig();
  const a100 = chipById(ARTICLE_CARD_ID);
  const a100small = chipById('a100-40gb-sxm');
  const mlu = chipById('mlu370-x8');
  const implied = significant(0.65 * a100.bandwidthGBps * 0.12);
  const impliedSmall = significant(0.65 * a100small.bandwidthGBps * 0.12);
  const read = decodeStepReadBytes(config);
  const readGB = significant(read.total / 1e9);
  const needed = significant(readGB / (0.88 * 0.085));
  const onMlu = chipFloor(mlu, { ...config, cards: 1 });
  const kvShare = significant(read.kv / read.total, 3);
  const saving = significant(0.4 * kvShare, 3);
  const model = config.model;
  const spec = (chip: typeof a100) => ({
    name: chip.name,
    value: `${printed(chip.memoryGB)} GB, ${printed(chip.bandwidthGBps)} GB/s`,
    source: chip.source,
  });
  const modelInput = {
    name: `${model.name} int4, one sequence of ${config.context} tokens`,
    value: `${printed(read.weights / 1e9)} GB weights + ${printed(read.kv / 1e9)} GB KV cache read per token`,
    source: `${model.source}; int4 groups of 32 with f16 scales`,
  };
  return [
    {
      id: 'self-a100-65-120',
      title: '65% of the A100’s bandwidth for 120 ms per token',
      quotes: [
        '| Inference Latency (130B model) | 120 ms | 85 ms | 29.4% |',
        '| Memory Bandwidth Utilization | 65% | 88% | 35.4% increase |',
      ],
      inputs: [spec(a100), spec(a100small), modelInput],
      arithmetic: [
        `0.65 × ${printed(a100.bandwidthGBps)} GB/s × 0.120 s = ${printed(implied)} GB read per token, on a ${printed(a100.memoryGB)} GB card`,
        `0.65 × ${printed(a100small.bandwidthGBps)} GB/s × 0.120 s = ${printed(impliedSmall)} GB, on a ${printed(a100small.memoryGB)} GB card`,
        `${printed(readGB)} GB ÷ (${printed(a100.bandwidthGBps)} GB/s × 0.120 s) = ${pct(readGB / significant(a100.bandwidthGBps * 0.12))} utilisation for the int4 model`,
      ],
      verdict: 'article-inconsistent',
      finding: `A decode step reads each stored byte at most once, so it cannot read ${printed(implied)} GB per token from a card that holds ${printed(a100.memoryGB)} GB: 65% utilisation and 120 ms per token do not fit together on one A100. ${ARTICLE_CARD_ASSUMPTION}`,
    },
    {
      id: 'self-chip-88-85',
      title: 'The bandwidth the co-designed chip needs for 88% at 85 ms',
      quotes: [
        '| Memory Bandwidth Utilization | 65% | 88% | 35.4% increase |',
        '| Inference Latency (130B model) | 120 ms | 85 ms | 29.4% |',
      ],
      inputs: [modelInput, spec(mlu)],
      arithmetic: [`${printed(readGB)} GB ÷ (0.88 × 0.085 s) = ${printed(needed)} GB/s`],
      verdict: needed > mlu.bandwidthGBps ? 'article-inconsistent' : 'consistent',
      finding: `At 88% utilisation and 85 ms the chip needs ${printed(needed)} GB/s of memory bandwidth even for the int4 model; the Cambricon MLU370-X8, the partner card the article names, has ${printed(mlu.bandwidthGBps)} GB/s. (The article does not name the co-designed chip: comparing with the MLU370-X8 is an assumption.)`,
    },
    {
      id: 'self-mlu370-int4',
      title: 'GLM-130B in int4 on one Cambricon MLU370-X8',
      quotes: [
        '| Cambricon | MLU370 | Sparse attention kernel | 29% latency reduction | 500+ nodes in government cloud |',
      ],
      inputs: [spec(mlu), modelInput],
      arithmetic: onMlu.formulas,
      verdict: onMlu.fits && onMlu.floorMs <= 85 ? 'consistent' : 'article-inconsistent',
      finding: `${onMlu.fits ? 'It fits' : `It does not fit on one card (${onMlu.cardsNeeded} needed)`}, and even if it did, reading ${printed(onMlu.readGB)} GB per token at ${printed(mlu.bandwidthGBps)} GB/s takes at least ${printed(onMlu.floorMs)} ms — above the 85 ms "on a single accelerator card".`,
    },
    {
      id: 'self-amdahl-sparse',
      title: 'Amdahl: what a 40% cut of attention traffic saves at batch 1',
      quotes: [
        'reducing memory bandwidth requirements by 40% compared to dense implementations',
        'a 29.4% improvement',
      ],
      inputs: [modelInput],
      arithmetic: [
        `attention (KV) share of a step’s bytes = ${printed(read.kv / 1e9)} GB ÷ ${printed(readGB)} GB = ${pct(kvShare)}`,
        `end-to-end saving ≤ 0.4 × ${pct(kvShare)} = ${pct(saving)}`,
      ],
      verdict: 'article-inconsistent',
      finding: `Decoding one sequence is memory-bound and the weights dominate its traffic, so cutting attention traffic by 40% saves at most ${pct(saving)} end to end, far from 29.4% (with fp16 weights, less still).`,
    },
  ];
}

function businessRows(): SelfAuditRow[] {
  const years = [
    ['2024', 1200, 120],
    ['2025', 2800, 280],
    ['2027', 6500, 650],
  ] as const;
  const cagr = significant(((8.5 / 3.2) ** (1 / 3) - 1) * 100, 3);
  const gigabytes = significant((2e9 * 0.5) / 1e9);
  return [
    {
      id: 'self-revenue-deployments',
      title: 'Revenue exactly deployments × $100K in every year',
      quotes: [
        '| Zhipu Inference Revenue ($M) | 120 | 280 | 650 |',
        '| Government/Enterprise GLM Deployments | 1,200 | 2,800 | 6,500 |',
        'The revenue growth is driven by deployment volume, not price increases',
      ],
      inputs: [
        { name: 'the market table', value: 'revenue, deployments, $100K per deployment', source: ARTICLE },
      ],
      arithmetic: years.map(
        ([year, deployments, revenue]) =>
          `${year}: ${deployments.toLocaleString('en-US')} × $100K = $${revenue}M`,
      ),
      verdict: 'article-inconsistent',
      finding:
        'Every year’s revenue is deployments × $100K exactly: the table was built from a fixed price, so "driven by deployment volume, not price increases" restates its construction rather than finding anything.',
    },
    {
      id: 'self-executor-microcontroller',
      title: 'A distilled GLM-2B on "the chip’s on-board microcontroller"',
      quotes: [
        "a lightweight 'executor' model (based on a distilled version of GLM-2B) runs on the chip's on-board microcontroller",
      ],
      inputs: [
        { name: 'GLM-2B', value: '2 billion parameters', source: ARTICLE },
        {
          name: 'microcontroller memory',
          value: 'kilobytes to a few MB of on-chip SRAM',
          source: 'typical microcontroller datasheets',
        },
      ],
      arithmetic: [`2 × 10⁹ parameters × 0.5 B (int4) = ${printed(gigabytes)} GB of weights`],
      verdict: 'article-inconsistent',
      finding: `Even at int4 the weights alone are ${printed(gigabytes)} GB, hundreds of times what a microcontroller holds, and each token would read all of them.`,
    },
    {
      id: 'self-state-grid',
      title: 'State Grid: 200 ms → 140 ms "enabling sub-second response"',
      quotes: [
        'the co-designed chip reduces inference latency from 200ms to 140ms, enabling sub-second response for grid balancing decisions',
      ],
      inputs: [{ name: 'latency', value: '200 ms, 140 ms (no percentage stated)', source: ARTICLE }],
      arithmetic: ['(200 − 140) ÷ 200 = 30%', '200 ms < 1,000 ms'],
      verdict: 'article-inconsistent',
      finding:
        '200 ms was already sub-second, so the gain does not enable it. The article states no percentage for this case; the 30% is computed here.',
    },
    {
      id: 'self-cagr-38',
      title: '$3.2B (2024) → $8.5B (2027) as a 38% CAGR',
      quotes: ['projected to grow from $3.2 billion in 2024 to $8.5 billion by 2027 (CAGR of 38%)'],
      inputs: [{ name: 'market', value: '$3.2B in 2024, $8.5B in 2027', source: ARTICLE }],
      arithmetic: [`(8.5 ÷ 3.2)^(1/3) − 1 = ${cagr}%`],
      verdict: 'consistent',
      finding: `Three years of growth from $3.2B to $8.5B is ${cagr}% a year: the printed 38% holds.`,
    },
  ];
}

/** Every row of "The article against itself", in the order the page shows them. */
export function selfAudit(): SelfAuditRow[] {
  return [...tablePercentRows(), ...headlineRows(), ...bandwidthRows(), ...businessRows()];
}
