// What a new visitor meets: the built page hosted under a sub-path of a plain static server (as GitHub
// Pages serves it), share links that open on the canonical page unless the link setting says otherwise
// and whose results stay as drawn when the page finds its adapter after them,
// `?run=` that starts once and says so when it is unknown, and a 390 px phone screen with no sideways
// scrolling of the document.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PAGE_URL } from '../../src/results/page-url.ts';
import { encodeShareLink } from '../../src/results/share-link.ts';
import type { ResultsFile } from '../../src/results/types.ts';
import { quickPresetRun } from '../unit/results-fixtures.ts';
import {
  copyShareLink,
  fillSmallCustomRun,
  holdAdapter,
  markResultsView,
  screenshot,
  useBrowser,
  waitForState,
  watchedPage,
} from './browser.ts';
import { serveFolder } from './static-server.ts';

const baseUrl = inject('baseUrl');
const distDir = inject('distDir');
const browser = useBrowser();
const SUB_PATH = '/lab/tools/attnscope/';
let server: Server;
let hostedUrl: string;

beforeAll(async () => {
  server = await serveFolder(distDir, SUB_PATH);
  hostedUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${SUB_PATH}`;
});

afterAll(async () => {
  await new Promise<void>((done) => server?.close(() => done()));
});

async function openContext(width = 1280): Promise<BrowserContext> {
  return browser().newContext({ viewport: { width, height: 900 }, deviceScaleFactor: 1 });
}

/** Records every response of the page with a status of 400 or more. */
function failedResponses(page: Page): string[] {
  const failed: string[] = [];
  page.on('response', (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
  });
  return failed;
}

describe('hosted under a sub-path of a static server', () => {
  it('loads every file of the page from under the sub-path and reaches "ready"', async () => {
    const context = await openContext();
    try {
      const watched = await watchedPage(context, hostedUrl);
      const failed = failedResponses(watched.page);
      await watched.page.goto(hostedUrl);
      expect(await waitForState(watched.page, ['ready', 'no-webgpu', 'error'])).toBe('ready');
      expect(failed).toEqual([]);
      const paths = watched.requests.map((url) => new URL(url).pathname);
      expect(paths.filter((path) => !path.startsWith(SUB_PATH))).toEqual([]);
      // The style sheet applied: the masthead is dark, not the browser's default white.
      const background = await watched.page.$eval('.masthead', (el) => getComputedStyle(el).backgroundColor);
      expect(background).not.toBe('rgba(0, 0, 0, 0)');
      expect(watched.pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a slow copy does not take the focus from the field the visitor moved to meanwhile', async () => {
    const context = await openContext();
    try {
      // A clipboard that takes 400 ms to answer (a browser asking for permission, say).
      await context.addInitScript(() => {
        Object.defineProperty(navigator, 'clipboard', {
          configurable: true,
          value: { writeText: () => new Promise<void>((done) => setTimeout(done, 400)) },
        });
      });
      const shared = await encodeShareLink(quickPresetRun(), hostedUrl);
      const { page } = await watchedPage(context, hostedUrl);
      await page.goto(shared);
      await waitForState(page, ['ready', 'no-webgpu', 'error']);
      await page.getByTestId('share-link').click();
      // While the copy is under way, the visitor types an address of their own.
      await page.getByTestId('link-base').selectOption('custom');
      const typed = 'https://example.org/mine/';
      await page.getByTestId('link-base-url').pressSequentially(typed, { delay: 50 });
      expect(await page.getByTestId('link-base-url').inputValue()).toBe(typed);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('link-base-url');
    } finally {
      await context.close();
    }
  });

  it('share links open the canonical page by default; the link setting can point them here', async () => {
    const context = await openContext();
    try {
      const shared = await encodeShareLink(quickPresetRun(), hostedUrl);
      const watched = await watchedPage(context, hostedUrl);
      const page = watched.page;
      await page.goto(shared);
      await waitForState(page, ['ready', 'no-webgpu', 'error']);
      expect(await page.getByTestId('shared-banner').isVisible()).toBe(true);

      const canonical = await copyShareLink(page);
      expect(canonical.startsWith(`${PAGE_URL}#r=1.`)).toBe(true);

      await page.getByTestId('link-base').selectOption('this-page');
      const here = await copyShareLink(page);
      expect(here.startsWith(`${hostedUrl}#r=1.`)).toBe(true);

      await page.getByTestId('link-base').selectOption('custom');
      await page.getByTestId('link-base-url').fill('ftp://example.org/');
      expect(await page.locator('#link-base-error').textContent()).toMatch(
        /Link address: .* is not an http\(s\) URL/,
      );
      // While the address is refused, no link opens the previous base: Copy link waits, and says so.
      expect(await page.getByTestId('share-link').isDisabled()).toBe(true);
      expect(await page.getByTestId('share-url').isHidden()).toBe(true);
      expect(await page.getByTestId('link-base-now').textContent()).toContain('Give a valid address');
      await page.getByTestId('link-base-url').fill('');
      expect(await page.getByTestId('share-link').isDisabled()).toBe(true);
      await page.getByTestId('link-base-url').fill('https://example.org/mine/');
      expect(await page.getByTestId('share-link').isDisabled()).toBe(false);
      expect(await copyShareLink(page)).toMatch(/^https:\/\/example\.org\/mine\/#r=1\./);
      await page.getByTestId('link-base').selectOption('this-page');
      expect(await page.getByTestId('share-link').isDisabled()).toBe(false);

      // The link made for this page opens here, in a fresh context, with the shared results.
      const fresh = await openContext();
      try {
        const other = await watchedPage(fresh, hostedUrl);
        await other.page.goto(here);
        await waitForState(other.page, ['ready', 'no-webgpu', 'error']);
        expect(await other.page.getByTestId('shared-banner').textContent()).toMatch(
          /shared, not measured here/,
        );
      } finally {
        await fresh.close();
      }
    } finally {
      await context.close();
    }
  });
});

describe('a share link opened while the page looks for its adapter', () => {
  it('keeps the results drawn from the link when the adapter is found', async () => {
    const link = await encodeShareLink(quickPresetRun(), baseUrl);
    const own = await openContext();
    try {
      const { page, pageErrors } = await watchedPage(own, baseUrl);
      const releaseAdapter = await holdAdapter(page);
      await page.goto(link);
      await page.getByTestId('run-status').waitFor({ state: 'visible' });
      expect(await page.evaluate(() => document.documentElement.dataset.state)).toBe('loading');
      const stillMarked = await markResultsView(page, 'drawn-from-link');
      await releaseAdapter();
      expect(await waitForState(page, ['ready', 'no-webgpu', 'error'])).toBe('ready');
      expect(await stillMarked()).toBe(1);
      expect(await page.getByTestId('run-same').isEnabled()).toBe(true);
      expect(pageErrors).toEqual([]);
    } finally {
      await own.close();
    }
  });
});

describe('?run=', () => {
  it('an unknown value is said, and nothing starts', async () => {
    const context = await openContext();
    try {
      const { page } = await watchedPage(context, baseUrl);
      await page.goto(`${baseUrl}?run=fast`);
      expect(await waitForState(page, ['ready', 'no-webgpu', 'error', 'running'])).toBe('ready');
      expect(await page.getByTestId('error').textContent()).toMatch(/\?run=fast.*not a preset/);
      expect(await page.evaluate(() => location.search)).toBe('');
    } finally {
      await context.close();
    }
  });

  it('is consumed when the run starts, so a reload after Cancel starts nothing', async () => {
    const context = await openContext();
    try {
      const { page } = await watchedPage(context, baseUrl);
      await page.goto(`${baseUrl}?run=quick`);
      await waitForState(page, ['running']);
      expect(await page.evaluate(() => location.search)).toBe('');
      await page.getByTestId('cancel').click();
      expect(await waitForState(page, ['cancelled', 'done', 'error'], 60_000)).toBe('cancelled');
      await page.reload();
      expect(await waitForState(page, ['ready', 'running', 'error'])).toBe('ready');
    } finally {
      await context.close();
    }
  });
});

describe('a 390 px phone screen', () => {
  it('never scrolls the document sideways: results, charts, claims, the custom form', async () => {
    const context = await openContext(390);
    try {
      const file: ResultsFile = quickPresetRun();
      const { page } = await watchedPage(context, baseUrl);
      await page.goto(await encodeShareLink(file, baseUrl));
      await waitForState(page, ['ready', 'no-webgpu', 'error']);
      await page.waitForSelector('[data-testid="charts"] figure[data-drawn="true"]', { timeout: 30_000 });
      await page.waitForSelector('[data-testid="claims"]');
      await fillSmallCustomRun(page, '64, 96');
      const overflow = () =>
        page.evaluate(() => {
          const root = document.documentElement;
          const wide = [...document.querySelectorAll('body *')]
            .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1)
            // Inside a box that scrolls or clips on its own (a wide table), the document does not move.
            .filter((el) => {
              for (let box = el.parentElement; box && box !== document.body; box = box.parentElement)
                if (getComputedStyle(box).overflowX !== 'visible') return false;
              return true;
            })
            .slice(0, 5)
            .map(
              (el) =>
                `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`,
            );
          return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide };
        });
      const measured = await overflow();
      await screenshot(page, 'phone-390');
      expect(measured.wide).toEqual([]);
      expect(measured.scrollWidth).toBeLessThanOrEqual(measured.clientWidth);
      // Each result starts with what matters most, on screen: its kernel and its time.
      const firstCells = await page.$$eval(
        '[data-testid="results"] tbody tr:first-child td:is([data-col="kernel"], [data-col="median"])',
        (cells) => cells.map((cell) => cell.getBoundingClientRect().right),
      );
      expect(firstCells.length).toBe(2);
      for (const right of firstCells) expect(right).toBeLessThanOrEqual(390);
    } finally {
      await context.close();
    }
  });
});

describe('the end of a run', () => {
  it('a redraw the live run queued does not come after its end and replace the view drawn then', async () => {
    const own = await openContext();
    try {
      // Frames come 3 s late, so that a redraw queued by the run's last result would land after the
      // run's own last redraw.
      await own.addInitScript(() => {
        const frame = window.requestAnimationFrame.bind(window);
        const timers = new Map<number, ReturnType<typeof setTimeout>>();
        let next = 1;
        window.requestAnimationFrame = (callback) => {
          const id = next++;
          timers.set(
            id,
            setTimeout(() => {
              timers.delete(id);
              frame(callback);
            }, 3000),
          );
          return id;
        };
        window.cancelAnimationFrame = (id) => {
          clearTimeout(timers.get(id));
          timers.delete(id);
        };
      });
      const { page: late } = await watchedPage(own, baseUrl);
      await late.goto(baseUrl);
      expect(await waitForState(late, ['ready', 'no-webgpu', 'error'], 60_000)).toBe('ready');
      await fillSmallCustomRun(late, '64', 30);
      await late.getByTestId('run').click();
      expect(await waitForState(late, ['done', 'error', 'cancelled'], 200_000)).toBe('done');
      const stillMarked = await markResultsView(late, 'drawn-at-end');
      await late.waitForTimeout(4000);
      expect(await stillMarked()).toBe(1);
    } finally {
      await own.close();
    }
  });
});
