// What the page says when it cannot get a WebGPU device: what is missing, in plain words, and how to
// turn it on in the browsers that have it. Shared links and imported files stay viewable without it.

import { BROWSER_HINT } from '../gpu/open.ts';
import { h } from './dom.ts';

export type MissingWebGpu = 'insecure-context' | 'no-api' | 'no-adapter' | 'device-failed';

interface BrowserHelp {
  browser: string;
  matches: RegExp;
  steps: string[];
}

const HELP: BrowserHelp[] = [
  {
    browser: 'Chrome or Edge on Linux',
    matches: /Linux(?!.*Android).*(Chrome|Chromium|Edg)\//,
    steps: [
      'WebGPU is on by default in Chrome and Edge 113+ on Windows, macOS and ChromeOS, but not yet on most Linux drivers.',
      'Open `chrome://flags/#enable-unsafe-webgpu` (`edge://flags/#enable-unsafe-webgpu` in Edge), set it to Enabled, and relaunch;',
      'or start the browser with `--enable-unsafe-webgpu --enable-features=Vulkan`',
      'If it still says no adapter, `chrome://gpu` shows why (a blocklisted driver, or Vulkan missing).',
    ],
  },
  {
    browser: 'Chrome or Edge on Windows, macOS, ChromeOS, Android',
    matches: /(Chrome|Chromium|Edg)\//,
    steps: [
      'WebGPU is on by default from version 113 (Android: 121, with Android 12 or newer).',
      'Update the browser; if your GPU is blocklisted, `chrome://gpu` says so.',
    ],
  },
  {
    browser: 'Safari',
    matches: /Version\/[\d.]+.*Safari\//,
    steps: [
      'WebGPU is on by default in Safari 26 (macOS 26, iOS and iPadOS 26).',
      'In Safari 18 and earlier: Develop menu → Feature Flags → WebGPU.',
    ],
  },
  {
    browser: 'Firefox',
    matches: /Firefox\//,
    steps: [
      'WebGPU is on by default in Firefox 141+ on Windows (and 145+ on Apple-silicon Macs).',
      'Elsewhere: open `about:config`, set `dom.webgpu.enabled` to true, and restart (Firefox Nightly has the most complete support).',
    ],
  },
];

const WHAT_IS_MISSING: Record<MissingWebGpu, string> = {
  'insecure-context':
    'This page was not opened from a secure address, and browsers only offer WebGPU to https:// pages and to http://localhost.',
  'no-api': 'This browser does not offer WebGPU (navigator.gpu is missing).',
  'no-adapter':
    'This browser has WebGPU, but it offered no GPU adapter: the GPU or its driver may be blocklisted, or WebGPU is switched off for it.',
  'device-failed': 'This browser offered a GPU adapter, but opening a device on it failed.',
};

/** Text with `backticked` parts as <code> elements (text nodes only). */
function withCode(step: string): (string | HTMLElement)[] {
  return step.split('`').map((part, index) => (index % 2 === 1 ? h('code', {}, part) : part));
}

/** Which of the cases this browser is in, before any adapter is asked for. */
export function detectMissingApi(): MissingWebGpu | undefined {
  if (!window.isSecureContext) return 'insecure-context';
  if (!('gpu' in navigator) || !navigator.gpu) return 'no-api';
  return undefined;
}

/** The explanation: what is missing, the steps for this browser first, then the others. */
export function explainMissingWebGpu(kind: MissingWebGpu, detail?: string): HTMLElement {
  const userAgent = navigator.userAgent;
  const mine = HELP.find((help) => help.matches.test(userAgent));
  const ordered = mine ? [mine, ...HELP.filter((help) => help !== mine)] : HELP;
  return h(
    'div',
    { class: 'no-webgpu', testid: 'no-webgpu' },
    h('p', { class: 'lead' }, WHAT_IS_MISSING[kind]),
    detail ? h('p', { class: 'muted' }, 'The browser said: ', h('q', {}, detail)) : null,
    h(
      'p',
      {},
      'attnscope needs WebGPU to run its kernels. You can still open shared links and imported result files below; ',
      'they are shown as measured elsewhere.',
    ),
    kind === 'insecure-context'
      ? h('p', {}, 'Open it from http://localhost (npm start serves it there) or from an https:// address.')
      : null,
    h('h3', {}, 'How to turn WebGPU on'),
    h(
      'ul',
      { class: 'browser-help' },
      ...ordered.map((help) =>
        h(
          'li',
          { class: help === mine ? 'mine' : undefined },
          h('strong', {}, help.browser),
          help === mine ? h('span', { class: 'tag' }, 'your browser') : null,
          h('ul', {}, ...help.steps.map((step) => h('li', {}, ...withCode(step)))),
        ),
      ),
    ),
    h('details', {}, h('summary', {}, 'In one paragraph'), h('p', { class: 'muted' }, BROWSER_HINT)),
  );
}
