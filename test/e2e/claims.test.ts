// The article on the page: named, its claims listed and "the article against itself" shown at
// data-state=ready before any run; a shared link's claims speak of "the sender's GPU", carry the
// link's inputs, and render the decoder section.

import { describe, expect, inject, it } from 'vitest';
import { ARTICLE } from '../../src/article/article.ts';
import { claims } from '../../src/article/claims.ts';
import { encodeInputs } from '../../src/article/inputs.ts';
import { selfAudit } from '../../src/article/self-audit.ts';
import { VERDICTS } from '../../src/article/verdicts.ts';
import { encodeShareLink } from '../../src/results/share-link.ts';
import { decodeStep, readProbe } from '../unit/article-fixtures.ts';
import { quickPresetRun } from '../unit/results-fixtures.ts';
import { holdAdapter, screenshot, useBrowser, useContext, waitForState, watchedPage } from './browser.ts';

const baseUrl = inject('baseUrl');
const browser = useBrowser();

const context = useContext(browser);

describe('before any run', () => {
  it('names the article, lists its claims and shows the article against itself', async () => {
    const watched = await watchedPage(context(), baseUrl);
    const { page } = watched;
    await page.goto(baseUrl);
    expect(await waitForState(page, ['ready', 'no-webgpu', 'error'])).toBe('ready');
    expect(await page.getByTestId('article-title').textContent()).toBe(ARTICLE.title);
    expect(await page.locator('[data-testid="claims-preview"] li[data-claim]').count()).toBe(claims.length);
    expect(await page.locator('[data-testid="claims-preview"] [data-verdict]').count()).toBe(0);
    const rows = page.locator('[data-testid="article-self"] tbody tr');
    await rows.first().waitFor({ state: 'visible' });
    const seen = await rows.evaluateAll((trs) =>
      trs.map((tr) => [tr.getAttribute('data-claim'), tr.getAttribute('data-verdict')]),
    );
    expect(seen).toEqual(selfAudit().map((row) => [row.id, row.verdict]));
    expect(await page.getByTestId('claims').count()).toBe(0);
    expect(watched.pageErrors).toEqual([]);
    await screenshot(page, 'article-before-run');
    await page.close();
  });
});

describe('a shared link', () => {
  it('says "the sender’s GPU", takes the link’s inputs and renders the decoder section', async () => {
    const link = await encodeShareLink(quickPresetRun(), baseUrl);
    const inputs = {
      pricePerGpuHour: 1.5,
      format: 'int8',
      context: 1024,
      batch: 2,
      cards: 4,
      memoryGB: 141,
    } as const;
    const watched = await watchedPage(context(), baseUrl);
    const { page } = watched;
    await page.goto(`${link}&${encodeInputs(inputs)}`);
    await page.getByTestId('claims').waitFor({ state: 'visible' });
    const verdicts = await page.$$eval('[data-testid="claims"] tbody tr', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-claim'), tr.getAttribute('data-verdict')]),
    );
    expect(verdicts.map(([id]) => id)).toEqual(claims.map((claim) => claim.id));
    for (const [, verdict] of verdicts) expect(VERDICTS).toContain(verdict);
    const section = (await page.locator('#claims-section').textContent()) ?? '';
    expect(section).toContain('the sender’s GPU');
    expect(section).not.toContain('this GPU');
    expect(await page.locator('#claim-input-cards').inputValue()).toBe('4');
    expect(await page.locator('#claim-input-format').inputValue()).toBe('int8');
    const decoder = page.getByTestId('decoder');
    expect(await decoder.isVisible()).toBe(true);
    expect(await decoder.locator('h3').textContent()).toBe('The sender’s GPU as a GLM-130B decoder');
    expect(await page.locator('[data-testid="chip-table"] tbody tr').count()).toBeGreaterThanOrEqual(9);
    expect(watched.pageErrors).toEqual([]);
    await screenshot(page, 'claims-shared');
    await page.close();
  });

  it('renders the decoder section from a shared decode step: per-op bar, projection, the sender’s row', async () => {
    const file = quickPresetRun();
    file.results.push(decodeStep({ medianMs: 0.6, ci95: [0.55, 0.7] }), readProbe(900));
    const watched = await watchedPage(context(), baseUrl);
    const { page } = watched;
    await page.goto(await encodeShareLink(file, baseUrl));
    await page.getByTestId('decoder').waitFor({ state: 'visible' });
    expect(
      await page
        .locator('[data-testid="decoder-ops"] [data-op]')
        .evaluateAll((spans) => spans.map((s) => s.getAttribute('data-op'))),
    ).toEqual(['qkv', 'attention', 'out', 'ffn']);
    expect(await page.getByTestId('decoder-projection').textContent()).toMatch(
      /ms per token, projected.*95% CI/,
    );
    expect(await page.getByTestId('decoder-projection').textContent()).toContain('120 ms on its A100, 85 ms');
    expect(await page.locator('[data-testid="chip-table"] tr[data-chip="measured"]').textContent()).toMatch(
      /The sender’s GPU.*900(\.\d)? GB\/s \(read probe, measured\)/,
    );
    // A software adapter measured it: the latency claim shows the projection and gives no verdict.
    expect(
      await page.locator('[data-testid="claims"] [data-claim="latency-120-85"]').getAttribute('data-verdict'),
    ).toBe('software');
    expect(
      await page.locator('[data-testid="claims"] [data-claim="latency-120-85"] .measured').textContent(),
    ).toMatch(/projected [\d.,]+ ms \(95% CI .*\) per token on 1 card/);
    expect(watched.pageErrors).toEqual([]);
    await page.close();
  });

  it('names a bad input by its label, marks the field, and says the claims keep the last valid inputs', async () => {
    const link = await encodeShareLink(quickPresetRun(), baseUrl);
    const watched = await watchedPage(context(), baseUrl);
    const { page } = watched;
    await page.goto(link);
    await page.getByTestId('claims').waitFor({ state: 'visible' });
    await page.locator('#claim-input-pricePerGpuHour').fill('');
    const slot = page.getByTestId('claim-inputs-error');
    await slot.waitFor({ state: 'visible' });
    expect(await slot.textContent()).toMatch(
      /^Price per GPU-hour: required\. The claims below keep the last valid inputs/,
    );
    expect(await page.locator('#claim-input-pricePerGpuHour').getAttribute('aria-invalid')).toBe('true');
    // The message is tied to the field, so it is read again when the field is reached.
    expect(await page.locator('#claim-input-pricePerGpuHour').getAttribute('aria-describedby')).toBe(
      await slot.getAttribute('id'),
    );
    await page.locator('#claim-input-pricePerGpuHour').fill('0');
    expect(await slot.textContent()).toMatch(
      /^Price per GPU-hour: must be a number from 0\.01 to 1000, got 0\./,
    );
    await page.locator('#claim-input-pricePerGpuHour').fill('2');
    expect(await page.locator('#claim-input-pricePerGpuHour').getAttribute('aria-invalid')).toBeNull();
    expect(watched.pageErrors).toEqual([]);
    await page.close();
  });

  it('keeps what is being typed into the claims when the page redraws on finding its adapter', async () => {
    const link = await encodeShareLink(quickPresetRun(), baseUrl);
    const watched = await watchedPage(context(), baseUrl);
    const { page } = watched;
    // The adapter is found only once the test says so: the link's claims are up, and typed into, first.
    const releaseAdapter = await holdAdapter(page);
    await page.goto(link);
    await page.getByTestId('claims').waitFor({ state: 'visible' });
    expect(await page.evaluate(() => document.documentElement.dataset.state)).toBe('loading');
    await page.locator('#claim-input-pricePerGpuHour').fill('');
    const slot = page.getByTestId('claim-inputs-error');
    await slot.waitFor({ state: 'visible' });
    await releaseAdapter();
    expect(await waitForState(page, ['ready', 'no-webgpu', 'error'])).toBe('ready');
    expect(await page.locator('#claim-input-pricePerGpuHour').inputValue()).toBe('');
    expect(await slot.textContent()).toMatch(/^Price per GPU-hour: required\./);
    expect(watched.pageErrors).toEqual([]);
    await page.close();
  });

  it('refuses a damaged inputs field with a message, and still shows the results', async () => {
    const link = await encodeShareLink(quickPresetRun(), baseUrl);
    const watched = await watchedPage(context(), baseUrl);
    const { page } = watched;
    await page.goto(`${link}&a=1.1~int4~99999~1~1~80`);
    await page.getByTestId('claims').waitFor({ state: 'visible' });
    expect(await page.getByTestId('error').textContent()).toMatch(/inputs \(a=\) were not used: context/);
    expect(await page.locator('#claim-input-context').inputValue()).toBe('2048');
    expect(watched.pageErrors).toEqual([]);
    await page.close();
  });
});
