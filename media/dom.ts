/** Plain DOM construction helpers (the webview uses no framework). */
export interface ElementProps {
  class?: string;
  text?: string;
  title?: string;
  attrs?: Record<string, string>;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: ElementProps = {}, children: Array<Node | string> = []): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.class) node.className = props.class;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.title !== undefined) node.title = props.title;
  for (const [name, value] of Object.entries(props.attrs ?? {})) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

export function button(label: string | Array<Node | string>, onClick: () => void, props: ElementProps = {}): HTMLButtonElement {
  const content = typeof label === 'string' ? [label] : label;
  const b = el('button', { ...props, attrs: { type: 'button', ...props.attrs } }, content);
  b.addEventListener('click', (e) => {
    e.stopPropagation();
    onClick();
  });
  return b;
}

/** A theme colour from VS Code's injected CSS variables, for canvas drawing. */
export function themeColor(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/**
 * Coalesces render requests into one call per animation frame: many events (page data, findings, selection) may
 * arrive between two frames, and the view renders once.
 */
export function frameScheduler(render: () => void): () => void {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      render();
    });
  };
}
