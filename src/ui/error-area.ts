// The page's error area (data-testid="error"): problems with links, imported files and runs are
// listed here as plain text, newest first, each dismissable; the rest of the page keeps working.

import { cutText } from '../util/text.ts';
import { byId, h, show } from './dom.ts';

const MAX_SHOWN = 5;

function area(): HTMLElement {
  return byId('error');
}

function list(): HTMLUListElement {
  const root = area();
  let ul = root.querySelector('ul');
  if (!ul) {
    ul = h('ul', {});
    root.append(ul);
  }
  return ul;
}

/** Shows a message (text only, never markup) with an optional short title such as "Share link". */
export function showError(message: string, title?: string): void {
  const ul = list();
  const dismiss = h(
    'button',
    {
      type: 'button',
      class: 'link',
      'aria-label': cutText(`Dismiss: ${title ? `${title}: ` : ''}${message}`, 120),
    },
    'Dismiss',
  );
  const item = h(
    'li',
    {},
    title ? h('strong', {}, `${title}: `) : null,
    h('span', {}, message),
    ' ',
    dismiss,
  );
  dismiss.addEventListener('click', () => {
    // The keyboard moves to the next message's Dismiss, or to the page's main content when none is left.
    const next = (item.nextElementSibling ?? item.previousElementSibling)?.querySelector('button');
    const hadFocus = document.activeElement === dismiss;
    item.remove();
    if (ul.children.length === 0) show(area(), false);
    if (hadFocus) {
      const main = byId('main');
      if (!next) main.tabIndex = -1;
      (next ?? main).focus({ preventScroll: !next });
    }
  });
  ul.prepend(item);
  while (ul.children.length > MAX_SHOWN) ul.lastElementChild?.remove();
  show(area(), true);
}

/** A readable message from anything thrown. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

export function clearErrors(): void {
  list().replaceChildren();
  show(area(), false);
}
