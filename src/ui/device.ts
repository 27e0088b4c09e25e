// The page's GPU: opens the device (with a couple of retries), reopens it after a loss or when the
// user picks another adapter, and shows it in "Your GPU" — or explains why there is none, with the
// gpu.js baseline that can still run. One device at a time; everything else asks ensureGpu().

import { NoAdapterError } from '../gpu/errors.ts';
import type { Gpu } from '../gpu/gpu.ts';
import { openGpu } from '../gpu/open.ts';
import { type AdapterChoice, adapterPanel } from './adapter-panel.ts';
import { byId, h, replaceChildren } from './dom.ts';
import { messageOf } from './error-area.ts';
import { gpujsBaselineBlock } from './gpujs-block.ts';
import { explainMissingWebGpu, type MissingWebGpu } from './no-webgpu.ts';

interface DeviceState {
  gpu: Gpu | undefined;
  opening: Promise<Gpu | undefined> | undefined;
  powerPreference: GPUPowerPreference | undefined;
  choices: AdapterChoice[];
  missing: MissingWebGpu | undefined;
  /** Why the last device went away; shown until a new one opens. */
  lostMessage: string | undefined;
  /** The device that was lost, still shown (its adapter, features and limits) until a new one opens. */
  lastGpu: Gpu | undefined;
  failure: string | undefined;
}

export const device: DeviceState = {
  gpu: undefined,
  opening: undefined,
  powerPreference: undefined,
  choices: [],
  missing: undefined,
  lostMessage: undefined,
  lastGpu: undefined,
  failure: undefined,
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

export function renderAdapter(): void {
  const body = byId('adapter-body');
  const gpu = device.gpu ?? device.lastGpu;
  const onChoose = (powerPreference: GPUPowerPreference) => {
    device.powerPreference = powerPreference;
    void reopenDevice();
  };
  if (device.lostMessage && !device.gpu) {
    const reopen = h(
      'button',
      { type: 'button', class: 'secondary', testid: 'reopen' },
      'Open a fresh device now',
    );
    reopen.addEventListener('click', () => void ensureGpu());
    replaceChildren(
      body,
      h(
        'div',
        { class: 'callout danger', testid: 'device-lost' },
        h('p', {}, device.lostMessage),
        h('div', { class: 'actions' }, reopen),
      ),
      gpu ? adapterPanel(gpu, device.choices, device.powerPreference, onChoose) : null,
    );
  } else if (gpu) {
    replaceChildren(body, adapterPanel(gpu, device.choices, device.powerPreference, onChoose));
  } else if (device.missing) {
    replaceChildren(body, explainMissingWebGpu(device.missing, device.failure), gpujsBaselineBlock());
  } else {
    replaceChildren(body, h('p', { class: 'muted' }, 'Looking for a WebGPU adapter…'));
  }
}

/** openGpu with a couple of retries (a device just lost can fail to reopen once); no adapter is final. */
async function openWithRetries(attempts = 3): Promise<Gpu> {
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await openGpu({ powerPreference: device.powerPreference });
    } catch (error) {
      lastError = error;
      if (error instanceof NoAdapterError) break;
    }
  }
  throw lastError;
}

async function openDevice(): Promise<Gpu | undefined> {
  try {
    const gpu = await openWithRetries();
    gpu.onLost((lost) => {
      if (device.gpu !== gpu) return;
      device.gpu = undefined;
      device.lastGpu = gpu;
      device.lostMessage =
        `The GPU device was lost (${lost.reason}${lost.detail ? `: ${lost.detail}` : ''}). ` +
        'Results measured before stay on the page; the next run or check opens a fresh device.';
      renderAdapter();
    });
    device.gpu = gpu;
    device.lastGpu = undefined;
    device.missing = undefined;
    device.failure = undefined;
    device.lostMessage = undefined;
    renderAdapter();
    return gpu;
  } catch (error) {
    device.gpu = undefined;
    device.missing = error instanceof NoAdapterError ? 'no-adapter' : 'device-failed';
    device.failure = messageOf(error);
    renderAdapter();
    return undefined;
  }
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

export async function reopenDevice(): Promise<void> {
  const old = device.gpu;
  device.gpu = undefined;
  old?.close();
  await ensureGpu();
}
