// The article's claims held against a results file (data-testid="claims"): what the article says, what
// attnscope measured as the nearest equivalent, and a verdict in careful words. Below it, the physical
// audit of "130B model, 120 ms → 85 ms on one card" and the cost formula, with every input editable.

import {
  A100_80GB_SXM,
  ARTICLE_MODEL,
  type ArticleFigure,
  type ClaimInputs,
  type ClaimOutcome,
  checkClaims,
  costPerMillionTokens,
  DEFAULT_PRICE_PER_GPU_HOUR,
  decodeFloor,
  PRECISIONS,
  tokensPerSecondAtBandwidth,
  type Verdict,
} from '../article/index.ts';
import type { ResultsFile } from '../results/types.ts';
import { h, replaceChildren } from './dom.ts';
import { messageOf } from './error-area.ts';
import { integer, sig } from './format.ts';

const VERDICT: Record<Verdict, { label: string; kind: string }> = {
  consistent: { label: 'Consistent here', kind: 'ok' },
  'not-reproduced': { label: 'Not reproduced here', kind: 'warn' },
  'not-measurable': { label: 'Not measurable in a browser', kind: 'neutral' },
  'out-of-scope': { label: 'Out of scope', kind: 'neutral' },
  reference: { label: 'Reference only', kind: 'neutral' },
  'no-data': { label: 'No data in this run', kind: 'neutral' },
};

function signed(value: number): string {
  return `${value > 0 ? '+' : value < 0 ? '−' : ''}${sig(Math.abs(value))}`;
}

function figureText(figure: ArticleFigure): string {
  switch (figure.kind) {
    case 'change': {
      const unit = figure.unit === '$ per 1M tokens' ? '' : ` ${figure.unit}`;
      const money = figure.unit.startsWith('$');
      const value = (v: number) => (money ? `$${v.toFixed(2)}` : `${sig(v)}${unit}`);
      return `${value(figure.before)} → ${value(figure.after)} (${signed(figure.statedChangePercent)} % stated)`;
    }
    case 'percent':
      return `${signed(figure.percent)} % ${figure.of}${figure.baseline ? ` (vs ${figure.baseline.percent} % ${figure.baseline.of})` : ''}`;
    case 'statement':
      return figure.statement;
  }
}

function claimsTable(outcomes: ClaimOutcome[]): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'claims', testid: 'claims' },
      h(
        'caption',
        { class: 'visually-hidden' },
        'The article’s claims, what attnscope measured, and the verdict',
      ),
      h(
        'colgroup',
        {},
        h('col', { class: 'col-claim' }),
        h('col', { class: 'col-measured' }),
        h('col', { class: 'col-verdict' }),
      ),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'The article says'),
          h('th', { scope: 'col' }, 'Measured here'),
          h('th', { scope: 'col' }, 'Verdict'),
        ),
      ),
      h(
        'tbody',
        {},
        ...outcomes.map(({ claim, outcome }) => {
          const verdict = VERDICT[outcome.verdict];
          return h(
            'tr',
            { 'data-claim': claim.id, 'data-verdict': outcome.verdict },
            h(
              'td',
              { class: 'claim' },
              h('strong', {}, claim.title),
              h('span', { class: 'figure' }, figureText(claim.articleFigure)),
              h('q', { class: 'quote' }, claim.quote),
            ),
            h(
              'td',
              { class: 'measured' },
              outcome.measured ? h('span', { class: 'value' }, outcome.measured) : null,
              h('span', { class: 'what muted small' }, claim.whatWeMeasure),
            ),
            h(
              'td',
              { class: 'verdict' },
              h('span', { class: `badge ${verdict.kind}` }, verdict.label),
              h('details', {}, h('summary', {}, 'Why'), h('p', {}, outcome.detail)),
            ),
          );
        }),
      ),
    ),
  );
}

interface Field {
  id: string;
  label: string;
  value: number;
  unit: string;
  step?: string;
  min?: string;
}

function numberField(field: Field, onInput: () => void): { element: HTMLElement; input: HTMLInputElement } {
  const input = h('input', {
    type: 'number',
    id: field.id,
    value: String(field.value),
    step: field.step ?? 'any',
    min: field.min ?? '0',
    inputmode: 'decimal',
  });
  input.addEventListener('input', onInput);
  return {
    element: h(
      'label',
      { class: 'field', for: field.id },
      h('span', {}, field.label),
      h('span', { class: 'with-unit' }, input, h('span', { class: 'unit' }, field.unit)),
    ),
    input,
  };
}

function bestDecodeGBps(file: ResultsFile): number | undefined {
  const values = file.results
    .filter(
      (r) =>
        r.verified && r.impl === 'attnscope' && r.kernel === 'decode' && r.gbps !== undefined && r.gbps > 0,
    )
    .map((r) => r.gbps ?? 0);
  return values.length > 0 ? Math.max(...values) : undefined;
}

/** The claims table, the physical audit and the cost formula for one results file. */
export function claimsView(file: ResultsFile): HTMLElement {
  const tableSlot = h('div', {});
  const auditOut = h('div', { class: 'audit-out', 'aria-live': 'polite' });
  const costOut = h('div', { class: 'audit-out', 'aria-live': 'polite' });
  const copy = Math.max(file.ceilings.copyGBps, 0);
  const decodeGBps = bestDecodeGBps(file);

  const update = () => {
    const read = (input: HTMLInputElement) => (input.value.trim() === '' ? Number.NaN : Number(input.value));
    const inputs: ClaimInputs = {
      pricePerGpuHour: read(price.input),
      batch: read(batch.input),
      model: {
        params: read(params.input) * 1e9,
        cards: read(cards.input),
        memoryGB: read(memory.input),
        bandwidthGBps: read(bandwidth.input),
      },
    };
    replaceChildren(tableSlot, claimsTable(checkClaims(file, inputs)));
    renderAudit(inputs, read(copyInput.input), read(costBytes.input), read(streamed.input));
  };

  const params = numberField(
    { id: 'audit-params', label: 'Model parameters', value: ARTICLE_MODEL.params / 1e9, unit: 'billion' },
    update,
  );
  const memory = numberField(
    { id: 'audit-memory', label: 'Memory per card', value: A100_80GB_SXM.memoryGB, unit: 'GB' },
    update,
  );
  const bandwidth = numberField(
    { id: 'audit-bandwidth', label: 'Bandwidth per card', value: A100_80GB_SXM.bandwidthGBps, unit: 'GB/s' },
    update,
  );
  const cards = numberField(
    { id: 'audit-cards', label: 'Cards', value: ARTICLE_MODEL.cards, unit: '', step: '1', min: '1' },
    update,
  );
  const copyInput = numberField(
    {
      id: 'audit-copy',
      label: 'Your measured copy bandwidth',
      value: Number(sig(copy, 4).replaceAll(',', '')),
      unit: 'GB/s',
    },
    update,
  );
  const price = numberField(
    { id: 'cost-price', label: 'Price per GPU-hour', value: DEFAULT_PRICE_PER_GPU_HOUR, unit: '$' },
    update,
  );
  const batch = numberField(
    {
      id: 'cost-batch',
      label: 'Sequences decoded together (batch)',
      value: 1,
      unit: '',
      step: '1',
      min: '1',
    },
    update,
  );
  // The cost check's own source is the decode kernel's bandwidth; without one the copy ceiling stands in.
  const streamSource =
    decodeGBps !== undefined
      ? 'the bandwidth the decode kernel reached in this run'
      : copy > 0
        ? 'the copy ceiling of this run (no verified decode result: an upper bound)'
        : 'not measured in this run: type a figure';
  const initialStream = Number(sig(decodeGBps ?? copy, 4).replaceAll(',', ''));
  const streamed = numberField(
    {
      id: 'cost-bandwidth',
      label: 'Bandwidth that streams the weights',
      value: initialStream,
      unit: 'GB/s',
    },
    update,
  );
  const costBytes = numberField(
    {
      id: 'cost-bytes',
      label: 'Bytes per parameter',
      value: 0.5,
      unit: 'B (0.5 = int4)',
      step: '0.5',
      min: '0.5',
    },
    update,
  );

  const renderAudit = (inputs: ClaimInputs, copyGBps: number, bytesPerParam: number, streamGBps: number) => {
    const model = inputs.model ?? {};
    try {
      const floors = PRECISIONS.map((precision) =>
        decodeFloor({
          params: model.params ?? Number.NaN,
          bytesPerParam: precision.bytesPerParam,
          cards: model.cards ?? Number.NaN,
          memoryGB: model.memoryGB ?? Number.NaN,
          bandwidthGBps: model.bandwidthGBps ?? Number.NaN,
          copyGBps: copyGBps > 0 ? copyGBps : undefined,
        }),
      );
      replaceChildren(
        auditOut,
        h(
          'table',
          { class: 'audit' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Weights'),
              h('th', { scope: 'col', class: 'num' }, 'Size'),
              h('th', { scope: 'col' }, 'Fits?'),
              h('th', { scope: 'col', class: 'num' }, 'Floor per token on those cards'),
              h('th', { scope: 'col', class: 'num' }, 'Floor at your copy bandwidth'),
            ),
          ),
          h(
            'tbody',
            {},
            ...floors.map((floor, i) =>
              h(
                'tr',
                {},
                h('td', {}, `${PRECISIONS[i].name} (${PRECISIONS[i].bytesPerParam} B/param)`),
                h('td', { class: 'num' }, `${sig(floor.weightsGB)} GB`),
                h('td', {}, floor.fits ? 'yes' : `no — needs ${integer(floor.cardsNeeded)} cards`),
                h('td', { class: 'num' }, `≥ ${sig(floor.floorMs)} ms`),
                h(
                  'td',
                  { class: 'num' },
                  floor.measuredFloorMs === undefined ? '—' : `≥ ${sig(floor.measuredFloorMs)} ms`,
                ),
              ),
            ),
          ),
        ),
        h('p', { class: 'formula' }, floors[0].formula),
        h(
          'p',
          { class: 'muted' },
          'One decode step reads every weight once, so it cannot take less than the weights’ bytes ÷ the memory bandwidth. ',
          'The article’s 120 ms and 85 ms, on one 80 GB card, are to be read against these floors.',
        ),
      );
    } catch (error) {
      replaceChildren(auditOut, h('p', { class: 'callout danger' }, messageOf(error)));
    }
    try {
      const bytesPerToken = (model.params ?? Number.NaN) * bytesPerParam;
      const tokensPerSecond = tokensPerSecondAtBandwidth({
        bandwidthGBps: streamGBps,
        bytesPerToken,
        batch: inputs.batch,
      });
      const cost = costPerMillionTokens({
        tokensPerSecond,
        pricePerGpuHour: inputs.pricePerGpuHour ?? Number.NaN,
      });
      replaceChildren(
        costOut,
        h(
          'p',
          {},
          `Streaming the weights at ${sig(streamGBps)} GB/s (${streamGBps === initialStream ? streamSource : 'your figure'}): ${sig((model.params ?? 0) / 1e9)}B parameters × ${bytesPerParam} B = `,
          `${sig(bytesPerToken / 1e9)} GB per step, so at most ${sig(tokensPerSecond)} tokens/s`,
          inputs.batch && inputs.batch > 1 ? ` for a batch of ${inputs.batch}.` : '.',
        ),
        h('p', { class: 'formula', testid: 'cost-formula' }, cost.formula),
        h(
          'p',
          { class: 'big' },
          `$${cost.dollarsPerMillionTokens.toFixed(2)} per 1M tokens`,
          h('span', { class: 'muted' }, ' (article: $1.20 → $0.85)'),
        ),
      );
    } catch (error) {
      replaceChildren(costOut, h('p', { class: 'callout danger' }, messageOf(error)));
    }
  };

  const element = h(
    'div',
    { class: 'claims-view' },
    h(
      'p',
      {},
      'Each row is a figure from the article, the sentence it comes from, what attnscope measured on this GPU as the nearest equivalent, and a verdict. ',
      'The article is about a chip that is not in front of you: a verdict says what this GPU shows about the mechanism a claim names, never that the claim is proven or disproven.',
    ),
    tableSlot,
    h(
      'div',
      { class: 'audit-grid' },
      h(
        'form',
        { class: 'audit-form', 'aria-labelledby': 'audit-heading' },
        h('h3', { id: 'audit-heading' }, 'Audit from physical limits: 130B parameters on one card'),
        h(
          'div',
          { class: 'fields' },
          params.element,
          memory.element,
          bandwidth.element,
          cards.element,
          copyInput.element,
        ),
        auditOut,
      ),
      h(
        'form',
        { class: 'audit-form', 'aria-labelledby': 'cost-heading' },
        h('h3', { id: 'cost-heading' }, 'Cost per million tokens'),
        h('div', { class: 'fields' }, price.element, batch.element, costBytes.element, streamed.element),
        costOut,
      ),
    ),
  );
  for (const form of element.querySelectorAll('form'))
    form.addEventListener('submit', (event) => event.preventDefault());
  update();
  return element;
}
