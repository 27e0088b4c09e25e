// The page's address: `?run=` starts a run once (consumed, so a reload does not start another) and an
// unknown value is said; share links point at the canonical page unless the page is only local.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import packageJson from '../../package.json';
import { checkPageUrl, defaultLinkBase, isLocalAddress, PAGE_URL } from '../../src/results/page-url.ts';
import { addressWithoutRun, requestedRun, runParameterProblem } from '../../src/ui/hooks.ts';
import viteConfig from '../../vite.config.ts';

describe('?run= (item 9)', () => {
  it.each([
    ['http://h/p/?run=quick', '/p/'],
    ['http://h/p/?a=1&run=full#r=1.x', '/p/?a=1#r=1.x'],
    ['http://h/?run=bogus&b=2', '/?b=2'],
  ])('%s without run is %s', (href, expected) => {
    expect(addressWithoutRun(href)).toBe(expected);
  });

  it.each([
    ['?run=quick', undefined],
    ['', undefined],
    ['?x=1', undefined],
  ])('%s has no problem', (search, problem) => {
    expect(runParameterProblem(search)).toBe(problem);
  });

  it('names an unknown value and the presets it could be', () => {
    expect(requestedRun('?run=fast')).toBeUndefined();
    expect(runParameterProblem('?run=fast')).toMatch(/\?run=fast.*\?run=quick, \?run=standard or \?run=full/);
    expect(runParameterProblem('?run=')).toMatch(/not a preset/);
  });
});

describe('the page URL of share links (item 8)', () => {
  it('is set once, in package.json, as an https address', () => {
    expect(PAGE_URL).toBe(packageJson.homepage);
    expect(PAGE_URL).toMatch(/^https:\/\/[^/]+\/.*\/$/);
  });

  it.each([
    ['http://localhost:5173/', true],
    ['http://127.0.0.1:4173/x/', true],
    ['http://[::1]:8080/', true],
    ['http://app.localhost/', true],
    ['file:///home/u/dist/index.html', true],
    ['https://example.org/attnscope/', false],
    ['http://192.168.1.5:8000/', false],
  ])('%s is local: %s', (href, local) => {
    expect(isLocalAddress(href)).toBe(local);
  });

  it('links made on localhost open the hosted page; a hosted copy links to itself', () => {
    expect(defaultLinkBase('http://localhost:5174/?run=quick#r=1.abc')).toBe(PAGE_URL);
    expect(defaultLinkBase('https://example.org/lab/attnscope/index.html?x=1#r=1.a')).toBe(
      'https://example.org/lab/attnscope/index.html',
    );
  });

  it('checks an override: http(s) only, no fragment, the field named', () => {
    expect(checkPageUrl(' https://example.org/a/#old ', 'Link address')).toEqual({
      ok: true,
      url: 'https://example.org/a/',
    });
    expect(checkPageUrl('javascript:alert(1)', '--base-url')).toEqual({
      ok: false,
      error: "--base-url: 'javascript:alert(1)' is not an http(s) URL",
    });
    // A base that would start a benchmark on every recipient's GPU.
    expect(checkPageUrl('https://me.example/attnscope/?run=full', '--base-url')).toEqual({
      ok: false,
      error:
        "--base-url: 'https://me.example/attnscope/?run=full' has ?run=, which would start a benchmark for whoever opens the link",
    });
  });
});

describe('the page as a static site (item 8)', () => {
  it('builds with a relative base, so it works under any sub-path', () => {
    expect((viteConfig as { base?: string }).base).toBe('./');
  });

  it('is built and published to GitHub Pages by a workflow on every push to main', () => {
    const workflow = readFileSync(new URL('../../.github/workflows/pages.yml', import.meta.url), 'utf8');
    expect(workflow).toMatch(/on:\n\s+push:\n\s+branches: \[main\]/);
    expect(workflow).toMatch(/run: npm ci/);
    expect(workflow).toMatch(/run: npm run build/);
    expect(workflow).toMatch(/actions\/upload-pages-artifact@v\d+\n\s+with:\n\s+path: dist/);
    expect(workflow).toMatch(/actions\/deploy-pages@v\d+/);
    expect(workflow).toMatch(/pages: write/);
  });
});
