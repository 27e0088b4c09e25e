// The page's entry: finds the GPU, shows it, offers the correctness check and the benchmark run, and
// shows results measured here, shared through a link, or imported from a file.

import { NoAdapterError } from '../gpu/errors.ts';
import type { Gpu } from '../gpu/gpu.ts';
import { openGpu } from '../gpu/open.ts';
import { type AdapterChoice, adapterPanel, findAdapterChoices } from './adapter-panel.ts';
import { byId, h, replaceChildren, show } from './dom.ts';
import { messageOf, showError } from './error-area.ts';
import { duration, integer, sig } from './format.ts';
import { setState } from './hooks.ts';
import { detectMissingApi, explainMissingWebGpu, type MissingWebGpu } from './no-webgpu.ts';
import { VERIFY_PROBLEM, VERIFY_TOLERANCE, verifyUnfused } from './verify.ts';

interface Device {
  gpu: Gpu | undefined;
  opening: Promise<Gpu | undefined> | undefined;
  powerPreference: GPUPowerPreference | undefined;
  choices: AdapterChoice[];
  missing: MissingWebGpu | undefined;
  /** Why the last device went away, shown in the adapter panel until a new one opens. */
  lostMessage: string | undefined;
}

const device: Device = {
  gpu: undefined,
  opening: undefined,
  powerPreference: undefined,
  choices: [],
  missing: undefined,
  lostMessage: undefined,
};

declare global {
  interface Window {
    /** Test hooks beyond the contract: lets an end-to-end test lose the device mid-run. */
    attnscopeDebug?: { loseDevice(): boolean };
  }
}

window.attnscopeDebug = {
  loseDevice() {
    if (!device.gpu) return false;
    device.gpu.device.destroy();
    return true;
  },
};

function renderAdapter(): void {
  const body = byId('adapter-body');
  const gpu = device.gpu;
  if (!gpu) {
    if (device.missing) replaceChildren(body, explainMissingWebGpu(device.missing, device.lostMessage));
    return;
  }
  replaceChildren(
    body,
    device.lostMessage ? h('p', { class: 'callout danger' }, device.lostMessage) : null,
    adapterPanel(gpu, device.choices, device.powerPreference, (powerPreference) => {
      device.powerPreference = powerPreference;
      void reopenDevice();
    }),
  );
}

async function openDevice(): Promise<Gpu | undefined> {
  try {
    const gpu = await openGpu({ powerPreference: device.powerPreference });
    device.gpu = gpu;
    device.missing = undefined;
    gpu.onLost((lost) => {
      if (device.gpu !== gpu) return;
      device.gpu = undefined;
      device.lostMessage =
        `The GPU device was lost (${lost.reason}${lost.detail ? `: ${lost.detail}` : ''}). ` +
        'Results measured before it stay on the page; the next run or check opens a fresh device.';
      renderAdapterLost(lost.message);
    });
    renderAdapter();
    device.lostMessage = undefined;
    return gpu;
  } catch (error) {
    device.gpu = undefined;
    device.missing = error instanceof NoAdapterError ? 'no-adapter' : 'device-failed';
    device.lostMessage = messageOf(error);
    renderAdapter();
    return undefined;
  }
}

function renderAdapterLost(message: string): void {
  const body = byId('adapter-body');
  body.prepend(h('p', { class: 'callout danger', testid: 'device-lost' }, device.lostMessage ?? message));
}

/** The open device, or a fresh one when the last was lost; undefined without WebGPU. */
export function ensureGpu(): Promise<Gpu | undefined> {
  if (device.gpu && !device.gpu.isLost) return Promise.resolve(device.gpu);
  if (device.missing === 'insecure-context' || device.missing === 'no-api') return Promise.resolve(undefined);
  device.opening ??= openDevice().finally(() => {
    device.opening = undefined;
  });
  return device.opening;
}

async function reopenDevice(): Promise<void> {
  const old = device.gpu;
  device.gpu = undefined;
  old?.close();
  await ensureGpu();
}

function renderVerify(): void {
  const { heads, seqQ, headDim } = VERIFY_PROBLEM;
  const button = h('button', { type: 'button', class: 'secondary', testid: 'verify' }, 'Check correctness');
  const outcome = h('div', { class: 'verify-outcome', testid: 'verify-result', 'aria-live': 'polite' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    const previousState = document.documentElement.dataset.state;
    setState('verifying');
    replaceChildren(outcome, h('p', { class: 'muted' }, 'Running unfused attention and the CPU reference…'));
    try {
      const gpu = await ensureGpu();
      if (!gpu) throw new Error('No WebGPU device is available (see “Your GPU” above).');
      const result = await verifyUnfused(gpu);
      outcome.dataset.verified = String(result.ok);
      replaceChildren(
        outcome,
        h(
          'p',
          { class: result.ok ? 'callout ok' : 'callout danger' },
          h('strong', {}, result.ok ? 'Matches the reference. ' : 'Does NOT match the reference. '),
          `${integer(result.values)} output values; largest difference ${sig(result.maxAbsErr, 2)} `,
          `(allowed: ${VERIFY_TOLERANCE.atol} + ${VERIFY_TOLERANCE.rtol} × |reference|). `,
          `Took ${duration(result.wallMs)} including upload and read-back.`,
        ),
        result.failure ? h('pre', { class: 'failure' }, result.failure) : null,
      );
    } catch (error) {
      outcome.dataset.verified = 'false';
      replaceChildren(
        outcome,
        h('p', { class: 'callout danger' }, `The check could not run: ${messageOf(error)}`),
      );
    } finally {
      button.disabled = false;
      setState(
        previousState === 'verifying' || previousState === undefined ? 'ready' : (previousState as never),
      );
    }
  });
  replaceChildren(
    byId('verify-body'),
    h(
      'p',
      {},
      `Runs the plain three-pass (unfused) attention kernel once on a small problem — ${heads} heads, `,
      `${seqQ} queries and keys, head size ${headDim}, causal — and compares every output with a CPU `,
      'reference computed in double precision. Odd sizes on purpose: they catch kernels that only work on round numbers.',
    ),
    h('div', { class: 'actions' }, button),
    outcome,
  );
}

async function boot(): Promise<void> {
  setState('loading');
  device.missing = detectMissingApi();
  if (device.missing) {
    renderAdapter();
    setState('no-webgpu');
    return;
  }
  device.choices = await findAdapterChoices().catch(() => []);
  const gpu = await ensureGpu();
  if (!gpu) {
    setState('no-webgpu');
    return;
  }
  show(byId('verify-section'), true);
  renderVerify();
  setState('ready');
}

boot().catch((error) => {
  showError(messageOf(error), 'The page failed to start');
  setState('error');
});
