/**
 * The go-to box: a file offset, a guest (virtual disk) offset through the server's BAT lookup, or a BAT entry
 * number. Errors are explained in place, e.g. a guest offset whose cluster is not allocated.
 */
import { el } from './dom';
import type { Host } from './host';
import type { Model } from './model';
import { parseNumber } from '../shared/numbers';
import { hex, parseOffset } from './numbers';
import { BAT_ENTRY_BYTES } from './structureTree';

type Mode = 'offset' | 'guest' | 'bat';

/** What a go-to says beside the box: an error (nothing moved), or a note about where it went. */
type Said = { error: string } | { note: string } | undefined;

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
      this.mode,
      this.input,
      el('button', { text: 'Go', attrs: { type: 'submit' } }),
      this.message,
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
      const said: Said = mode === 'offset' ? this.goOffset(text) : mode === 'bat' ? await this.goBat(text) : await this.goGuest(text);
      this.say(said);
    } catch (e) {
      this.say({ error: String(e) });
    }
  }

  /** Errors in the error colour; a note about a jump that worked in the ordinary one. */
  private say(said: Said): void {
    this.message.textContent = said === undefined ? '' : 'error' in said ? said.error : said.note;
    this.message.classList.toggle('error', said !== undefined && 'error' in said);
  }

  private goOffset(text: string): Said {
    const p = parseOffset(text, this.model.size);
    if ('error' in p) return { error: p.error };
    this.model.select(p.value, 1, { source: 'goto', reveal: true });
    return undefined;
  }

  private async goBat(text: string): Promise<Said> {
    const p = parseNumber(text);
    if ('error' in p) return { error: p.error };
    const at = await this.batEntryOffset(Number(p.value));
    if (typeof at === 'string') return { error: at };
    this.model.select(at, BAT_ENTRY_BYTES, { source: 'goto', reveal: true });
    return undefined;
  }

  private async goGuest(text: string): Promise<Said> {
    const p = parseNumber(text);
    if ('error' in p) return { error: p.error };
    const loc = await this.host.request('guestToHost', { guestOffset: Number(p.value) });
    if (!loc) return { error: `Guest offset ${hex(p.value)} is past the end of the virtual disk` };
    if (loc.hostOffset === undefined) {
      const at = await this.batEntryOffset(loc.batIndex);
      if (typeof at === 'number') this.model.select(at, BAT_ENTRY_BYTES, { source: 'goto', reveal: true });
      return { note: `Guest offset ${hex(p.value)} is in BAT entry ${loc.batIndex}, which is not allocated (reads as zeros): showing the entry` };
    }
    this.model.select(loc.hostOffset, 1, { source: 'goto', reveal: true });
    return { note: `Guest ${hex(p.value)} → host ${hex(loc.hostOffset)} (BAT entry ${loc.batIndex})` };
  }
}
