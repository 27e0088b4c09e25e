// The article's claims held against the shown results (data-testid="claims"): what the article says,
// what attnscope measured as the nearest equivalent, and a verdict from src/article/verdicts.ts. Above
// the table, the inputs (price, precision, context, batch, cards, memory per card); below it, the
// decoder section, the cost box and the physical audit — all drawn from one estimate of those inputs,
// so the table and the boxes can never disagree.

import {
  ARTICLE_MODEL_ID,
  type ArticleFigure,
  type ArticleInputs,
  articleCitation,
  auditLines,
  type ClaimOutcome,
  checkClaims,
  checkInputs,
  type DecoderEstimate,
  dollarsText,
  estimateDecoder,
  INPUT_LIMITS,
  VERDICT_MEANING,
  type Verdict,
  whoseGpu,
} from '../article/index.ts';
import { printed } from '../model/projection.ts';
import { WEIGHT_FORMATS } from '../model/shapes.ts';
import type { ResultsFile } from '../results/types.ts';
import { articleInputs, setArticleInputs } from './article-inputs.ts';
import { decoderSection } from './decoder-view.ts';
import { type Child, h, keepFocus, replaceChildren, srOnly, tableWrap } from './dom.ts';
import { messageOf } from './error-area.ts';
import { sig } from './format.ts';

export const VERDICT_LABEL: Readonly<Record<Verdict, { label: string; kind: string }>> = {
  consistent: { label: 'Consistent here', kind: 'ok' },
  'not-reproduced': { label: 'Not reproduced here', kind: 'warn' },
  inconclusive: { label: 'Inconclusive', kind: 'neutral' },
  'mechanism-only': { label: 'Mechanism only', kind: 'neutral' },
  'article-inconsistent': { label: 'Article inconsistent', kind: 'danger' },
  'not-measurable': { label: 'Not measurable in a browser', kind: 'neutral' },
  reference: { label: 'Reference only', kind: 'neutral' },
  'out-of-scope': { label: 'Out of scope', kind: 'neutral' },
  software: { label: 'Software adapter: no verdict', kind: 'neutral' },
};

function signed(value: number): string {
  return `${value > 0 ? '+' : value < 0 ? '−' : ''}${sig(Math.abs(value))}`;
}

export function figureText(figure: ArticleFigure): string {
  switch (figure.kind) {
    case 'change': {
      const money = figure.unit.startsWith('$');
      const value = (v: number) => (money ? `$${v.toFixed(2)}` : `${sig(v)} ${figure.unit}`);
      const stated =
        figure.statedChangePercent === undefined ? '' : ` (${signed(figure.statedChangePercent)} % stated)`;
      return `${value(figure.before)} → ${value(figure.after)}${stated}`;
    }
    case 'percent':
      return `${signed(figure.percent)} % ${figure.of}${figure.baseline ? ` (vs ${figure.baseline.percent} % ${figure.baseline.of})` : ''}`;
    case 'statement':
      return figure.statement;
  }
}

/**
 * A row of a claims table (the article's claims, and the article against itself): the claim, what
 * was measured or worked out, the verdict; data-claim and data-verdict name it for tests and links.
 */
export function claimRow(id: string, verdict: string, claim: Child[], measured: Child[], judged: Child[]) {
  return h(
    'tr',
    { 'data-claim': id, 'data-verdict': verdict },
    h('td', { class: 'claim' }, ...claim),
    h('td', { class: 'measured' }, ...measured),
    h('td', { class: 'verdict' }, ...judged),
  );
}

function claimsTable(outcomes: ClaimOutcome[], gpu: string): HTMLElement {
  return tableWrap(
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
          h('th', { scope: 'col' }, `Measured on ${gpu}`),
          h('th', { scope: 'col' }, 'Verdict'),
        ),
      ),
      h(
        'tbody',
        {},
        ...outcomes.map(({ claim, outcome }) => {
          const verdict = VERDICT_LABEL[outcome.verdict];
          return claimRow(
            claim.id,
            outcome.verdict,
            [
              h('strong', {}, claim.title),
              h('span', { class: 'figure' }, figureText(claim.articleFigure)),
              h('q', { class: 'quote' }, claim.quote),
            ],
            [
              outcome.measured ? h('span', { class: 'value' }, outcome.measured) : null,
              h('span', { class: 'what muted small' }, claim.whatWeMeasure),
            ],
            [
              h(
                'span',
                { class: `badge ${verdict.kind}`, title: VERDICT_MEANING[outcome.verdict] },
                verdict.label,
              ),
              h(
                'details',
                {},
                // Thirteen "Why"s read alike from the keyboard: each names its claim to a screen reader.
                h('summary', {}, 'Why', srOnly(`: ${claim.title}`)),
                h('p', {}, outcome.detail),
                // What the badge's tooltip says, for readers without a pointer.
                h(
                  'p',
                  { class: 'muted', 'data-meaning': 'true' },
                  `${verdict.label}: ${VERDICT_MEANING[outcome.verdict]}.`,
                ),
              ),
            ],
          );
        }),
      ),
    ),
  );
}

interface NumberField {
  key: Exclude<keyof ArticleInputs, 'format'>;
  label: string;
  unit: string;
  step: string;
}

const NUMBER_FIELDS: NumberField[] = [
  { key: 'pricePerGpuHour', label: 'Price per GPU-hour', unit: '$', step: '0.01' },
  { key: 'context', label: 'Context (tokens per sequence)', unit: 'tokens', step: '1' },
  { key: 'batch', label: 'Batch (sequences decoded together)', unit: '', step: '1' },
  { key: 'cards', label: 'Cards', unit: '', step: '1' },
  { key: 'memoryGB', label: 'Memory per card as sold (a page cannot read it)', unit: 'GiB', step: '1' },
];

/** The id of the inputs' error message, which an invalid field points to. */
const CLAIM_INPUTS_ERROR = 'claim-inputs-error';

function inputsForm(initial: ArticleInputs, onInput: () => void) {
  const inputs = new Map<string, HTMLInputElement>();
  const fields = NUMBER_FIELDS.map((field) => {
    const [min, max] = INPUT_LIMITS[field.key];
    const input = h('input', {
      type: 'number',
      id: `claim-input-${field.key}`,
      value: String(initial[field.key]),
      step: field.step,
      min: String(min),
      max: String(max),
      inputmode: 'decimal',
    });
    input.addEventListener('input', onInput);
    inputs.set(field.key, input);
    return h(
      'label',
      { class: 'field', for: input.id },
      h('span', {}, field.label),
      h('span', { class: 'with-unit' }, input, field.unit ? h('span', { class: 'unit' }, field.unit) : null),
    );
  });
  const format = h(
    'select',
    { id: 'claim-input-format' },
    ...WEIGHT_FORMATS.map((name) => h('option', { value: name, selected: name === initial.format }, name)),
  );
  format.addEventListener('change', onInput);
  // The inputs checked, each error named by the field's label (as the run form names its fields), and
  // the field marked invalid.
  const read = (): ArticleInputs => {
    for (const input of inputs.values()) {
      input.removeAttribute('aria-invalid');
      input.removeAttribute('aria-describedby');
    }
    const value = (key: string) => {
      const text = inputs.get(key)?.value.trim() ?? '';
      return text === '' ? Number.NaN : Number(text);
    };
    const empty = NUMBER_FIELDS.find((field) => (inputs.get(field.key)?.value.trim() ?? '') === '');
    const invalid = (field: NumberField | undefined, message: string) => {
      const input = field ? inputs.get(field.key) : undefined;
      // The message (claimsView's error slot) read again whenever the field is reached.
      input?.setAttribute('aria-invalid', 'true');
      input?.setAttribute('aria-describedby', CLAIM_INPUTS_ERROR);
      return new RangeError(message);
    };
    if (empty) throw invalid(empty, `${empty.label}: required`);
    try {
      return checkInputs({
        pricePerGpuHour: value('pricePerGpuHour'),
        format: format.value as ArticleInputs['format'],
        context: value('context'),
        batch: value('batch'),
        cards: value('cards'),
        memoryGB: value('memoryGB'),
      });
    } catch (error) {
      const message = messageOf(error);
      const field = NUMBER_FIELDS.find((f) => message.startsWith(`${f.key}:`));
      throw invalid(field, field ? `${field.label}${message.slice(field.key.length)}` : message);
    }
  };
  const element = h(
    'form',
    { class: 'audit-form', testid: 'claim-inputs', 'aria-labelledby': 'claim-inputs-heading' },
    h('h3', { id: 'claim-inputs-heading' }, 'Your inputs (they travel in the share link)'),
    h(
      'div',
      { class: 'fields' },
      h('label', { class: 'field', for: format.id }, h('span', {}, 'Weight precision'), format),
      ...fields,
    ),
  );
  element.addEventListener('submit', (event) => event.preventDefault());
  return { element, read };
}

function costBox(estimate: DecoderEstimate, gpu: string): HTMLElement {
  const cost = estimate.cost;
  const floor = estimate.measuredFloor;
  const { inputs } = estimate;
  if (cost === undefined) {
    return h(
      'p',
      { class: 'muted' },
      'Neither a decode step nor the read probe ran in these results: no throughput, no cost.',
    );
  }
  return h(
    'div',
    { testid: 'cost-box' },
    h('p', {}, `From ${cost.basis}, on ${gpu}:`),
    h('p', { class: 'formula' }, cost.throughput),
    h('p', { class: 'formula', testid: 'cost-formula' }, cost.formula),
    h(
      'p',
      { class: 'big' },
      `${dollarsText(cost.dollars)} per 1M tokens`,
      h('span', { class: 'muted' }, ' (article: $1.20 → $0.85)'),
    ),
    floor === undefined
      ? null
      : h(
          'p',
          { class: 'muted' },
          floor.maxBatch >= 1
            ? `KV cache counted: with ${inputs.cards} × ${inputs.memoryGB} GiB, batches 1–${floor.maxBatch} fit beside ${printed(floor.weightsGB)} GB of weights; batch ${inputs.batch} ${floor.fits ? 'fits' : 'does not fit'}.`
            : `KV cache counted: with ${inputs.cards} × ${inputs.memoryGB} GiB not even one sequence fits beside ${printed(floor.weightsGB)} GB of weights.`,
        ),
  );
}

function auditBox(estimate: DecoderEstimate, gpu: string): HTMLElement {
  const floor = estimate.measuredFloor;
  return h(
    'div',
    { testid: 'audit' },
    h(
      'p',
      {},
      `${estimate.model.name}, context ${estimate.inputs.context}, batch ${estimate.inputs.batch}, on one ${estimate.articleCardFloor.chip.name} (the article’s card, assumed):`,
    ),
    h('ul', {}, ...auditLines(estimate).map((line) => h('li', {}, line))),
    ...estimate.articleCardFloor.formulas.map((line) => h('p', { class: 'formula' }, line)),
    floor === undefined || estimate.measuredGBps === undefined
      ? h('p', { class: 'muted' }, `The read probe did not run on ${gpu}: no measured bandwidth to compare.`)
      : h(
          'p',
          { class: 'formula' },
          `At the read bandwidth measured on ${gpu} (${printed(estimate.measuredGBps)} GB/s, this run): ${floor.formulas[1]}`,
        ),
    h(
      'p',
      { class: 'muted' },
      'One decode step reads every weight once, and each sequence’s KV cache, so it cannot take less than those bytes ÷ the memory bandwidth. This audit needs no GPU.',
    ),
  );
}

/** The inputs, the claims table, the decoder section, the cost box and the physical audit. */
export function claimsView(file: ResultsFile, options: { origin: 'here' | 'link' | 'import' }): HTMLElement {
  const gpu = whoseGpu(options.origin);
  const errorSlot = h('div', { 'aria-live': 'polite', testid: 'claim-inputs-error', id: CLAIM_INPUTS_ERROR });
  const tableSlot = h('div', {});
  const decoderSlot = h('div', {});
  const costSlot = h('div', { class: 'audit-out', 'aria-live': 'polite' });
  const auditSlot = h('div', { class: 'audit-out' });
  let decoderModel = ARTICLE_MODEL_ID;

  const update = () => {
    let inputs: ArticleInputs;
    try {
      inputs = form.read();
    } catch (error) {
      replaceChildren(
        errorSlot,
        h(
          'p',
          { class: 'callout danger' },
          `${messageOf(error)}. The claims below keep the last valid inputs, and so does a link copied now.`,
        ),
      );
      return;
    }
    replaceChildren(errorSlot);
    setArticleInputs(inputs);
    try {
      const estimate = estimateDecoder(file, inputs);
      replaceChildren(
        tableSlot,
        claimsTable(checkClaims(file, { origin: options.origin, inputs, estimate }), gpu),
      );
      const decoderEstimate =
        decoderModel === ARTICLE_MODEL_ID
          ? estimate
          : estimateDecoder(file, inputs, { modelId: decoderModel });
      replaceChildren(
        decoderSlot,
        decoderSection(file, decoderEstimate, gpu, (model) => {
          decoderModel = model;
          // The section is drawn anew: the keyboard stays on its model list.
          keepFocus(update);
        }),
      );
      replaceChildren(costSlot, costBox(estimate, gpu));
      replaceChildren(auditSlot, auditBox(estimate, gpu));
    } catch (error) {
      replaceChildren(errorSlot, h('p', { class: 'callout danger' }, messageOf(error)));
    }
  };
  const form = inputsForm(articleInputs(), update);

  const element = h(
    'div',
    { class: 'claims-view' },
    h(
      'p',
      {},
      `Each row is a figure from ${articleCitation()}, the sentence it comes from, what attnscope measured on ${gpu} as the nearest equivalent, and a verdict. `,
      'The article is about a chip that is not here: a verdict says only what the evidence supports, never that a claim is proven or disproven.',
    ),
    form.element,
    errorSlot,
    tableSlot,
    decoderSlot,
    h(
      'div',
      { class: 'audit-grid' },
      h(
        'section',
        { class: 'audit-form', 'aria-labelledby': 'cost-heading' },
        h('h3', { id: 'cost-heading' }, 'Cost per million tokens'),
        costSlot,
      ),
      h(
        'section',
        { class: 'audit-form', 'aria-labelledby': 'audit-heading' },
        h('h3', { id: 'audit-heading' }, 'Audit from physical limits'),
        auditSlot,
      ),
    ),
  );
  update();
  return element;
}
