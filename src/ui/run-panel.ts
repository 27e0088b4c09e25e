// Choosing what to run — a preset, or a custom configuration validated as it is typed with the device's
// limits in the messages — and the Run / Cancel buttons with a progress bar, the current step and an
// estimate of the time left (announced politely to screen readers).

import {
  PATTERNS,
  PRESET_NAMES,
  type PresetName,
  presetConfig,
  type RunConfig,
  type Suite,
  validateRunConfig,
} from '../measure/presets.ts';
import type { AdapterDescription } from '../results/types.ts';
import { h, replaceChildren } from './dom.ts';
import { FIELDS, fieldLabel, formMessage, parseList, parseNumber, requiredMessage } from './form-messages.ts';
import { bytes, eta, integer } from './format.ts';

export type RunRequest =
  | { preset: PresetName; config?: undefined }
  | { preset?: undefined; config: RunConfig };

export interface RunPanel {
  element: HTMLElement;
  setRunning(running: boolean): void;
  progress(done: number, total: number, step: string, etaMs: number | undefined): void;
  finished(message: string): void;
  /** Selects a preset (the shared link's, for instance). */
  selectPreset(preset: PresetName): void;
  /** Puts the keyboard on Cancel (a run started from elsewhere on the page). */
  focusCancel(): void;
}

const PRESET_TEXT: Record<PresetName, { title: string; time: string }> = {
  quick: { title: 'Quick', time: 'about 1–2 minutes' },
  standard: { title: 'Standard', time: 'a few minutes' },
  full: { title: 'Full', time: '10 minutes or more' },
};

const SUITE_TEXT: Record<Exclude<Suite, 'peers'>, string> = {
  attention: 'dense attention (unfused, fused-softmax, flash)',
  sparse: 'block-sparse attention',
  decode: 'decode (one query, long KV)',
  matmul: 'matmul (naive, tiled)',
  gemv: 'GEMV (decode-time weights: f32, f16, int8, int4) against the read probe',
  probes: 'ceilings (copy and read bandwidth, FMA compute)',
  model: 'a decoder layer’s decode step (GLM-130B, Llama-3-8B shapes)',
};

function list(values: readonly number[]): string {
  return values.map((v) => integer(v)).join(', ');
}

/** One line on what a configuration sweeps. */
export function describeConfig(config: RunConfig): string {
  const parts = [
    `${config.heads} heads × d ${config.headDim}`,
    `sequences ${list(config.seqLens)}`,
    config.suites.includes('sparse')
      ? `sparse ${config.patterns.join(', ')} at ${config.densities.map((d) => `${Math.round(d * 100)} %`).join(', ')}`
      : '',
    config.suites.includes('decode') ? `decode KV ${list(config.decodeKv)}` : '',
    config.suites.includes('matmul') ? `matmul ${list(config.matmulSizes)}` : '',
    config.suites.includes('gemv') ? `GEMV rows ${list(config.gemvRows ?? [1])}` : '',
    config.peers && config.suites.includes('peers') ? 'with peer libraries' : 'no peers',
  ];
  return parts.filter(Boolean).join(' · ');
}

/** The run section; onRun gets a preset or a validated configuration. */
export function runPanel(
  adapter: AdapterDescription,
  limits: GPUSupportedLimits,
  onRun: (request: RunRequest) => void,
  onCancel: () => void,
): RunPanel {
  let selected: PresetName | 'custom' = 'quick';
  let customValid: RunConfig | undefined;

  // Presets
  const presetGroup = h('fieldset', { class: 'presets' }, h('legend', {}, 'What to run'));
  const radios = new Map<string, HTMLInputElement>();
  const addChoice = (value: PresetName | 'custom', title: string, time: string, detail: string) => {
    const id = `preset-${value}`;
    const input = h('input', { type: 'radio', name: 'preset', id, value, checked: value === selected });
    input.addEventListener('change', () => {
      if (input.checked) choose(value);
    });
    radios.set(value, input);
    presetGroup.append(
      h(
        'label',
        { class: 'preset', for: id },
        input,
        h(
          'span',
          { class: 'preset-text' },
          h('strong', {}, title),
          h('span', { class: 'muted' }, ` — ${time}`),
          h('span', { class: 'preset-detail muted small' }, detail),
        ),
      ),
    );
  };
  for (const name of PRESET_NAMES) {
    const config = presetConfig(name, adapter);
    addChoice(name, PRESET_TEXT[name].title, PRESET_TEXT[name].time, describeConfig(config));
  }
  addChoice(
    'custom',
    'Custom',
    'choose every size',
    'heads, head size, sequence lengths, masks, decode and matmul sizes',
  );
  const scaled = adapter.isSoftware
    ? h(
        'p',
        { class: 'muted small' },
        'On this software adapter the presets use problems about a hundred times smaller, so that they finish in minutes on a CPU.',
      )
    : null;

  // Custom form
  const inputs = new Map<string, HTMLInputElement>();
  const errors = new Map<string, HTMLElement>();
  const formErrors = h('p', { class: 'form-errors', role: 'status' });
  /** Checkbox groups by field: their boxes are marked invalid together. */
  const groups = new Map<string, HTMLInputElement[]>();
  const fieldElements = FIELDS.map((field) => {
    const id = `cfg-${field.key}`;
    const input = h('input', {
      type: 'text',
      id,
      inputmode: field.kind === 'list' ? 'text' : 'decimal',
      'aria-describedby': `${id}-hint ${id}-error`,
      autocomplete: 'off',
    });
    input.addEventListener('input', validate);
    inputs.set(field.key, input);
    const error = h('span', { class: 'field-error', id: `${id}-error` });
    errors.set(field.key, error);
    return h(
      'label',
      { class: 'field', for: id },
      h('span', {}, fieldLabel(field.key)),
      input,
      h('span', { class: 'hint muted small', id: `${id}-hint` }, field.hint),
      error,
    );
  });
  const checkboxGroup = (
    legend: string,
    name: string,
    values: readonly string[],
    label: (v: string) => string,
  ) => {
    const group = h('fieldset', { class: 'checks' }, h('legend', {}, legend));
    const boxes: HTMLInputElement[] = [];
    for (const value of values) {
      const id = `cfg-${name}-${value}`;
      const box = h('input', { type: 'checkbox', id, name, value, 'aria-describedby': `cfg-${name}-error` });
      box.addEventListener('change', validate);
      inputs.set(`${name}:${value}`, box);
      boxes.push(box);
      group.append(h('label', { for: id }, box, ` ${label(value)}`));
    }
    const error = h('span', { class: 'field-error', id: `cfg-${name}-error` });
    errors.set(name, error);
    groups.set(name, boxes);
    group.append(error);
    return group;
  };
  const suitesGroup = checkboxGroup(
    'Suites',
    'suites',
    Object.keys(SUITE_TEXT),
    (v) => SUITE_TEXT[v as keyof typeof SUITE_TEXT],
  );
  const patternsGroup = checkboxGroup('Mask patterns (block-sparse)', 'patterns', PATTERNS, (v) => v);
  const peersBox = h('input', { type: 'checkbox', id: 'cfg-peers', 'aria-describedby': 'cfg-peers-error' });
  groups.set('peers', [peersBox]);
  peersBox.addEventListener('change', validate);
  const budget = h('input', {
    type: 'number',
    id: 'cfg-budget',
    min: '1',
    step: '1',
    'aria-describedby': 'cfg-budget-error',
  });
  budget.addEventListener('input', validate);
  errors.set('budgetMs', h('span', { class: 'field-error', id: 'cfg-budget-error' }));
  errors.set('peers', h('span', { class: 'field-error', id: 'cfg-peers-error' }));
  const custom = h(
    'div',
    { class: 'custom', hidden: true },
    h('div', { class: 'fields' }, ...fieldElements),
    h('div', { class: 'fields wide' }, suitesGroup, patternsGroup),
    h(
      'div',
      { class: 'fields' },
      h(
        'label',
        { class: 'field check', for: 'cfg-peers' },
        peersBox,
        ' Compare with peer libraries (TensorFlow.js WebGPU, gpu.js)',
        errors.get('peers'),
      ),
      h(
        'label',
        { class: 'field', for: 'cfg-budget' },
        h('span', {}, 'Time budget'),
        h('span', { class: 'with-unit' }, budget, h('span', { class: 'unit' }, 's')),
        errors.get('budgetMs'),
      ),
    ),
    h(
      'p',
      { class: 'muted small' },
      `Device limits: one buffer may hold at most ${bytes(Math.min(Number(limits.maxStorageBufferBindingSize), Number(limits.maxBufferSize)))}; `,
      `workgroup memory ${bytes(Number(limits.maxComputeWorkgroupStorageSize))}.`,
    ),
    formErrors,
  );

  function fillForm(config: RunConfig): void {
    for (const field of FIELDS) {
      const value = config[field.key];
      const input = inputs.get(field.key);
      if (!input) continue;
      input.value = Array.isArray(value) ? value.join(', ') : value === undefined ? '' : String(value);
    }
    for (const suite of Object.keys(SUITE_TEXT)) {
      const box = inputs.get(`suites:${suite}`);
      if (box) box.checked = config.suites.includes(suite as Suite);
    }
    for (const pattern of PATTERNS) {
      const box = inputs.get(`patterns:${pattern}`);
      if (box) box.checked = config.patterns.includes(pattern);
    }
    peersBox.checked = config.peers && config.suites.includes('peers');
    budget.value = String(Math.round(config.budgetMs / 1000));
  }

  /** Fields the run needs that are empty: said as "required" rather than as a bad value. */
  function emptyRequired(): Set<string> {
    const empty = new Set<string>();
    for (const field of FIELDS) {
      if (field.key === 'decodeDensity' || field.key === 'decodeBlockSize') continue; // optional
      // Densities serve the sparse suite alone.
      if (field.key === 'densities' && !inputs.get('suites:sparse')?.checked) continue;
      if ((inputs.get(field.key)?.value ?? '').trim() === '') empty.add(field.key);
    }
    if (budget.value.trim() === '') empty.add('budgetMs');
    return empty;
  }

  function rawConfig(): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const field of FIELDS) {
      const text = inputs.get(field.key)?.value ?? '';
      raw[field.key] = field.kind === 'list' ? parseList(text) : parseNumber(text);
    }
    if (raw.decodeDensity === undefined) delete raw.decodeDensity;
    if (raw.decodeBlockSize === undefined) delete raw.decodeBlockSize;
    if (raw.heads === undefined) raw.heads = Number.NaN;
    if (raw.headDim === undefined) raw.headDim = Number.NaN;
    if (raw.blockSize === undefined) raw.blockSize = Number.NaN;
    const suites: string[] = Object.keys(SUITE_TEXT).filter((s) => inputs.get(`suites:${s}`)?.checked);
    if (peersBox.checked) suites.push('peers');
    raw.suites = suites;
    raw.patterns = PATTERNS.filter((p) => inputs.get(`patterns:${p}`)?.checked);
    raw.peers = peersBox.checked;
    raw.budgetMs = budget.value.trim() === '' ? Number.NaN : Math.round(Number(budget.value) * 1000);
    return raw;
  }

  function validate(): void {
    const result = validateRunConfig(rawConfig(), limits);
    const fieldsOf = (key: string): Element[] =>
      key === 'budgetMs' ? [budget] : (groups.get(key) ?? [inputs.get(key)].filter((x) => x !== undefined));
    for (const [key, element] of errors) {
      element.textContent = '';
      for (const field of fieldsOf(key)) field.setAttribute('aria-invalid', 'false');
    }
    if (result.ok) {
      customValid = result.value;
      formErrors.textContent = '';
    } else {
      customValid = undefined;
      const unplaced: string[] = [];
      const empty = emptyRequired();
      const said = new Set<string>();
      for (const error of result.errors) {
        const base = error.field.split('[')[0];
        // An empty field fails for its emptiness, not its value: one "required", and only if it matters.
        if (empty.has(base) && said.has(base)) continue;
        const message = empty.has(base) ? requiredMessage(base) : formMessage(error.field, error.message);
        said.add(base);
        const element = errors.get(base);
        if (!element) {
          unplaced.push(message);
          continue;
        }
        element.textContent = element.textContent ? `${element.textContent} ${message}` : message;
        for (const field of fieldsOf(base)) field.setAttribute('aria-invalid', 'true');
      }
      const named = [...said].filter((base) => errors.has(base)).map(fieldLabel);
      formErrors.textContent =
        `${said.size} field${said.size === 1 ? '' : 's'} to fix before running` +
        (named.length ? `: ${named.join(', ')}.` : '.') +
        (unplaced.length ? ` ${unplaced.join(' ')}` : '');
    }
    updateButtons();
  }

  function choose(value: PresetName | 'custom'): void {
    if (value === 'custom' && selected !== 'custom') fillForm(presetConfig(selected, adapter));
    selected = value;
    custom.hidden = value !== 'custom';
    if (value === 'custom') validate();
    updateButtons();
  }

  // Run, cancel, progress
  let running = false;
  const run = h('button', { type: 'button', testid: 'run', class: 'primary' }, 'Run benchmarks');
  const cancel = h('button', { type: 'button', testid: 'cancel', class: 'danger', disabled: true }, 'Cancel');
  const bar = h('progress', { max: 1, value: 0, 'aria-label': 'Benchmark progress' });
  const stepText = h('span', { class: 'step-text' });
  const etaText = h('span', { class: 'eta muted' });
  const progressBox = h(
    'div',
    { class: 'progress', testid: 'progress', role: 'status', 'aria-live': 'polite', hidden: true },
    bar,
    h('p', {}, stepText, ' ', etaText),
  );

  function updateButtons(): void {
    const focused = document.activeElement;
    run.disabled = running || (selected === 'custom' && customValid === undefined);
    cancel.disabled = !running;
    if (!running) cancel.removeAttribute('aria-disabled');
    for (const radio of radios.values()) radio.disabled = running;
    // The keyboard follows the button that can act (a disabled button drops the focus to the page):
    // Run → Cancel when a run starts, Cancel → Run when it ends.
    if (focused === run && run.disabled && !cancel.disabled) cancel.focus();
    else if (focused === cancel && cancel.disabled && !run.disabled) run.focus();
  }

  run.addEventListener('click', () => {
    if (running) return;
    if (selected === 'custom') {
      if (customValid) onRun({ config: customValid });
    } else onRun({ preset: selected });
  });
  cancel.addEventListener('click', () => {
    // Said disabled rather than made so until the run ends, so that the focus stays on it.
    if (!running || cancel.getAttribute('aria-disabled') === 'true') return;
    cancel.setAttribute('aria-disabled', 'true');
    stepText.textContent = 'Cancelling…';
    onCancel();
  });

  const element = h(
    'div',
    { class: 'run-panel' },
    h(
      'p',
      {},
      'Every configuration is first checked against the CPU reference, then timed on the GPU; results appear below as they come, ',
      'and a configuration that fails is shown with its error while the run goes on. Your runs are kept in this browser.',
    ),
    presetGroup,
    scaled,
    custom,
    h('div', { class: 'actions' }, run, cancel),
    progressBox,
  );
  updateButtons();

  return {
    element,
    setRunning(value) {
      running = value;
      if (value) {
        progressBox.hidden = false;
        bar.removeAttribute('value'); // indeterminate until the plan is known
        stepText.textContent =
          'Starting: loading the kernels and checking every configuration against the CPU reference…';
        etaText.textContent = '';
      }
      updateButtons();
    },
    progress(done, total, step, etaMs) {
      bar.max = Math.max(1, total);
      bar.value = done;
      replaceChildren(stepText, `${integer(done)} of ${integer(total)} · ${step}`);
      etaText.textContent = etaMs !== undefined ? `· ${eta(etaMs)}` : '';
    },
    finished(message) {
      stepText.textContent = message;
      etaText.textContent = '';
      if (!bar.hasAttribute('value')) bar.value = 0;
    },
    focusCancel() {
      if (!cancel.disabled) cancel.focus();
    },
    selectPreset(preset) {
      const radio = radios.get(preset);
      if (radio && !running) {
        radio.checked = true;
        choose(preset);
      }
    },
  };
}
