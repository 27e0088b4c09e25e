// The adapter panel: which GPU the kernels run on, in words a person can check; a software adapter
// (SwiftShader, Chrome's fallback) named plainly with what it means for the figures; the features and
// limits the kernels depend on; and, when the browser offers different adapters for low-power and
// high-performance, a choice between them.

import { adapterName, describeAdapter } from '../gpu/adapter-info.ts';
import type { Gpu } from '../gpu/gpu.ts';
import type { AdapterDescription } from '../results/types.ts';
import { h, srOnly, tableWrap } from './dom.ts';
import { bytes, integer } from './format.ts';

export interface AdapterChoice {
  powerPreference: GPUPowerPreference;
  adapter: AdapterDescription;
}

const FEATURE_MEANING: Record<string, [string, string]> = {
  'timestamp-query': [
    'GPU timestamps time each kernel',
    'times come from the wall clock, which includes overheads',
  ],
  'shader-f16': ['half-precision kernel variants run', 'f16 kernel variants are skipped'],
  subgroups: ['subgroup kernel variants run', 'subgroup kernel variants are skipped'],
};

const LIMIT_MEANING: [keyof GPUSupportedLimits, string, 'bytes' | 'count'][] = [
  [
    'maxStorageBufferBindingSize',
    'largest buffer one kernel can bind (caps heads × sequence² for unfused)',
    'bytes',
  ],
  ['maxBufferSize', 'largest buffer', 'bytes'],
  ['maxComputeWorkgroupStorageSize', 'workgroup memory for tiles of K and V', 'bytes'],
  ['maxComputeInvocationsPerWorkgroup', 'threads per workgroup', 'count'],
  ['maxComputeWorkgroupsPerDimension', 'workgroups per dispatch dimension', 'count'],
  ['maxStorageBuffersPerShaderStage', 'storage buffers per kernel', 'count'],
];

/** The adapter by vendor and architecture, with the driver's description when the runtime gives one. */
export function displayName(a: AdapterDescription): string {
  // Vendor and architecture first: a browser and Node describe one adapter with the same two words
  // ("google swiftshader"), while only Node fills in the driver's description.
  return adapterName(a);
}

/** The software-adapter warning, reused by the results view for shared runs. */
export function softwareWarning(adapter: AdapterDescription, measuredHere: boolean): HTMLElement {
  const name = displayName(adapter);
  return h(
    'div',
    { class: 'callout warn', role: 'note', testid: 'software-warning' },
    h('strong', {}, measuredHere ? 'Software adapter: ' : 'Measured on a software adapter: '),
    `${name} is not a graphics card. It runs WebGPU on the CPU. `,
    'Every result is still checked against the CPU reference, but the times measure a CPU: compare ',
    'kernels with each other (ratios within one run), not with the article’s A100 figures.',
  );
}

function featureList(gpu: Gpu): HTMLElement {
  return h(
    'ul',
    { class: 'features' },
    ...Object.entries(FEATURE_MEANING).map(([feature, [yes, no]]) => {
      const has = gpu.features.has(feature);
      return h(
        'li',
        { class: has ? 'has' : 'lacks' },
        h('span', { class: 'mark', 'aria-hidden': 'true' }, has ? '✓' : '–'),
        h('code', {}, feature),
        srOnly(has ? ' available: ' : ' not available: '),
        h('span', { class: 'muted' }, has ? ` ${yes}` : ` ${no}`),
      );
    }),
  );
}

function limitTable(gpu: Gpu): HTMLTableElement {
  return h(
    'table',
    { class: 'limits' },
    h('caption', { class: 'visually-hidden' }, 'Device limits the kernels depend on'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Limit'),
        h('th', { scope: 'col', class: 'num' }, 'Value'),
        h('th', { scope: 'col' }, 'What it bounds'),
      ),
    ),
    h(
      'tbody',
      {},
      ...LIMIT_MEANING.map(([name, meaning, kind]) => {
        const value = Number(gpu.limits[name]);
        return h(
          'tr',
          {},
          h('td', {}, h('code', {}, name)),
          h('td', { class: 'num' }, kind === 'bytes' ? bytes(value) : integer(value)),
          h('td', { class: 'muted' }, meaning),
        );
      }),
    ),
  );
}

function timerLine(gpu: Gpu): string {
  if (!gpu.features.has('timestamp-query')) return 'wall clock (no timestamp-query on this adapter)';
  return gpu.timestampQuantized
    ? 'GPU timestamps (the browser may round them to 100 µs; kernels are batched per sample so that it does not matter)'
    : 'GPU timestamps, unrounded';
}

/** The panel for an open device. onChoose re-opens with another power preference. */
export function adapterPanel(
  gpu: Gpu,
  choices: AdapterChoice[],
  current: GPUPowerPreference | undefined,
  onChoose: (powerPreference: GPUPowerPreference) => void,
): HTMLElement {
  const a = gpu.adapter;
  const facts: [string, string][] = [
    ['Vendor', a.vendor || '(not reported)'],
    ['Architecture', a.architecture || '(not reported)'],
    ['Device', a.device || '(not reported)'],
    ['Description', a.description || '(not reported)'],
    ['Kind', a.isSoftware ? 'software (runs on the CPU)' : 'hardware GPU'],
    ['Timer', timerLine(gpu)],
  ];
  return h(
    'div',
    { class: 'adapter', testid: 'adapter' },
    h(
      'p',
      { class: 'adapter-name' },
      h('span', { testid: 'adapter-name' }, displayName(a)),
      h('span', { class: a.isSoftware ? 'badge warn' : 'badge ok' }, a.isSoftware ? 'software' : 'GPU'),
    ),
    h(
      'p',
      { class: 'adapter-sub muted' },
      [a.vendor, a.architecture].filter(Boolean).join(' · ') || 'vendor not reported',
    ),
    a.isSoftware ? softwareWarning(a, true) : null,
    h('dl', { class: 'facts' }, ...facts.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
    choices.length > 1 ? adapterChooser(choices, current, onChoose) : null,
    h(
      'details',
      { class: 'more' },
      h('summary', {}, 'Features and limits the kernels use'),
      featureList(gpu),
      tableWrap(limitTable(gpu)),
    ),
  );
}

function adapterChooser(
  choices: AdapterChoice[],
  current: GPUPowerPreference | undefined,
  onChoose: (powerPreference: GPUPowerPreference) => void,
): HTMLElement {
  const group = h(
    'fieldset',
    { class: 'adapter-choice' },
    h('legend', {}, 'This browser offers more than one adapter'),
  );
  for (const choice of choices) {
    const id = `adapter-${choice.powerPreference}`;
    const input = h('input', {
      type: 'radio',
      name: 'adapter-choice',
      id,
      value: choice.powerPreference,
      checked: (current ?? 'high-performance') === choice.powerPreference,
    });
    input.addEventListener('change', () => onChoose(choice.powerPreference));
    group.append(
      h(
        'label',
        { for: id },
        input,
        ` ${adapterName(choice.adapter)} `,
        h(
          'span',
          { class: 'muted' },
          choice.powerPreference === 'low-power' ? '(low power)' : '(high performance)',
        ),
      ),
    );
  }
  return group;
}

/** Asks for both power preferences; returns both only when they are different adapters. */
export async function findAdapterChoices(): Promise<AdapterChoice[]> {
  if (!navigator.gpu) return [];
  const choices: AdapterChoice[] = [];
  for (const powerPreference of ['high-performance', 'low-power'] as const) {
    const adapter = await navigator.gpu.requestAdapter({ powerPreference }).catch(() => null);
    if (!adapter) continue;
    const description = describeAdapter(adapter.info);
    const key = JSON.stringify(description);
    if (!choices.some((c) => JSON.stringify(c.adapter) === key))
      choices.push({ powerPreference, adapter: description });
  }
  return choices;
}
