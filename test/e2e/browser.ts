// Debian's Chromium, headless, with WebGPU (flags from ../shared/platform.md), driven by playwright-core.
// Chromium is pointed at SwiftShader (the only adapter on a machine without a GPU) unless
// ATTNSCOPE_E2E_ADAPTER=default, which leaves it to offer whatever adapter it finds; the tests assert
// software specifics only when the adapter the page reports is software (adapterOf). Each page records its console errors, uncaught exceptions and every request that
// leaves the page's origin, so tests can assert that none happened.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { describeAdapter } from '../../src/gpu/adapter-info.ts';
import type { AdapterDescription } from '../../src/results/types.ts';

export const CHROMIUM = process.env.ATTNSCOPE_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that point Chromium's WebGPU and ANGLE at SwiftShader. */
const SWIFTSHADER_FLAGS = ['--use-webgpu-adapter=swiftshader', '--use-angle=swiftshader'];

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  ...(process.env.ATTNSCOPE_E2E_ADAPTER === 'default' ? [] : SWIFTSHADER_FLAGS),
  '--enable-webgpu-developer-features',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const ARTIFACTS = join(root, '.artifacts');
export const SCREENSHOTS = join(ARTIFACTS, 'screenshots');

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
}

/**
 * One browser for a test file: launched before the file's own beforeAll hooks (call this first) and
 * closed after its afterAll hooks. Returns the browser once launched.
 */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser)
      throw new Error('useBrowser: the browser is not launched yet (use it inside a hook or test)');
    return browser;
  };
}

/** One context in the file's browser (call useBrowser first): made before the file's tests, closed after. */
export function useContext(browser: () => Browser): () => BrowserContext {
  let context: BrowserContext | undefined;
  beforeAll(async () => {
    context = await newContext(browser());
  });
  afterAll(async () => {
    await context?.close();
  });
  return () => {
    if (!context) throw new Error('useContext: the context is not made yet (use it inside a hook or test)');
    return context;
  };
}

export interface WatchedPage {
  page: Page;
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  /** console.error messages. */
  consoleErrors: string[];
  /** URLs requested from any origin other than the page's own. */
  foreignRequests: string[];
  /** Every URL the page requested (data: and blob: left out). */
  requests: string[];
  /** Everything the page logged, for failure messages. */
  log: string[];
}

/** A new page in context that records errors and foreign requests; the viewport suits screenshots. */
export async function watchedPage(context: BrowserContext, baseUrl: string): Promise<WatchedPage> {
  const page = await context.newPage();
  const origin = new URL(baseUrl).origin;
  const watched: WatchedPage = {
    page,
    pageErrors: [],
    consoleErrors: [],
    foreignRequests: [],
    requests: [],
    log: [],
  };
  page.on('pageerror', (error) => watched.pageErrors.push(String(error)));
  page.on('console', (message) => {
    watched.log.push(`${message.type()}: ${message.text()}`);
    if (message.type() === 'error') watched.consoleErrors.push(message.text());
  });
  page.on('request', (request) => {
    const url = request.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    watched.requests.push(url);
    if (new URL(url).origin !== origin) watched.foreignRequests.push(url);
  });
  return watched;
}

export async function newContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
}

/** Saves a full-page screenshot under .artifacts/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Holds the page's navigator.gpu.requestAdapter back until the returned function is called, so that
 * what the page draws before it finds its adapter can be used first. Call it before page.goto.
 */
export async function holdAdapter(page: Page): Promise<() => Promise<void>> {
  await page.addInitScript(() => {
    const gpu = navigator.gpu;
    if (!gpu) return;
    const requestAdapter = gpu.requestAdapter.bind(gpu);
    let release = () => {};
    const found = new Promise<void>((resolve) => {
      release = resolve;
    });
    (window as unknown as { releaseAdapter: () => void }).releaseAdapter = () => release();
    gpu.requestAdapter = async (options) => {
      await found;
      return requestAdapter(options);
    };
  });
  return () => page.evaluate(() => (window as unknown as { releaseAdapter: () => void }).releaseAdapter());
}

/**
 * Marks the results view on screen now with data-<name>="yes": a redraw replaces it, and the mark with
 * it (what a visitor opened or scrolled in the view lives in its elements: the mark stands for it).
 * Returns a count of the views still marked, to be read later (1: not redrawn since; 0: redrawn).
 */
export async function markResultsView(page: Page, name: string): Promise<() => Promise<number>> {
  const attribute = `data-${name}`;
  const marked = await page.evaluate((key) => {
    const view = document.querySelector('#results-body > :last-child');
    view?.setAttribute(key, 'yes');
    return view !== null;
  }, attribute);
  if (!marked) throw new Error('markResultsView: no results view on screen to mark');
  return () => page.locator(`#results-body > [${attribute}="yes"]`).count();
}

/** Waits until <html data-state> is one of the given states; returns the state. */
export async function waitForState(page: Page, states: string[], timeout = 60_000): Promise<string> {
  await page.waitForFunction(
    (wanted) => wanted.includes(document.documentElement.dataset.state ?? ''),
    states,
    { timeout, polling: 100 },
  );
  return page.evaluate(() => document.documentElement.dataset.state ?? '');
}

/**
 * Clicks "Copy link" and waits until the copy is over (the button enabled again, holding the link):
 * the click's handler goes on after an await, and the next step must not race it.
 */
export async function copyShareLink(page: Page): Promise<string> {
  await page.getByTestId('share-link').click();
  await page.waitForFunction(() => {
    const button = document.querySelector<HTMLButtonElement>('[data-testid="share-link"]');
    return Boolean(button?.dataset.href) && !button?.disabled;
  });
  return (await page.getByTestId('share-link').getAttribute('data-href')) ?? '';
}

/** Records every `attnscope:done` event's detail in the pages of this context. */
export async function recordDoneEvents(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const record = window as unknown as { __attnscopeDone: unknown[] };
    record.__attnscopeDone = [];
    window.addEventListener('attnscope:done', (event) =>
      record.__attnscopeDone.push((event as CustomEvent).detail),
    );
  });
}

/** The `attnscope:done` details recorded so far in this page. */
export function doneEvents(page: Page): Promise<{ state: string; status?: string }[]> {
  return page.evaluate(
    () => (window as unknown as { __attnscopeDone: { state: string; status?: string }[] }).__attnscopeDone,
  );
}

/**
 * Chooses Custom and types a small configuration: attention only, one head, no peers. The default
 * budget (60 s) is far more than it needs, so that a run is still going when a test cancels it or
 * loses its device, however loaded the machine (a run that passes twice its budget stops by itself).
 * A test that waits for the run to end passes a smaller one: the pipeline compiles come on top of it.
 */
export async function fillSmallCustomRun(page: Page, seqLens: string, budgetSeconds = 60): Promise<void> {
  await page.locator('#preset-custom').check();
  await page.locator('#cfg-seqLens').fill(seqLens);
  await page.locator('#cfg-heads').fill('1');
  // Every suite but attention, whatever the form lists (a suite added later must not join these runs).
  const others = page.locator('input[name="suites"]:not([value="attention"])');
  for (const box of await others.all()) await box.uncheck();
  await page.locator('#cfg-suites-attention').check();
  await page.locator('#cfg-peers').uncheck();
  await page.locator('#cfg-budget').fill(String(budgetSeconds));
}

/**
 * The adapter the page's navigator.gpu offers, described as the results schema does (isSoftware by
 * the same rule as the library), or undefined without one.
 */
export async function adapterOf(page: Page): Promise<AdapterDescription | undefined> {
  const info = await page.evaluate(async () => {
    const adapter = await navigator.gpu?.requestAdapter();
    if (!adapter) return undefined;
    const { vendor, architecture, device, description } = adapter.info;
    const isFallbackAdapter = (adapter.info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
    return { vendor, architecture, device, description, isFallbackAdapter };
  });
  return info ? describeAdapter(info as GPUAdapterInfo) : undefined;
}
