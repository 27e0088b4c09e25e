// What the page puts in a tooltip (title) also reaches readers without a pointer: the median's
// confidence interval and the check's errors in the accessibility tree, a long failure message and the
// reason a result is above its ceiling behind disclosures the keyboard opens, what a verdict means under
// its "Why", and the compare view's 95 % ranges on screen. The skip link leaves a shared link's results
// in the address.

import type { Locator, Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { encodeShareLink } from '../../src/results/share-link.ts';
import type { ResultsFile } from '../../src/results/types.ts';
import { makeResult, makeResultsFile, quickPresetRun } from '../unit/results-fixtures.ts';
import { useBrowser, useContext, waitForState, watchedPage } from './browser.ts';

const baseUrl = inject('baseUrl');
const browser = useBrowser();

const context = useContext(browser);

/** Longer than the 140 characters a failed row shows, shorter than the 300 a link keeps. */
const LONG_ERROR = `flash did not match the reference: ${'max abs error 0.25 at head 3, row 17, column 41; '.repeat(4)}end of message`;
const ABOVE =
  'above the read probe: the working set stays in the L2 cache, so this is not a bandwidth figure';

function linkedRun(): ResultsFile {
  return makeResultsFile([
    makeResult(),
    makeResult({
      id: 'attention/unfused/h8-s512-d64',
      kernel: 'unfused',
      verified: false,
      latencyMs: undefined,
      gbps: undefined,
      gflops: undefined,
      bwUtil: undefined,
      computeUtil: undefined,
      maxAbsErr: 0.25,
      error: LONG_ERROR,
    }),
    makeResult({ id: 'attention/decode/h8-s1-d64', kernel: 'decode', aboveCeiling: ABOVE }),
  ]);
}

/** The results row of a kernel, once drawn. */
async function rowOf(page: Page, kernel: string): Promise<Locator> {
  const row = page.locator('[data-testid="results"] tbody tr').filter({ hasText: kernel }).first();
  await row.waitFor({ state: 'visible' });
  return row;
}

describe('a shared run read without a pointer', () => {
  it('gives the keyboard and the accessibility tree what the tooltips give a pointer', async () => {
    const watched = await watchedPage(context(), baseUrl);
    const { page } = watched;
    await page.goto(await encodeShareLink(linkedRun(), baseUrl));
    expect(await waitForState(page, ['ready'])).toBe('ready');

    // The median's interval and the check's errors are in the accessibility tree of the row.
    const flash = await (await rowOf(page, 'flash')).ariaSnapshot();
    expect(flash).toMatch(/95% CI 1\.22 ms – 1\.28 ms/);
    expect(flash).toMatch(/max abs error 1\.2e-7/);

    // The failed row shows the start of its message; Enter on it opens the whole of it.
    const failed = (await rowOf(page, 'unfused')).locator('details.error-text');
    expect(await failed.locator('summary').textContent()).toBe(`${LONG_ERROR.slice(0, 139)}…`);
    expect(await failed.getByText('end of message').isVisible()).toBe(false);
    await failed.locator('summary').focus();
    await page.keyboard.press('Enter');
    expect(await failed.getByText('end of message').isVisible()).toBe(true);
    expect(await failed.locator('span').textContent()).toBe(
      `${LONG_ERROR} (max abs error 0.25, max rel error 3.4e-6)`,
    );

    // Above its ceiling: the reason opens from the keyboard too.
    const above = (await rowOf(page, 'decode')).locator('details[data-above-ceiling]');
    await above.locator('summary').focus();
    await page.keyboard.press('Enter');
    expect(await above.getByText(ABOVE).isVisible()).toBe(true);

    // Each claim's "Why" says what its verdict means.
    const why = page.locator('[data-testid="claims"] tbody tr').first().locator('details');
    await why.locator('summary').focus();
    await page.keyboard.press('Enter');
    const meaning = why.locator('[data-meaning]');
    expect(await meaning.isVisible()).toBe(true);
    expect(await meaning.textContent()).toMatch(/^[A-Z][^:]+: .+\.$/);
    expect(watched.pageErrors).toEqual([]);
    await page.close();
  });

  it('the skip link takes the keyboard to the content and leaves the results in the address', async () => {
    const watched = await watchedPage(context(), baseUrl);
    const { page } = watched;
    const link = await encodeShareLink(linkedRun(), baseUrl);
    await page.goto(link);
    expect(await waitForState(page, ['ready'])).toBe('ready');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('skip-link');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    expect(page.url()).toBe(link);
    await page.reload();
    expect(await waitForState(page, ['ready'])).toBe('ready');
    expect(await page.getByTestId('shared-banner').isVisible()).toBe(true);
    expect(watched.pageErrors).toEqual([]);
    await page.close();
  });

  it('the compare view shows every ratio’s 95 % range, not only in a tooltip', async () => {
    const theirs = quickPresetRun();
    const mine: ResultsFile = { ...quickPresetRun(), createdAt: '2026-06-02T12:00:00.000Z' };
    const watched = await watchedPage(context(), baseUrl);
    const { page } = watched;
    await page.goto(baseUrl);
    await waitForState(page, ['ready', 'no-webgpu', 'error']);
    await page.evaluate((run) => localStorage.setItem('attnscope.own-runs.v1', JSON.stringify([run])), mine);
    await page.goto('about:blank');
    await page.goto(await encodeShareLink(theirs, baseUrl));
    await page.getByTestId('view-compare').click();
    const cells = page.locator('[data-testid="compare"] tbody tr td:last-child [data-ratio]');
    await cells.first().waitFor({ state: 'visible' });
    const ranges = await cells.evaluateAll((spans) =>
      spans.map((span) => span.querySelector('[data-range]')?.textContent ?? ''),
    );
    expect(ranges.length).toBeGreaterThan(0);
    for (const range of ranges) expect(range).toMatch(/95 % range \d+\.\d\d×–\d+\.\d\d×$/);
    expect(await page.locator('[data-range]').first().isVisible()).toBe(true);
    await page.evaluate(() => localStorage.removeItem('attnscope.own-runs.v1'));
    expect(watched.pageErrors).toEqual([]);
    await page.close();
  });
});
