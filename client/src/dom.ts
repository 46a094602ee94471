// A tiny element builder: h('div.tile', { dataset: {...} }, child, ...).
type Props = Partial<Record<string, unknown>> & { dataset?: Record<string, string> };

export function h<K extends keyof HTMLElementTagNameMap>(
  spec: K | `${K}.${string}` | `${K}#${string}`,
  props: Props = {},
  ...children: Array<Node | string | null | undefined | false>
): HTMLElementTagNameMap[K] {
  const [tagAndId, ...classes] = spec.split('.');
  const [tag, id] = tagAndId.split('#');
  const el = document.createElement(tag as K);
  if (id) el.id = id;
  if (classes.length) el.className = classes.join(' ');
  const { dataset, ...rest } = props;
  Object.assign(el, rest);
  if (dataset) Object.assign(el.dataset, dataset);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export const $ = <T extends HTMLElement = HTMLElement>(sel: string, root: ParentNode = document): T => {
  const el = root.querySelector<T>(sel);
  if (!el) throw new Error(`missing element ${sel}`);
  return el;
};

/** Shows a message in one of the page's error lines. */
export function showError(sel: string, message: string): void {
  const el = $(sel);
  el.textContent = message;
  el.hidden = false;
}

export function hideError(sel: string): void {
  const el = $(sel);
  el.textContent = '';
  el.hidden = true;
}
