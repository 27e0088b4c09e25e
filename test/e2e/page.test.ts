// The page without a benchmark run: the adapter panel names SwiftShader as a software adapter, the
// correctness check runs unfused attention and matches the reference, a browser without WebGPU gets
// the explanation, and the page asks nothing of any other origin.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encodeShareLink } from '../../src/results/share-link.ts';
import { quickPresetRun } from '../unit/results-fixtures.ts';
import {
  adapterOf,
  doneEvents,
  fillSmallCustomRun,
  newContext,
  recordDoneEvents,
  screenshot,
  useBrowser,
  type WatchedPage,
  waitForState,
  watchedPage,
} from './browser.ts';

const baseUrl = inject('baseUrl');
const distDir = inject('distDir');
const browser = useBrowser();

/** The URLs the service worker should hold: the page, the icon and every file of the build's manifest. */
function buildFiles(): string[] {
  const manifest = JSON.parse(readFileSync(join(distDir, '.vite', 'manifest.json'), 'utf8')) as Record<
    string,
    { file: string; css?: string[]; assets?: string[] }
  >;
  const files = new Set(['./', './favicon.svg']);
  for (const entry of Object.values(manifest))
    for (const file of [entry.file, ...(entry.css ?? []), ...(entry.assets ?? [])]) files.add(`./${file}`);
  return [...files].map((file) => new URL(file, baseUrl).href).sort();
}

/** The service worker's caches and the URLs the one cache holds. */
function cacheContents(page: Page): Promise<{ names: string[]; urls: string[] }> {
  return page.evaluate(async () => {
    const names = await caches.keys();
    const urls = names.length === 1 ? (await (await caches.open(names[0])).keys()).map((r) => r.url) : [];
    return { names, urls: urls.sort() };
  });
}

describe('with WebGPU', () => {
  let context: BrowserContext;
  let watched: WatchedPage;

  beforeAll(async () => {
    context = await newContext(browser());
    watched = await watchedPage(context, baseUrl);
    await watched.page.goto(baseUrl);
    await waitForState(watched.page, ['ready', 'no-webgpu', 'error']);
  });

  afterAll(async () => {
    await context?.close();
  });

  it('opens without loading the harness, the peer libraries or the chart library', () => {
    const loaded = watched.requests.map((url) => new URL(url).pathname);
    expect(
      loaded.filter((path) => /\/(run|gpu-browser|tfjs|gpujs|peers|dist|uPlot|charts)[-.]/.test(path)),
    ).toEqual([]);
    expect(loaded.some((path) => path.endsWith('.js'))).toBe(true);
  });

  it('shows the adapter, and says plainly that it is software when it is', async () => {
    const { page } = watched;
    expect(await page.evaluate(() => document.documentElement.dataset.state)).toBe('ready');
    const offered = await adapterOf(page);
    expect(offered, 'Chromium offers a WebGPU adapter').toBeDefined();
    const adapter = page.getByTestId('adapter');
    const name = (offered?.architecture || offered?.vendor || offered?.description) ?? '';
    await expect.poll(async () => (await adapter.textContent())?.toLowerCase()).toContain(name.toLowerCase());
    if (offered?.isSoftware) {
      const warning = await page.getByTestId('software-warning').textContent();
      expect(warning).toMatch(/runs WebGPU on the CPU/);
    } else {
      expect(await page.getByTestId('software-warning').count()).toBe(0);
    }
    await screenshot(page, 'adapter');
  });

  it('runs the correctness check and shows that it matched the reference', async () => {
    const { page } = watched;
    // From the keyboard: the button keeps the focus while the check runs and after.
    await page.getByTestId('verify').focus();
    await page.keyboard.press('Enter');
    const result = page.getByTestId('verify-result');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="verify-result"]')?.getAttribute('data-verified') !== null,
      undefined,
      { timeout: 60_000 },
    );
    expect(await result.getAttribute('data-verified')).toBe('true');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid)).toBe(
      'verify',
    );
    expect(await result.textContent()).toMatch(/Matches the reference/);
    await screenshot(page, 'verified');
  });

  it('raised no page errors and made no request to another origin', () => {
    expect(watched.pageErrors).toEqual([]);
    expect(watched.foreignRequests).toEqual([]);
  });
});

describe('offline once loaded', () => {
  it('reloads and runs with the network gone', async () => {
    const context = await newContext(browser());
    try {
      const watched = await watchedPage(context, baseUrl);
      const { page } = watched;
      await page.goto(baseUrl);
      await waitForState(page, ['ready']);
      await page.waitForFunction(() => document.documentElement.dataset.offline !== undefined, undefined, {
        timeout: 30_000,
      });
      expect(await page.evaluate(() => document.documentElement.dataset.offline)).toBe('ready');
      // Bounded: one cache, holding this build's files (ORT's .wasm among them) and nothing else — a
      // file of an older build goes at the next precache, and neither a navigation with a query string
      // nor a fetch of a file the build does not list adds an entry.
      const expected = buildFiles();
      expect(expected.some((url) => /ort-wasm-simd-threaded\.asyncify-[\w-]+\.wasm$/.test(url))).toBe(true);
      expect(await cacheContents(page)).toEqual({ names: ['attnscope-v2'], urls: expected });
      const stale = new URL('./assets/older-build-0000.js', baseUrl).href;
      await page.evaluate(async (url) => {
        await (await caches.open('attnscope-v2')).put(url, new Response('// an older build'));
        await fetch(`./favicon.svg?uncached=${Math.random()}`);
      }, stale);
      expect((await cacheContents(page)).urls).toContain(stale);
      await page.goto(`${baseUrl}?from=offline-test`);
      await waitForState(page, ['ready']);
      await page.waitForFunction(() => document.documentElement.dataset.offline === 'ready', undefined, {
        timeout: 30_000,
      });
      expect(await cacheContents(page)).toEqual({ names: ['attnscope-v2'], urls: expected });
      await context.setOffline(true);
      await page.reload();
      expect(await waitForState(page, ['ready', 'no-webgpu', 'error'])).toBe('ready');
      // Really offline, service worker included: what is not cached cannot be fetched.
      expect(
        await page.evaluate(() =>
          fetch(`/not-cached-${Math.random()}`).then(
            (r) => r.status,
            () => 'failed',
          ),
        ),
      ).toBe('failed');
      // A small run needs the harness chunk and the shaders, none of which the page loaded before.
      // A 30 s budget (it stops when its figures settle, mostly well before): the run is waited for to
      // its end, and its compiles come on top.
      await fillSmallCustomRun(page, '64', 30);
      await page.getByTestId('run').click();
      expect(await waitForState(page, ['done', 'error', 'cancelled'], 200_000)).toBe('done');
      const verified = await page.evaluate(
        () => window.attnscopeResults?.results.filter((r) => r.verified).length,
      );
      expect(verified).toBeGreaterThan(0);
      expect(watched.pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('without WebGPU', () => {
  let context: BrowserContext;

  beforeAll(async () => {
    context = await newContext(browser());
    await context.addInitScript(() => {
      // As in a browser without WebGPU: no navigator.gpu at all.
      delete (Navigator.prototype as { gpu?: unknown }).gpu;
    });
    await recordDoneEvents(context);
  });

  afterAll(async () => {
    await context?.close();
  });

  it('explains what is missing and how to turn it on', async () => {
    const watched = await watchedPage(context, baseUrl);
    await watched.page.goto(baseUrl);
    expect(await waitForState(watched.page, ['ready', 'no-webgpu', 'error'])).toBe('no-webgpu');
    expect(await watched.page.evaluate(() => 'gpu' in navigator)).toBe(false);
    const text = await watched.page.getByTestId('no-webgpu').textContent();
    expect(text).toMatch(/does not offer WebGPU/);
    expect(text).toMatch(/enable-unsafe-webgpu/);
    expect(text).toMatch(/Safari 26/);
    expect(text).toMatch(/Firefox 141/);
    expect(await watched.page.getByTestId('verify').count()).toBe(0);
    expect(await watched.page.getByTestId('run').count()).toBe(0);
    await screenshot(watched.page, 'no-webgpu');
    expect(watched.pageErrors).toEqual([]);
    await watched.page.close();
  });

  it('?run=quick ends in data-state="error" with a message, not a hang', async () => {
    const watched = await watchedPage(context, baseUrl);
    await watched.page.goto(`${baseUrl}?run=quick`);
    expect(await waitForState(watched.page, ['done', 'error', 'cancelled'])).toBe('error');
    expect(await watched.page.getByTestId('error').textContent()).toMatch(/No WebGPU device/);
    expect(await watched.page.evaluate(() => window.attnscopeResults)).toBeUndefined();
    expect(await doneEvents(watched.page)).toEqual([expect.objectContaining({ state: 'error' })]);
    await watched.page.close();
  });

  it('still shows a shared link, read-only', async () => {
    const link = await encodeShareLink(quickPresetRun(), baseUrl);
    const watched = await watchedPage(context, baseUrl);
    await watched.page.goto(link);
    expect(await waitForState(watched.page, ['ready', 'no-webgpu', 'error'])).toBe('no-webgpu');
    expect(await watched.page.getByTestId('shared-banner').textContent()).toMatch(
      /shared, not measured here/,
    );
    expect(await watched.page.locator('[data-testid="results"] tbody tr').count()).toBe(
      quickPresetRun().results.length,
    );
    expect(await watched.page.getByTestId('run-same').isDisabled()).toBe(true);
    expect(await watched.page.getByTestId('claims').isVisible()).toBe(true);
    expect(watched.pageErrors).toEqual([]);
    await watched.page.close();
  });

  it('offers the gpu.js baseline, which runs through WebGL and matches the reference', async () => {
    const watched = await watchedPage(context, baseUrl);
    await watched.page.goto(baseUrl);
    await waitForState(watched.page, ['no-webgpu']);
    await watched.page.getByTestId('gpujs-baseline').click();
    await watched.page.waitForFunction(
      () => document.querySelector('[data-testid="gpujs-result"]')?.getAttribute('data-verified') !== null,
      undefined,
      { timeout: 60_000 },
    );
    const result = watched.page.getByTestId('gpujs-result');
    expect(await result.getAttribute('data-verified'), (await result.textContent()) ?? '').toBe('true');
    expect(await result.getAttribute('data-mode')).toMatch(/webgl/);
    await screenshot(watched.page, 'no-webgpu-gpujs');
    expect(watched.pageErrors).toEqual([]);
    expect(watched.foreignRequests).toEqual([]);
    await watched.page.close();
  });
});
