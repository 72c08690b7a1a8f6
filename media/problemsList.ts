/**
 * The findings of the current version as a list: select one to reveal its bytes, fix it from its row (the
 * server's fixes at that offset), or repair everything with "Fix all" / "Fix leaks" (the server's planRepair,
 * applied as one undoable edit). A listbox with a roving active item so Tab enters and leaves it in one step.
 */
import type { WireFinding } from '../shared/protocol';
import { button, el } from './dom';
import type { HoverCard } from './hoverCard';
import type { Host } from './host';
import type { Model } from './model';
import { hex } from './numbers';
import { severityIcon } from './severity';

/** Rows drawn at most; rules fold floods of one problem into a counted finding, so this is rarely reached. */
const MAX_ROWS = 1000;

export class ProblemsList {
  readonly element: HTMLElement;
  private readonly list = el('div', { class: 'problems-list', attrs: { role: 'listbox', tabindex: '0', 'aria-label': 'Problems' } });
  private readonly summary = el('span', { class: 'problems-summary', attrs: { 'aria-live': 'polite' } });
  private readonly message = el('div', { class: 'problems-message', attrs: { 'aria-live': 'polite' } });
  private readonly fixAll: HTMLButtonElement;
  private readonly fixLeaks: HTMLButtonElement;
  private active = 0;

  constructor(
    private readonly model: Model,
    private readonly host: Host,
    private readonly card: HoverCard,
  ) {
    this.fixAll = button('Fix all', () => void this.repair('all'), { title: 'Repair every corruption and leak (one undoable edit)' });
    this.fixLeaks = button('Fix leaks', () => void this.repair('leaks'), { title: 'Repair leaked space only' });
    const head = el('div', { class: 'pane-head' }, [el('h2', { text: 'Problems' }), this.summary, el('span', { class: 'spacer' }), this.fixLeaks, this.fixAll]);
    this.element = el('section', { class: 'pane problems', attrs: { 'aria-label': 'Problems' } }, [head, this.message, this.list]);
    this.list.addEventListener('keydown', (e) => this.onKey(e));
    model.onFindings.on(() => this.render());
    model.onInit.on(() => this.render());
  }

  private render(): void {
    const findings = this.model.findings;
    const n = { error: 0, warning: 0, info: 0 };
    for (const f of findings) n[f.severity]++;
    this.summary.textContent = findings.length === 0 ? 'No problems' : `${n.error} errors, ${n.warning} warnings, ${n.info} info`;
    const repairable = findings.some((f) => f.repair !== undefined);
    this.fixAll.disabled = this.model.readOnly || !repairable;
    this.fixLeaks.disabled = this.model.readOnly || !findings.some((f) => f.category === 'leak');
    this.active = Math.min(this.active, Math.max(0, findings.length - 1));
    const rows = findings.slice(0, MAX_ROWS).map((f, i) => this.row(f, i));
    if (findings.length > MAX_ROWS) rows.push(el('div', { class: 'card-muted', text: `… and ${findings.length - MAX_ROWS} more` }));
    this.list.replaceChildren(...rows);
    this.markActive();
  }

  private row(f: WireFinding, i: number): HTMLElement {
    const where = f.batIndex !== undefined ? `BAT[${f.batIndex}] at ${hex(f.offset)}` : hex(f.offset);
    const item = el('div', { class: 'problem', attrs: { role: 'option', id: `problem-${i}`, 'aria-selected': 'false', 'data-index': String(i) } }, [
      severityIcon(f.severity),
      el('span', { class: 'problem-text', text: f.message }),
      el('span', { class: 'code', text: `${f.code} · ${where}` }),
    ]);
    if (f.repair !== undefined && !this.model.readOnly) {
      item.append(button('Fix', () => void this.fixOne(f, item), { class: 'fix', title: f.repair }));
    }
    item.addEventListener('click', () => {
      this.active = i;
      this.markActive();
      this.reveal(f);
    });
    return item;
  }

  private markActive(): void {
    for (const item of Array.from(this.list.querySelectorAll<HTMLElement>('[role=option]'))) {
      item.setAttribute('aria-selected', String(Number(item.dataset.index) === this.active));
    }
    const current = this.list.querySelector<HTMLElement>(`#problem-${this.active}`);
    if (current) {
      this.list.setAttribute('aria-activedescendant', current.id);
      this.scrollIntoList(current);
    } else this.list.removeAttribute('aria-activedescendant');
  }

  /** Scrolls only the list (scrollIntoView would also move the page's other scroll containers). */
  private scrollIntoList(item: HTMLElement): void {
    const top = item.offsetTop;
    const bottom = top + item.offsetHeight;
    if (top < this.list.scrollTop) this.list.scrollTop = top;
    else if (bottom > this.list.scrollTop + this.list.clientHeight) this.list.scrollTop = bottom - this.list.clientHeight;
  }

  /**
   * F8 / Shift+F8 on the grid: selects the next (previous) finding after (before) the selection, wrapping around,
   * as a text editor's "Go to Next Problem" does.
   */
  step(dir: 1 | -1): void {
    const findings = this.model.findings.slice(0, MAX_ROWS);
    if (findings.length === 0) return;
    const at = this.model.selStart;
    let i = dir > 0 ? findings.findIndex((f) => f.offset > at) : findLastIndex(findings, (f) => f.offset < at);
    if (i < 0) i = dir > 0 ? 0 : findings.length - 1;
    this.active = i;
    this.markActive();
    this.reveal(findings[i]);
  }

  private reveal(f: WireFinding): void {
    this.model.select(f.offset, Math.max(1, Math.min(f.length, 1 << 20)), { source: 'problems', reveal: true });
  }

  private onKey(e: KeyboardEvent): void {
    const count = Math.min(this.model.findings.length, MAX_ROWS);
    if (count === 0) return;
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10, Home: -count, End: count };
    if (e.key in moves) {
      e.preventDefault();
      this.active = Math.max(0, Math.min(count - 1, this.active + moves[e.key]));
      this.markActive();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const f = this.model.findings[this.active];
      this.reveal(f);
      const item = this.list.querySelector<HTMLElement>(`#problem-${this.active}`);
      void this.card.show(f.offset, (item ?? this.list).getBoundingClientRect(), true);
    }
  }

  /** One fix applies at once; several (or none found) open the card at the row to choose. */
  private async fixOne(f: WireFinding, item: HTMLElement): Promise<void> {
    try {
      const info = await this.host.request('inspect', { offset: f.offset });
      if (info.fixes.length === 1) {
        this.host.post({ type: 'applyFix', fix: info.fixes[0] });
        return;
      }
    } catch (e) {
      this.message.textContent = `Could not plan a fix: ${String(e)}`;
      return;
    }
    void this.card.show(f.offset, item.getBoundingClientRect(), true);
  }

  private async repair(mode: 'leaks' | 'all'): Promise<void> {
    this.message.textContent = 'Planning the repair…';
    try {
      const plan = await this.host.request('planRepair', { mode });
      if (plan === null) this.message.textContent = 'Nothing to repair.';
      else if ('refused' in plan) this.message.textContent = `Not repaired: ${plan.refused}`;
      else {
        this.host.post({ type: 'applyFix', fix: plan });
        this.message.textContent = `Applied: ${plan.title} (undo with Ctrl+Z, save to write it).`;
      }
    } catch (e) {
      this.message.textContent = `The repair failed: ${String(e)}`;
    }
  }
}

function findLastIndex<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i])) return i;
  return -1;
}
