// "The article against itself" and the chip table: each row's verdict, its quotes exact, and every
// printed formula giving its printed result from its printed (rounded) inputs.

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { costPerMillion } from '../../src/article/estimate.ts';
import { selfAudit } from '../../src/article/self-audit.ts';
import { chipById, chipFloor, chips } from '../../src/model/chips.ts';
import { printed } from '../../src/model/projection.ts';
import { modelShape, WEIGHT_FORMATS } from '../../src/model/shapes.ts';

const articlePath = ['../../shared/article.txt', '../../../shared/article.txt']
  .map((path) => new URL(path, import.meta.url))
  .find((path) => existsSync(path));

// "1,234.5" → 1234.5
const num = (text: string) => Number(text.replaceAll(',', ''));

describe('the article against itself', () => {
  const rows = selfAudit();

  it.each([
    ['self-latency-percent', 'article-inconsistent', '(120 − 85) ÷ 120 = 29.2%'],
    ['self-table-percents', 'consistent', '(88 − 65) ÷ 65 = 35.4%'],
    ['self-trillion-currency', 'article-inconsistent', undefined],
    ['self-power-envelope', 'article-inconsistent', '400 W ≠ 350 W'],
    ['self-glm-4-130b', 'article-inconsistent', undefined],
    [
      'self-a100-65-120',
      'article-inconsistent',
      '0.65 × 2,039 GB/s × 0.120 s = 159 GB read per token, on a 80 GB card',
    ],
    ['self-chip-88-85', 'article-inconsistent', '82.09 GB ÷ (0.88 × 0.085 s) = 1,097 GB/s'],
    ['self-mlu370-int4', 'article-inconsistent', undefined],
    ['self-amdahl-sparse', 'article-inconsistent', 'end-to-end saving ≤ 0.4 × 8.58% = 3.43%'],
    ['self-revenue-deployments', 'article-inconsistent', '2027: 6,500 × $100K = $650M'],
    [
      'self-executor-microcontroller',
      'article-inconsistent',
      '2 × 10⁹ parameters × 0.5 B (int4) = 1 GB of weights',
    ],
    ['self-state-grid', 'article-inconsistent', '(200 − 140) ÷ 200 = 30%'],
    ['self-cagr-38', 'consistent', '(8.5 ÷ 3.2)^(1/3) − 1 = 38.5%'],
  ])('%s is %s', (id, verdict, line) => {
    const row = rows.find((candidate) => candidate.id === id);
    expect(row?.verdict).toBe(verdict);
    if (line !== undefined) expect(row?.arithmetic).toContain(line);
  });

  it('has one row per id and inputs with sources', () => {
    expect(new Set(rows.map((row) => row.id)).size).toBe(rows.length);
    for (const row of rows) {
      expect(row.inputs.length, row.id).toBeGreaterThan(0);
      for (const input of row.inputs) expect(input.source, `${row.id} ${input.name}`).not.toBe('');
    }
  });

  it('quotes the article exactly', () => {
    if (articlePath === undefined) {
      expect(process.env.CI, 'article.txt is missing').not.toBe('true');
      return;
    }
    const article = readFileSync(articlePath, 'utf8');
    for (const row of rows) for (const quote of row.quotes) expect(article, row.id).toContain(quote);
  });

  it('MLU370-X8: GLM-130B int4 does not fit on one card, and its floor is above 85 ms', () => {
    const row = rows.find((candidate) => candidate.id === 'self-mlu370-int4');
    expect(row?.finding).toMatch(/does not fit on one card \(2 needed\).* at least 1\d\d(\.\d+)? ms/);
  });
});

describe('the chip table', () => {
  it.each([
    'a100-40gb-sxm',
    'a100-80gb-sxm',
    'h100-sxm5',
    'h200',
    'mlu370-x8',
    'enflame-i20',
    'rtx-4090',
    'apple-m4-max',
  ])('has %s with a source', (id) => {
    const chip = chipById(id);
    expect(chip.source).not.toBe('');
    expect(chip.memoryGB).toBeGreaterThan(0);
    expect(chip.bandwidthGBps).toBeGreaterThan(0);
  });

  it('names an unknown chip in its error', () => {
    expect(() => chipById('tianjiao-200')).toThrow(/^chip: unknown chip 'tianjiao-200'/);
  });

  const configs = chips.flatMap((chip) =>
    WEIGHT_FORMATS.flatMap((format) =>
      [
        [1, 1],
        [2048, 1],
        [2048, 8],
      ].map(([context, batch]) => [chip.id, format, context, batch, 1 + (context % 3)] as const),
    ),
  );
  it.each(configs)(
    '%s %s context %d batch %d on %d cards: printed formulas add up',
    (id, format, context, batch, cards) => {
      const floor = chipFloor(chipById(id), { model: modelShape('glm-130b'), format, context, batch, cards });
      const memory = floor.formulas[0].match(
        /^memory = ([\d,.]+) GB weights \+ (\d+) × ([\d,.e-]+) GB KV cache \(\d+ tokens, f16 K\/V\) = ([\d,.]+) GB against (\d+) × ([\d,.]+) GiB \(([\d,.]+) GB\) = ([\d,.]+) GB$/,
      );
      expect(memory, floor.formulas[0]).not.toBeNull();
      const [, weights, n, kv, needed, c, gib, per, capacity] = memory ?? [];
      expect(needed).toBe(printed(num(weights) + num(n) * num(kv)));
      // Memory is sold in GiB: the card's GB are its GiB × 2^30 / 10^9.
      expect(per).toBe(printed((num(gib) * 2 ** 30) / 1e9));
      expect(capacity).toBe(printed(num(c) * num(per)));
      const step = floor.formulas[1].match(
        /^floor per step = ([\d,.]+) GB read ÷ \((\d+) × ([\d,.]+) GB\/s\) = ([\d,.]+) GB ÷ ([\d,.]+) GB\/s = ([\d,.]+) ms$/,
      );
      expect(step, floor.formulas[1]).not.toBeNull();
      const [, read, k, bw, read2, total, ms] = step ?? [];
      expect(read2).toBe(read);
      expect(total).toBe(printed(num(k) * num(bw)));
      expect(ms).toBe(printed((num(read) / num(total)) * 1000));
      expect(floor.fits).toBe(floor.neededGB <= floor.capacityGB);
      expect(floor.maxBatch >= batch).toBe(floor.fits);
    },
  );

  it('refuses a context beyond the model and a batch of 0, naming the field', () => {
    const model = modelShape('glm-130b');
    const chip = chipById('h200');
    expect(() => chipFloor(chip, { model, format: 'int4', context: 4096, batch: 1, cards: 1 })).toThrow(
      /^context: /,
    );
    expect(() => chipFloor(chip, { model, format: 'int4', context: 16, batch: 0, cards: 1 })).toThrow(
      /^batch: /,
    );
  });
});

describe('cost per 1M tokens', () => {
  it.each([
    [2, 1, 11.77, 2],
    [2.5, 4, 0.1234, 2],
    [0.4, 1, 25.03, 3],
    [1.99, 8, 123.4, 4],
  ])(
    '$%d × %d cards at %d tokens/s (%d decimals): the printed result follows from the printed inputs',
    (price, cards, tps, digits) => {
      const { formula, dollars } = costPerMillion(price, cards, tps, digits);
      const match = formula.match(/= \$([\d,.]+) × (\d+) ÷ \(([\d,.]+) × 3,600\) × 1,000,000 = \$([\d,.]+)$/);
      expect(match, formula).not.toBeNull();
      const [, p, c, t, d] = match ?? [];
      expect(num(d)).toBeCloseTo(((num(p) * num(c)) / (num(t) * 3600)) * 1e6, digits);
      expect(num(d)).toBe(Number(dollars.toFixed(digits)));
    },
  );
});
