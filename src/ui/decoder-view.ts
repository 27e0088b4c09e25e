// "Your GPU as a GLM-130B decoder" (data-testid="decoder"): the measured decode layer split by op as a
// stacked bar, the whole-model projection beside the article's 120 ms and 85 ms, and the chip table
// with the GPU that ran as one more row. Every figure comes from the estimate the claims use.

import type { DecoderEstimate } from '../article/index.ts';
import { chipFloor, chips } from '../model/chips.ts';
import { printed } from '../model/projection.ts';
import { models } from '../model/shapes.ts';
import type { BenchResult, ResultsFile } from '../results/types.ts';
import { h, tableWrap } from './dom.ts';
import { duration } from './format.ts';

const OP_COLOURS = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#eeca3b', '#b279a2', '#9d755d'];

// "Llama-3-8B int4, test shape f16": the decode steps these results hold, for a hint when none fits.
function measuredSteps(file: ResultsFile): string {
  const names = file.results
    .filter((r) => r.op === 'decode-step' && r.verified)
    .map(
      (r) => `${models[String(r.params.model)]?.name ?? String(r.params.model)} ${String(r.params.format)}`,
    );
  return [...new Set(names)].join(', ');
}

function opsBar(file: ResultsFile, estimate: DecoderEstimate, gpu: string): HTMLElement {
  const ops = estimate.step?.result.ops ?? [];
  if (ops.length === 0) {
    const measured = measuredSteps(file);
    return h(
      'p',
      { class: 'muted', testid: 'decoder-ops' },
      estimate.step === undefined
        ? `No ${estimate.model.name} decode step in ${estimate.inputs.format} in these results; ${measured ? `they hold: ${measured} (choose that model and precision)` : 'run the model suite'}.`
        : 'This decode step has no per-op times (the adapter gave no per-pass timestamps).',
    );
  }
  const total = ops.reduce((sum, op) => sum + op.ms, 0);
  const layerMs = estimate.step?.result.latencyMs?.median;
  return h(
    'figure',
    { class: 'ops-bar', testid: 'decoder-ops' },
    h(
      'div',
      {
        role: 'img',
        'aria-label': `One layer on ${gpu}, split by op`,
        style: 'display:flex;height:1.6rem;border-radius:4px;overflow:hidden',
      },
      ...ops.map((op, i) =>
        h('span', {
          'data-op': op.op,
          title: `${op.op}: ${duration(op.ms)}`,
          style: `flex:0 0 ${((op.ms / total) * 100).toFixed(2)}%;background:${OP_COLOURS[i % OP_COLOURS.length]}`,
        }),
      ),
    ),
    h(
      'figcaption',
      { class: 'small' },
      `One layer measured on ${gpu}, split by op, each op timed in its own passes: ${duration(total)} in all` +
        (layerMs === undefined
          ? ': '
          : ` (the whole layer, timed in one pass as the projection uses it: ${duration(layerMs)}): `),
      ...ops.flatMap((op, i) => [
        h('span', { style: `color:${OP_COLOURS[i % OP_COLOURS.length]}` }, '■ '),
        `${op.op} ${duration(op.ms)} (${printed((op.ms / total) * 100, 2)}%, ${printed(op.bytes / 1e6, 3)} MB)${i < ops.length - 1 ? '; ' : '.'}`,
      ]),
    ),
    residencyLine(ops, gpu),
  );
}

/** The GEMV ops' cache test, when the step carries it: time per byte resident ÷ streamed, with CIs. */
function residencyLine(ops: NonNullable<BenchResult['ops']>, gpu: string): HTMLElement | undefined {
  const tested = ops.filter((op) => op.residency);
  if (tested.length === 0) return undefined;
  const parts = tested.map(
    (op) =>
      `${op.op} ${printed(op.residency?.ratio ?? 0, 2)} (95% CI ${printed(op.residency?.ci95[0] ?? 0, 2)}–${printed(op.residency?.ci95[1] ?? 0, 2)})`,
  );
  return h(
    'p',
    { class: 'small', testid: 'decoder-residency' },
    `Why the layer is not at the read probe, op by op — time per byte of each GEMV on a slice of its matrix that stays in cache ÷ on the streamed weights, timed interleaved: ${parts.join('; ')}. About 1: the op is no faster without memory in the way, so on ${gpu} it is limited by its arithmetic, not by bandwidth; well below 1: memory-bound.`,
  );
}

function projectionBlock(estimate: DecoderEstimate, gpu: string): HTMLElement {
  const projection = estimate.projection;
  const ci = estimate.msPerTokenCi;
  if (projection === undefined || ci === undefined) {
    return h(
      'p',
      { class: 'muted', testid: 'decoder-projection' },
      'Nothing to project without a measured decode step.',
    );
  }
  return h(
    'div',
    { testid: 'decoder-projection' },
    h(
      'p',
      { class: 'big' },
      `${printed(projection.msPerToken)} ms per token, projected`,
      h('span', { class: 'muted' }, ` (95% CI ${printed(ci[0])}–${printed(ci[1])} ms)`),
    ),
    h(
      'p',
      {},
      `Beside the article: 120 ms on its A100, 85 ms on its co-designed chip, one card each. ${gpu.charAt(0).toUpperCase()}${gpu.slice(1)} on ${projection.cards} card${projection.cards === 1 ? '' : 's'}: ${printed(projection.tokensPerSecond)} tokens/s at batch ${projection.batch}; weights + KV cache ${projection.fits ? 'fit' : 'do not fit'} in ${printed(projection.capacityGB)} GB.`,
    ),
    h('ul', { class: 'formulas' }, ...projection.formulas.map((line) => h('li', { class: 'formula' }, line))),
    estimate.step?.scaleFormula ? h('p', { class: 'formula' }, estimate.step.scaleFormula) : null,
    h('p', { class: 'muted small' }, `Projected, not measured end to end: ${projection.caveats.join('; ')}.`),
  );
}

function chipTable(estimate: DecoderEstimate, gpu: string): HTMLElement {
  const { inputs, model } = estimate;
  const config = {
    model,
    format: inputs.format,
    context: inputs.context,
    batch: inputs.batch,
    cards: inputs.cards,
  };
  const rows = chips.map((chip) => ({ chip, floor: chipFloor(chip, config) }));
  const cell = (text: string, cls?: string) => h('td', cls ? { class: cls } : {}, text);
  const measured = estimate.measuredFloor;
  return tableWrap(
    h(
      'table',
      { class: 'chips', testid: 'chip-table' },
      h(
        'caption',
        {},
        `${model.name}, ${inputs.format}, context ${inputs.context}, batch ${inputs.batch}, on ${inputs.cards} card${inputs.cards === 1 ? '' : 's'} of each`,
      ),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Chip', 'Memory', 'Bandwidth', 'Weights + KV', 'Fits?', 'Floor per step', 'Source'].map(
            (title) => h('th', { scope: 'col' }, title),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        ...rows.map(({ chip, floor }) =>
          h(
            'tr',
            { 'data-chip': chip.id },
            h('td', {}, chip.name, chip.note ? h('span', { class: 'muted small' }, ` — ${chip.note}`) : null),
            cell(`${printed(chip.memoryGB)} GB${chip.unconfirmed ? ' (unconfirmed)' : ''}`, 'num'),
            cell(`${printed(chip.bandwidthGBps)} GB/s`, 'num'),
            cell(`${printed(floor.neededGB)} GB`, 'num'),
            cell(floor.fits ? 'yes' : `no — ${floor.cardsNeeded} cards`),
            cell(`≥ ${printed(floor.floorMs)} ms`, 'num'),
            cell(chip.source, 'small'),
          ),
        ),
        measured === undefined || estimate.measuredGBps === undefined
          ? h(
              'tr',
              { 'data-chip': 'measured', class: 'measured-row' },
              h('td', {}, h('strong', {}, gpu.charAt(0).toUpperCase() + gpu.slice(1))),
              cell(`${printed(inputs.memoryGB)} GB (typed)`, 'num'),
              h('td', { colspan: 5 }, 'not measured: the read probe did not run in these results'),
            )
          : h(
              'tr',
              { 'data-chip': 'measured', class: 'measured-row' },
              h('td', {}, h('strong', {}, gpu.charAt(0).toUpperCase() + gpu.slice(1))),
              cell(`${printed(inputs.memoryGB)} GB (typed)`, 'num'),
              cell(`${printed(estimate.measuredGBps)} GB/s (read probe, measured)`, 'num'),
              cell(`${printed(measured.neededGB)} GB`, 'num'),
              cell(measured.fits ? 'yes' : `no — ${measured.cardsNeeded} cards`),
              cell(`≥ ${printed(measured.floorMs)} ms`, 'num'),
              cell('this run', 'small'),
            ),
      ),
    ),
  );
}

/** The decoder section for the shown results; `onModel` is called when another model is chosen. */
export function decoderSection(
  file: ResultsFile,
  estimate: DecoderEstimate,
  gpu: string,
  onModel: (modelId: string) => void,
): HTMLElement {
  const select = h(
    'select',
    { id: 'decoder-model' },
    ...Object.values(models)
      .filter((shape) => shape.id !== 'test')
      .map((shape) => h('option', { value: shape.id, selected: shape.id === estimate.model.id }, shape.name)),
  );
  select.addEventListener('change', () => onModel(select.value));
  return h(
    'section',
    { class: 'decoder', testid: 'decoder', 'aria-labelledby': 'decoder-heading' },
    h(
      'h3',
      { id: 'decoder-heading' },
      `${gpu === 'this GPU' ? 'Your GPU' : 'The sender’s GPU'} as a ${estimate.model.name} decoder`,
    ),
    h(
      'p',
      { class: 'muted' },
      h('label', { for: 'decoder-model' }, 'Model '),
      select,
      ` — precision, context, batch and cards are the inputs above. The claims always use GLM-130B, the article’s 130B model.`,
    ),
    opsBar(file, estimate, gpu),
    projectionBlock(estimate, gpu),
    chipTable(estimate, gpu),
    h(
      'p',
      { class: 'muted small' },
      'The article says only "NVIDIA A100"; this page assumes the 80 GB SXM (its 400 W matches the SXM parts). Floors assume ideal tensor parallelism across cards.',
    ),
  );
}
