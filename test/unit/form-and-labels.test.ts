// The custom form speaks in its own labels and units (item 13), and a density a pattern could not reach
// is said beside the result, on the page and in the CLI.

import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../bench/table.ts';
import { validateRunConfig } from '../../src/measure/presets.ts';
import { fieldLabel, formMessage, requiredMessage } from '../../src/ui/form-messages.ts';
import { densityShortfall, problemLabel } from '../../src/ui/results-model.ts';
import { makeResult } from './results-fixtures.ts';

describe('custom form messages', () => {
  it.each([
    ['heads', 'Heads'],
    ['seqLens[1]', 'Sequence lengths, value 2'],
    ['budgetMs', 'Time budget'],
    ['decodeDensity', 'Sparse decode density'],
    ['decodeBlockSize', 'Sparse decode block'],
  ])('%s is labelled %s', (field, label) => {
    expect(fieldLabel(field)).toBe(label);
  });

  it('gives the budget in the seconds the form asks for', () => {
    expect(formMessage('budgetMs', 'budgetMs: must be at least 1000, got -1000')).toBe(
      'Time budget: must be at least 1 s, got -1 s',
    );
  });

  it('rewrites what validateRunConfig says, field by field', () => {
    const result = validateRunConfig({ heads: 0, seqLens: [64, 1.5] }, {});
    if (result.ok) throw new Error('expected errors');
    const messages = result.errors.map((e) => formMessage(e.field, e.message));
    expect(messages).toContain('Heads: must be at least 1, got 0');
    expect(messages).toContain('Sequence lengths, value 2: expected an integer, got 1.5');
    expect(messages.join(' ')).not.toMatch(/seqLens|budgetMs|NaN/);
  });

  it('an empty field is required', () => {
    expect(requiredMessage('blockSize')).toBe('Block size: required');
  });
});

describe('a density the pattern cannot reach', () => {
  const sliding = makeResult({
    kernel: 'block-sparse',
    params: {
      heads: 1,
      seqQ: 256,
      seqK: 256,
      headDim: 64,
      blockSize: 16,
      pattern: 'sliding-window',
      targetDensity: 0.3,
      mask: 'sliding-window(w=3)',
      maskDensity: 0.17,
    },
    density: 0.17,
  });

  it('is said beside the result on the page', () => {
    expect(densityShortfall(sliding)).toBe('asked 30 %: sliding-window reaches 17 %');
    expect(problemLabel(sliding)).toMatch(/17 % of blocks · asked 30 %: sliding-window reaches 17 %/);
    expect(densityShortfall({ ...sliding, density: 0.32 })).toBeUndefined();
  });

  it('and in the CLI table', () => {
    expect(formatProblem(sliding)).toBe('h=1 s=256 d=64 sliding-window(w=3) 0.17 (asked 0.3)');
  });
});

describe('problems described as the results table does, never as a parameter dump (item 14)', () => {
  it.each([
    [
      'matmul with an epilogue',
      makeResult({
        op: 'matmul',
        kernel: 'tiled',
        params: { m: 128, k: 128, n: 128, bias: true, activation: 'gelu', scaledForSoftware: true },
      }),
      '128³ · bias · gelu',
    ],
    [
      'gemv',
      makeResult({
        op: 'gemv',
        kernel: 'gemv-int4',
        params: { rows: 1, k: 4096, n: 11008, format: 'int4', groupSize: 32, scaledForSoftware: true },
      }),
      '4,096 × 11,008 · int4/g32 · 1 row',
    ],
    [
      'decode step',
      makeResult({
        op: 'decode-step',
        kernel: 'decode-step',
        params: { model: 'GLM-130B', context: 2048, batch: 1, format: 'int8', kv: 'sparse', seed: 7 },
      }),
      'GLM-130B · 1 row · context 2,048 · int8 · sparse KV',
    ],
    [
      'an op the table does not know',
      makeResult({ op: 'probe', kernel: 'new', params: { widgets: 3, scaledForSoftware: true } }),
      'widgets 3',
    ],
  ])('%s', (_name, result, label) => {
    expect(problemLabel(result)).toBe(label);
  });
});
