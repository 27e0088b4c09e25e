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

/** A table in the wrapper that scrolls it sideways on a narrow screen (style.css .table-wrap). */
export function tableWrap(table: HTMLTableElement): HTMLDivElement {
  return h('div', { class: 'table-wrap' }, table);
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
