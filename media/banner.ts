/**
 * The line above the editor that says what the file is beyond its bytes (an image that is one layer of a disk
 * bundle: a snapshot delta read through the chain) with buttons for the commands that show the whole.
 */
import type { EditorBanner } from '../shared/webviewProtocol';
import { button, el } from './dom';

export class Banner {
  readonly element = el('div', { class: 'banner hidden', attrs: { role: 'status' } });

  constructor(private readonly run: (command: string) => void) {}

  show(banner: EditorBanner | undefined): void {
    this.element.classList.toggle('hidden', banner === undefined);
    if (!banner) return this.element.replaceChildren();
    const text = el('span', { class: 'banner-text', text: banner.text, title: banner.detail ?? banner.text });
    const actions = banner.actions.map((a) => button(a.label, () => this.run(a.command), a.title === undefined ? {} : { title: a.title }));
    this.element.replaceChildren(el('span', { class: 'codicon codicon-layers' }), text, ...actions);
  }
}
