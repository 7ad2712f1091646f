/** What {@link h} accepts as a child: nodes and text; `null`, `undefined` and `false` are skipped, so conditions read inline. */
export type Child = Node | string | number | null | undefined | false;

/** Attributes of {@link h}: strings, numbers and booleans are set as attributes (`false` and `undefined` omit them); `on…` functions become event listeners. */
export type Attributes = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/**
 * Makes an element, in the shape of a JSX call: `h("button", { type: "button", onclick }, "Step")`.
 * The page is a handful of panels fed by one event stream, so this is all the
 * "framework" it needs.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

/** Makes an SVG element (SVG needs its own namespace). */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Attributes = {}): SVGElementTagNameMap[K] {
  const element = document.createElementNS("http://www.w3.org/2000/svg", tag);
  setAttributes(element, attributes);
  return element;
}

/** Replaces an element's children. */
export function replaceChildren(element: Element, ...children: Child[]): void {
  element.replaceChildren();
  append(element, children);
}

function setAttributes(element: Element, attributes: Attributes): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else if (value !== false && value !== undefined) element.setAttribute(name, String(value));
  }
}

function append(element: Element, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "number" ? String(child) : child);
  }
}
