/**
 * Icons: VS Code's codicons when the host page ships their stylesheet (client/editor/webviewHtml.ts links it with
 * id "vscode-codicon-stylesheet"), otherwise plain text glyphs, so the UI never depends on the font.
 */
import { el } from './dom';

const GLYPHS: Record<string, string> = {
  error: '\u2716',
  warning: '\u26A0',
  info: '\u2139',
  lightbulb: '',
  'chevron-right': '\u25B8',
  'chevron-down': '\u25BE',
  loading: '\u22EF',
  edit: '\u270E',
};

let codicons: boolean | undefined;

export function hasCodicons(): boolean {
  codicons ??= document.getElementById('vscode-codicon-stylesheet') !== null;
  return codicons;
}

/** An icon element; `label` makes it an image for screen readers, else it is hidden from them. */
export function icon(name: keyof typeof GLYPHS, label?: string, extraClass = ''): HTMLElement {
  const attrs: Record<string, string> = label ? { role: 'img', 'aria-label': label } : { 'aria-hidden': 'true' };
  if (hasCodicons()) return el('span', { class: `codicon codicon-${name} ${extraClass}`.trim(), attrs });
  return el('span', { class: extraClass, text: GLYPHS[name], attrs });
}
