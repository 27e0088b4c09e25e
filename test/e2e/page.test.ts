// The page without a benchmark run: the adapter panel names SwiftShader as a software adapter, the
// correctness check runs unfused attention and matches the reference, a browser without WebGPU gets
// the explanation, and the page asks nothing of any other origin.

import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch, newContext, screenshot, type WatchedPage, waitForState, watchedPage } from './browser.ts';

const baseUrl = inject('baseUrl');
let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

describe('with WebGPU (SwiftShader)', () => {
  let context: BrowserContext;
  let watched: WatchedPage;

  beforeAll(async () => {
    context = await newContext(browser);
    watched = await watchedPage(context, baseUrl);
    await watched.page.goto(baseUrl);
    await waitForState(watched.page, ['ready', 'no-webgpu', 'error']);
  });

  afterAll(async () => {
    await context?.close();
  });

  it('shows the adapter and says plainly that it is software', async () => {
    const { page } = watched;
    expect(await page.evaluate(() => document.documentElement.dataset.state)).toBe('ready');
    const adapter = page.getByTestId('adapter');
    await expect.poll(() => adapter.textContent()).toMatch(/swiftshader/i);
    const warning = await page.getByTestId('software-warning').textContent();
    expect(warning).toMatch(/runs WebGPU on the CPU/);
    await screenshot(page, 'adapter');
  });

  it('runs the correctness check and shows that it matched the reference', async () => {
    const { page } = watched;
    await page.getByTestId('verify').click();
    const result = page.getByTestId('verify-result');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="verify-result"]')?.getAttribute('data-verified') !== null,
      undefined,
      { timeout: 60_000 },
    );
    expect(await result.getAttribute('data-verified')).toBe('true');
    expect(await result.textContent()).toMatch(/Matches the reference/);
    await screenshot(page, 'verified');
  });

  it('raised no page errors and made no request to another origin', () => {
    expect(watched.pageErrors).toEqual([]);
    expect(watched.foreignRequests).toEqual([]);
  });
});

describe('without WebGPU', () => {
  it('explains what is missing and how to turn it on', async () => {
    const context = await newContext(browser);
    try {
      await context.addInitScript(() => {
        // As in a browser without WebGPU: no navigator.gpu at all.
        Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
        delete (Navigator.prototype as { gpu?: unknown }).gpu;
      });
      const watched = await watchedPage(context, baseUrl);
      await watched.page.goto(baseUrl);
      expect(await waitForState(watched.page, ['ready', 'no-webgpu', 'error'])).toBe('no-webgpu');
      const text = await watched.page.getByTestId('no-webgpu').textContent();
      expect(text).toMatch(/does not offer WebGPU/);
      expect(text).toMatch(/enable-unsafe-webgpu/);
      expect(text).toMatch(/Safari 26/);
      expect(text).toMatch(/Firefox 141/);
      expect(await watched.page.getByTestId('verify').count()).toBe(0);
      await screenshot(watched.page, 'no-webgpu');
      expect(watched.pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
