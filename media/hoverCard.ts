/**
 * The card for one byte: the field it belongs to (name, decoded value, what the format requires), the guest bytes
 * it backs, the findings on it and their quick fixes, all from the server's hddLens/inspect. It opens on hover
 * (after a short pause) or pinned with Enter on the grid or a problem, and then takes the focus so its fix
 * buttons are reachable with Tab; Escape closes it.
 */
import type { ApplyFixArgs, InspectResult } from '../shared/protocol';
import { button, el } from './dom';
import type { CellEvent } from './hexGrid';
import type { Host } from './host';
import type { Model } from './model';
import { hex, offsetText } from './numbers';
import { icon } from './icons';
import { severityIcon } from './severity';

const HOVER_DELAY_MS = 250;
const HIDE_DELAY_MS = 300;

export class HoverCard {
  readonly element = el('div', { class: 'card hidden', attrs: { role: 'dialog', tabindex: '-1', 'aria-label': 'Byte details' } });
  private seq = 0;
  private shownOffset = -1;
  private pinned = false;
  private showTimer: ReturnType<typeof setTimeout> | undefined;
  private hideTimer: ReturnType<typeof setTimeout> | undefined;
  private returnFocus: HTMLElement | undefined;

  constructor(
    private readonly model: Model,
    private readonly host: Host,
  ) {
    this.element.addEventListener('mouseenter', () => this.cancelHide());
    this.element.addEventListener('mouseleave', () => this.hideSoon());
    this.element.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        this.hide();
      }
    });
    model.onChanged.on(() => this.hide());
  }

  get visible(): boolean {
    return !this.element.classList.contains('hidden');
  }

  /**
   * The pointer moved over a byte (or off the grid), or the grid scrolled another byte under a still pointer. The
   * card never describes a byte that is no longer under the pointer: after a scroll or jump it hides at once, and
   * opens on the new byte when the pointer has rested there (a wheel scroll would otherwise ask the server about
   * every byte that passes under it).
   */
  hover(ev: CellEvent | undefined): void {
    if (this.pinned) return;
    clearTimeout(this.showTimer);
    if (!ev) return this.hideSoon();
    this.cancelHide();
    if (this.visible && ev.offset === this.shownOffset) return;
    if (ev.scrolled && this.visible) this.hide();
    this.showTimer = setTimeout(() => void this.show(ev.offset, ev.rect, false), HOVER_DELAY_MS);
  }

  /** The offset the card describes (-1 when hidden), for the end-to-end tests. */
  get offset(): number {
    return this.visible ? this.shownOffset : -1;
  }

  /**
   * Opens the card for `offset` at once; pinned cards take the focus (the first fix) and stay until Escape or a
   * click away. `forFixes`: opened for the quick fixes (Ctrl+.), so it says when the byte has none.
   */
  async show(offset: number, anchor: DOMRect, pinned: boolean, forFixes = false): Promise<void> {
    const seq = ++this.seq;
    // A hover's pending show or hide (the pointer left, the grid scrolled) must not undo this card: Ctrl+. right
    // after a jump opened it, and the hover's hide then came and dropped its answer.
    clearTimeout(this.showTimer);
    this.cancelHide();
    this.pinned = pinned;
    if (pinned && document.activeElement instanceof HTMLElement) this.returnFocus = document.activeElement;
    this.shownOffset = offset;
    this.element.replaceChildren(el('div', { class: 'card-muted', text: `Offset ${offsetText(offset)}: loading…` }));
    this.place(anchor);
    let info: InspectResult;
    try {
      info = await this.host.request('inspect', { offset });
    } catch (e) {
      if (seq === this.seq) this.element.replaceChildren(el('div', { class: 'card-error', text: String(e) }));
      return;
    }
    if (seq !== this.seq) return;
    this.render(offset, info);
    if (forFixes && info.fixes.length === 0) this.element.append(el('div', { class: 'card-muted card-nofix', text: 'No quick fixes for this byte.' }));
    this.place(anchor);
    if (pinned) (this.element.querySelector<HTMLElement>('button') ?? this.element).focus();
  }

  hide(): void {
    this.seq++;
    clearTimeout(this.showTimer);
    this.cancelHide();
    const hadFocus = this.element.contains(document.activeElement);
    this.element.classList.add('hidden');
    this.shownOffset = -1;
    this.pinned = false;
    if (hadFocus) this.returnFocus?.focus();
    this.returnFocus = undefined;
  }

  private hideSoon(): void {
    if (this.pinned) return;
    this.cancelHide();
    this.hideTimer = setTimeout(() => this.hide(), HIDE_DELAY_MS);
  }

  private cancelHide(): void {
    clearTimeout(this.hideTimer);
    this.hideTimer = undefined;
  }

  private render(offset: number, info: InspectResult): void {
    const parts: HTMLElement[] = [];
    const f = info.field;
    parts.push(el('div', { class: 'card-title', text: f ? f.name : `Byte ${hex(offset)}` }));
    parts.push(
      el('div', {
        class: 'card-muted',
        text: f ? `${f.path} · ${f.size} byte${f.size === 1 ? '' : 's'} at ${hex(f.offset)} · ${f.region}` : offsetText(offset),
      }),
    );
    if (f) {
      parts.push(el('div', { class: 'card-value' }, [el('span', { class: 'card-key', text: 'Value ' }), f.value]));
      if (f.requirement) parts.push(el('div', { class: 'card-req', text: f.requirement }));
    }
    for (const g of info.guest ?? []) {
      const where = g.hostOffset === undefined ? '' : ` (host ${hex(g.hostOffset)})`;
      parts.push(el('div', { class: 'card-muted', text: `Guest offset ${hex(g.guestOffset)} via BAT entry ${g.batIndex}${where}` }));
    }
    if (info.findings.length > 0) {
      const list = el('ul', { class: 'card-findings', attrs: { 'aria-label': 'Findings here' } });
      for (const x of info.findings) list.append(el('li', {}, [severityIcon(x.severity), ` ${x.message} `, el('span', { class: 'code', text: x.code })]));
      parts.push(list);
    }
    if (info.fixes.length > 0) parts.push(this.fixButtons(info.fixes));
    this.element.replaceChildren(...parts);
    this.element.setAttribute('aria-label', `Details of byte ${hex(offset)}`);
  }

  private fixButtons(fixes: ApplyFixArgs[]): HTMLElement {
    const box = el('div', { class: 'card-fixes' });
    for (const fix of fixes) {
      const b = button(
        [icon('lightbulb'), ` ${fix.title}`],
        () => {
          this.host.post({ type: 'applyFix', fix });
          this.hide();
        },
        { class: 'fix', title: this.model.readOnly ? 'The editor is read-only' : fix.title },
      );
      b.disabled = this.model.readOnly;
      box.append(b);
    }
    return box;
  }

  /** Below the anchor when there is room, else above; kept inside the window. */
  private place(anchor: DOMRect): void {
    this.element.classList.remove('hidden');
    const card = this.element.getBoundingClientRect();
    const below = anchor.bottom + 4;
    const top = below + card.height <= window.innerHeight ? below : Math.max(0, anchor.top - 4 - card.height);
    const left = Math.max(0, Math.min(anchor.left, window.innerWidth - card.width - 4));
    this.element.style.top = `${top}px`;
    this.element.style.left = `${left}px`;
  }
}
