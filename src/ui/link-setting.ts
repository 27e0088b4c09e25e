// The page's share-link setting, beside "Copy link": which page the links open — by default the hosted
// page when this one runs on localhost, else this page — this page, the hosted page, or an address of
// one's own (a self-hosted copy). Kept in local storage.

import { checkPageUrl, defaultLinkBase, PAGE_URL, pageAddress } from '../results/page-url.ts';
import { h } from './dom.ts';
import { type LinkBaseSetting, linkBaseFor, loadLinkBaseSetting, saveLinkBaseSetting } from './share.ts';

type Choice = 'default' | 'hosted' | 'this-page' | 'custom';

function choiceOf(setting: LinkBaseSetting): Choice {
  if (setting.kind === 'custom') return setting.url === PAGE_URL ? 'hosted' : 'custom';
  return setting.kind;
}

/**
 * The setting's control. onChange runs after every change (to clear a stale link) with whether links
 * can be made: not while "another address…" is chosen and its address is empty or refused — a link
 * then would open the previous base, not the one on screen.
 */
export function linkSetting(onChange: (ready: boolean) => void): HTMLElement {
  const here = location.href;
  const fallback = defaultLinkBase(here);
  const saved = loadLinkBaseSetting();
  const select = h('select', { id: 'link-base', testid: 'link-base' });
  const options: [Choice, string][] = [['default', `the default: ${fallback}`]];
  if (PAGE_URL !== fallback) options.push(['hosted', `the hosted page: ${PAGE_URL}`]);
  if (pageAddress(here) !== fallback) options.push(['this-page', `this page: ${pageAddress(here)}`]);
  options.push(['custom', 'another address…']);
  for (const [value, label] of options) select.append(h('option', { value }, label));
  select.value = choiceOf(saved);
  const input = h('input', {
    id: 'link-base-url',
    type: 'url',
    testid: 'link-base-url',
    placeholder: 'https://example.org/attnscope/',
    'aria-label': 'Link address',
    'aria-describedby': 'link-base-error link-base-now',
    value: saved.kind === 'custom' && saved.url !== PAGE_URL ? saved.url : '',
    hidden: select.value !== 'custom',
  });
  const error = h('span', { id: 'link-base-error', class: 'field-error', 'aria-live': 'polite' });
  const now = h('span', {
    class: 'muted small',
    testid: 'link-base-now',
    id: 'link-base-now',
    'aria-live': 'polite',
  });
  const update = () => {
    const choice = select.value as Choice;
    input.hidden = choice !== 'custom';
    let setting: LinkBaseSetting | undefined;
    if (choice === 'default') setting = { kind: 'default' };
    else if (choice === 'hosted') setting = { kind: 'custom', url: PAGE_URL };
    else if (choice === 'this-page') setting = { kind: 'this-page' };
    else {
      const checked = checkPageUrl(input.value, 'Link address');
      error.textContent = input.value.trim() === '' ? '' : checked.ok ? '' : checked.error;
      input.setAttribute('aria-invalid', String(!checked.ok && input.value.trim() !== ''));
      if (checked.ok) setting = { kind: 'custom', url: checked.url };
    }
    if (choice !== 'custom') error.textContent = '';
    if (setting) saveLinkBaseSetting(setting);
    onChange(setting !== undefined);
    now.textContent = setting
      ? ` Links open ${linkBaseFor(loadLinkBaseSetting(), here)}`
      : ' Give a valid address to copy a link.';
  };
  select.addEventListener('change', update);
  input.addEventListener('input', update);
  now.textContent = ` Links open ${linkBaseFor(saved, here)}`;
  return h(
    'p',
    { class: 'link-setting' },
    h('label', { for: 'link-base' }, 'Share links open on '),
    select,
    input,
    error,
    now,
  );
}
