// The only way the page builds DOM: elements from a tag, attributes and children, where every string
// child becomes a text node (textContent). No innerHTML anywhere, so text from a share link or an
// imported file can never become markup, and attributes that run code (on*, javascript: URLs) are refused.

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  /** data-testid, the automation hooks' names. */
  testid?: string;
  [attribute: string]: string | number | boolean | undefined;
}

const CODE_ATTRIBUTE = /^on/i;

function setAttributes(element: Element, props: Props): void {
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (CODE_ATTRIBUTE.test(name)) throw new Error(`dom: refusing the event attribute ${name}`);
    const attribute = name === 'class' ? 'class' : name === 'testid' ? 'data-testid' : name;
    const text = value === true ? '' : String(value);
    if (
      (attribute === 'href' || attribute === 'src') &&
      !/^(https?:|blob:|#|\.?\/|[a-z0-9-]+\.)/i.test(text)
    ) {
      throw new Error(`dom: refusing the URL in ${attribute}`);
    }
    element.setAttribute(attribute, text);
  }
}

/** Appends children to parent; strings and numbers become text nodes. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? text(String(child)) : child);
  }
}

/** An element with attributes and children (strings as text, never markup). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttributes(element, props);
  append(element, ...children);
  return element;
}

/**
 * A table in the wrapper that scrolls it sideways on a narrow screen (style.css .table-wrap). Browsers
 * make a wrapper that scrolls a tab stop; it is a region named after the table (caption or label), so
 * that it is not named by all of the table's text.
 */
export function tableWrap(table: HTMLTableElement): HTMLDivElement {
  const name = table.caption?.textContent?.trim() || table.getAttribute('aria-label') || 'Table';
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': name }, table);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element (for small icons and sparklines); same rules as h(). */
export function svg(tag: string, props: Props = {}, ...children: Child[]): SVGElement {
  const element = document.createElementNS(SVG_NS, tag);
  setAttributes(element, props);
  append(element, ...children);
  return element as SVGElement;
}

export function text(value: string): Text {
  return document.createTextNode(value);
}

/**
 * Text for screen readers only (style.css .visually-hidden): what a `title` tooltip gives a pointer,
 * for readers without one. Sighted keyboard users get such details from a visible line or a
 * disclosure instead (see `disclosure`).
 */
export function srOnly(value: string): HTMLSpanElement {
  return h('span', { class: 'visually-hidden' }, value);
}

/** A detail behind a summary that a click, Enter or Space opens: `<details>` with its `<summary>`. */
export function disclosure(props: Props, summary: Child, ...body: Child[]): HTMLDetailsElement {
  return h('details', props, h('summary', {}, summary), ...body);
}

/** A selector that finds the same control in a re-drawn section: its id, else its data-testid. */
function focusKey(element: Element): string | undefined {
  if (element.id) return `#${CSS.escape(element.id)}`;
  const testid = element.getAttribute('data-testid');
  return testid ? `[data-testid="${CSS.escape(testid)}"]` : undefined;
}

/**
 * Runs `redraw` and, when it took the keyboard focus with the control it replaced (the focus falls to
 * the page), gives it to the new control of the same id or data-testid, or else to `fallback`.
 */
export function keepFocus(redraw: () => void, fallback?: () => HTMLElement | null | undefined): void {
  const before = document.activeElement;
  if (!hasFocus(before)) {
    redraw();
    return;
  }
  const key = focusKey(before);
  redraw();
  if (hasFocus(document.activeElement)) return;
  if (key) document.querySelector<HTMLElement>(key)?.focus({ preventScroll: true });
  // A control drawn disabled or hidden takes no focus: then the fallback.
  if (!hasFocus(document.activeElement)) fallback?.()?.focus({ preventScroll: true });
}

/**
 * Whether `element` holds the keyboard focus in earnest: not the page itself, and not a control that
 * was removed, hidden or disabled (the browser moves the focus off those to the page on its next frame).
 */
function hasFocus(element: Element | null): element is Element {
  if (element === null || element === document.body || !element.isConnected) return false;
  if (element.closest('[hidden]') !== null) return false;
  return !(element as HTMLButtonElement).disabled;
}

/** Replaces every child of parent with the given children. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** The element with this id, or an error naming it (the page's skeleton is in index.html). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`page skeleton: #${id} is missing`);
  return element as T;
}

/** Shows or hides an element (the `hidden` attribute, so screen readers skip it too). */
export function show(element: HTMLElement, visible: boolean): void {
  element.hidden = !visible;
}
