/**
 * The go-to box: a file offset, a guest (virtual disk) offset through the server's BAT lookup, or a BAT entry
 * number. Errors are explained in place, e.g. a guest offset whose cluster is not allocated.
 */
import { el } from './dom';
import { Host } from './host';
import { Model } from './model';
import { hex, parseNumber, parseOffset } from './numbers';
import { BAT_ENTRY_BYTES } from './structureTree';

type Mode = 'offset' | 'guest' | 'bat';

export class GoTo {
  readonly element: HTMLFormElement;
  private readonly mode = el('select', { attrs: { 'aria-label': 'Go to what' } }, [
    el('option', { text: 'Offset', attrs: { value: 'offset' } }),
    el('option', { text: 'Guest offset', attrs: { value: 'guest' } }),
    el('option', { text: 'BAT entry', attrs: { value: 'bat' } }),
  ]);
  private readonly input = el('input', { attrs: { type: 'text', placeholder: 'Go to… (g)', 'aria-label': 'Go to', spellcheck: 'false' } });
  private readonly message = el('span', { class: 'goto-message', attrs: { 'aria-live': 'polite' } });

  constructor(
    private readonly model: Model,
    private readonly host: Host,
    private readonly batEntryOffset: (index: number) => Promise<number | string>,
  ) {
    this.element = el('form', { class: 'goto', attrs: { role: 'search', 'aria-label': 'Go to' } }, [
      this.mode, this.input, el('button', { text: 'Go', attrs: { type: 'submit' } }), this.message,
    ]);
    this.element.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.go();
    });
    this.input.addEventListener('input', () => (this.message.textContent = ''));
  }

  focus(): void {
    this.input.focus();
    this.input.select();
  }

  private async go(): Promise<void> {
    const mode = this.mode.value as Mode;
    const text = this.input.value;
    try {
      const error = mode === 'offset' ? this.goOffset(text) : mode === 'bat' ? await this.goBat(text) : await this.goGuest(text);
      this.message.textContent = error ?? '';
      this.message.classList.toggle('error', error !== undefined);
    } catch (e) {
      this.message.textContent = String(e);
    }
  }

  private goOffset(text: string): string | undefined {
    const p = parseOffset(text, this.model.size);
    if ('error' in p) return p.error;
    this.model.select(p.value, 1, { source: 'goto', reveal: true });
    return undefined;
  }

  private async goBat(text: string): Promise<string | undefined> {
    const p = parseNumber(text);
    if ('error' in p) return p.error;
    const at = await this.batEntryOffset(Number(p.value));
    if (typeof at === 'string') return at;
    this.model.select(at, BAT_ENTRY_BYTES, { source: 'goto', reveal: true });
    return undefined;
  }

  private async goGuest(text: string): Promise<string | undefined> {
    const p = parseNumber(text);
    if ('error' in p) return p.error;
    const loc = await this.host.request('hddLens/guestToHost', { guestOffset: Number(p.value) });
    if (!loc) return `Guest offset ${hex(p.value)} is past the end of the virtual disk`;
    if (loc.hostOffset === undefined) {
      const at = await this.batEntryOffset(loc.batIndex);
      if (typeof at === 'number') this.model.select(at, BAT_ENTRY_BYTES, { source: 'goto', reveal: true });
      return `Guest offset ${hex(p.value)} is in BAT entry ${loc.batIndex}, which is not allocated (reads as zeros): showing the entry`;
    }
    this.model.select(loc.hostOffset, 1, { source: 'goto', reveal: true });
    return `Guest ${hex(p.value)} → host ${hex(loc.hostOffset)} (BAT entry ${loc.batIndex})`;
  }
}
