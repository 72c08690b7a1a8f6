/**
 * The hex + ASCII grid over the whole file. Plain DOM in the render loop: a fixed pool of row elements (one per
 * visible row) is rewritten in place on each animation frame from the page caches, so the cost of a frame depends
 * on the window's height, never on the file's size. The scroll position is a row number kept here (see
 * scrollbar.ts for why), so a 1 TiB file scrolls and jumps like a small one.
 */
import { el, frameScheduler } from './dom';
import { Emitter } from './events';
import type { Model, SelectionChange } from './model';
import { HEX_BYTE } from './numbers';
import { PAGE_SIZE } from './pageCache';
import { type PageDecor, REGION_KINDS, SEVERITY_NAMES } from './decor';
import { VirtualScrollbar } from './scrollbar';

const BYTES_PER_ROW = 16;
/** Class names per (region kind, severity), built once so the render loop only concatenates flags. */
const CELL_CLASS: string[] = [];
for (const kind of REGION_KINDS) for (const sev of SEVERITY_NAMES) CELL_CLASS.push(`b k-${kind} s-${sev}`);
/** What a byte shows while its page is on the way. */
const LOADING = '\u00B7\u00B7';
const ASCII: string[] = Array.from({ length: 256 }, (_, b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.'));

export interface CellEvent {
  offset: number;
  rect: DOMRect;
  /** The byte came under a still pointer because the grid scrolled or jumped (not because the pointer moved). */
  scrolled?: boolean;
}

export interface Viewport {
  firstOffset: number;
  length: number;
}

/** One recycled row: its elements, and the text and class last written to each, so unchanged cells cost nothing. */
class RowView {
  readonly element: HTMLElement;
  readonly offsetText = document.createTextNode('');
  readonly hex: HTMLElement[] = [];
  readonly ascii: HTMLElement[] = [];
  /** Text nodes of the cells: writing `.data` avoids replacing nodes on every frame. */
  readonly hexText: Text[] = [];
  readonly asciiText: Text[] = [];
  readonly texts: string[] = new Array<string>(BYTES_PER_ROW).fill('');
  readonly classes: string[] = new Array<string>(BYTES_PER_ROW).fill('');
  hidden = false;
  /** The file row shown (-1: none yet). */
  row = -1;
  private y = NaN;

  constructor(readonly slot: number) {
    const offsetCell = el('span', { class: 'off', attrs: { role: 'rowheader' } }, [this.offsetText]);
    const hexBox = el('span', { class: 'hex' });
    const asciiBox = el('span', { class: 'asc', attrs: { 'aria-hidden': 'true' } });
    for (let c = 0; c < BYTES_PER_ROW; c++) {
      const ht = document.createTextNode('');
      const at = document.createTextNode('');
      const h = el('span', { class: 'b', attrs: { role: 'gridcell', id: `cell-${slot}-${c}`, 'data-col': String(c) } }, [ht]);
      const a = el('span', { class: 'b', attrs: { 'data-col': String(c) } }, [at]);
      hexBox.append(h);
      asciiBox.append(a);
      this.hex.push(h);
      this.ascii.push(a);
      this.hexText.push(ht);
      this.asciiText.push(at);
    }
    this.element = el('div', { class: 'row', attrs: { role: 'row', 'data-slot': String(slot) } }, [offsetCell, hexBox, asciiBox]);
  }

  /** Moves the row to its place on screen: a compositor-only change, the row's text is not repainted. */
  setY(y: number): void {
    if (y === this.y) return;
    this.y = y;
    this.element.style.transform = `translateY(${y}px)`;
  }

  setHidden(hidden: boolean): void {
    if (hidden === this.hidden) return;
    this.hidden = hidden;
    this.element.classList.toggle('hidden', hidden);
  }

  setOffset(text: string): void {
    if (this.offsetText.data !== text) this.offsetText.data = text;
  }

  /** Writes a cell's byte text (hex) and ASCII glyph, and its class, when they changed. */
  setCell(c: number, hex: string, ascii: string, cls: string): void {
    if (this.texts[c] !== hex) {
      this.texts[c] = hex;
      this.hexText[c].data = hex;
      this.asciiText[c].data = ascii;
    }
    if (this.classes[c] !== cls) {
      this.classes[c] = cls;
      this.hex[c].className = cls;
      this.ascii[c].className = cls;
    }
  }
}

export class HexGrid {
  readonly element: HTMLElement;
  readonly onHover = new Emitter<CellEvent | undefined>();
  /** Enter on the selection: open its card with the keyboard. */
  readonly onActivate = new Emitter<CellEvent>();
  /** Ctrl+. (Cmd+. on macOS) on the selection: its quick fixes, as in a text editor. */
  readonly onQuickFix = new Emitter<CellEvent>();
  readonly onEscape = new Emitter<void>();
  /** F8 / Shift+F8: the next or previous finding (1 or -1), as in a text editor. */
  readonly onProblemKey = new Emitter<1 | -1>();
  readonly onGotoKey = new Emitter<void>();
  readonly onViewport = new Emitter<Viewport>();
  private readonly viewport = el('div', { class: 'grid-viewport' });
  private readonly header = el('div', { class: 'row grid-header', attrs: { 'aria-hidden': 'true' } });
  private readonly scrollbar = new VirtualScrollbar();
  private rows: RowView[] = [];
  private topRow = 0;
  private rowHeight = 18;
  private visibleRows = 1;
  private offsetDigits = 8;
  private readonly schedule = frameScheduler(() => this.render());
  private wheelRemainder = 0;
  private dragging = false;
  private firstPaintDone = false;
  private activeId = '';
  /** Where the pointer rests over the viewport (slot row and column), to tell the card what is under it after a scroll. */
  private pointer: { slotY: number; col: number; ascii: boolean } | undefined;
  /** The offset last reported by onHover (-1: none), so a render reports only a change. */
  private hovered = -1;
  /** Ctrl+. was just handled here (VS Code's keybinding for it follows through the host). */
  private quickFixPending = false;

  constructor(private readonly model: Model) {
    this.element = el('div', {
      class: 'grid',
      attrs: { role: 'grid', tabindex: '0', 'aria-label': 'Bytes of the file (hex and ASCII)', 'aria-readonly': 'true' },
    });
    this.element.append(this.header, el('div', { class: 'grid-body' }, [this.viewport, this.scrollbar.element]));
    this.buildHeader();
    this.scrollbar.onScroll.on((row) => this.scrollTo(row));
    this.scrollbar.onPage.on((dir) => this.scrollTo(this.topRow + dir * Math.max(1, this.visibleRows - 1)));
    this.listen();
    model.onInit.on(() => this.reset());
    model.onPageData.on(() => this.schedule());
    model.onFindings.on(() => this.schedule());
    model.onSelection.on((c) => this.selectionChanged(c));
    new ResizeObserver(() => this.layout()).observe(this.viewport);
  }

  focus(): void {
    this.element.focus();
  }

  /** Row number of the first visible row (for tests and the allocation map). */
  get firstRow(): number {
    return this.topRow;
  }

  private get totalRows(): number {
    return Math.ceil(this.model.size / BYTES_PER_ROW);
  }

  private get maxTop(): number {
    return Math.max(0, this.totalRows - this.visibleRows);
  }

  private reset(): void {
    this.topRow = 0;
    this.offsetDigits = Math.max(8, Math.max(0, this.model.size - 1).toString(16).length);
    this.buildHeader();
    this.layout();
    // Ask for the first screen's bytes now, not at the next animation frame: on opening they are then the page's
    // first requests, ahead of the structure and the allocation map.
    this.requestPages();
  }

  private buildHeader(): void {
    const cols = Array.from({ length: BYTES_PER_ROW }, (_, c) => el('span', { class: 'b', text: HEX_BYTE[c] }));
    const asc = el('span', { class: 'asc', text: '0123456789ABCDEF' });
    this.header.replaceChildren(el('span', { class: 'off', text: 'Offset'.padEnd(this.offsetDigits) }), el('span', { class: 'hex' }, cols), asc);
  }

  /**
   * Sizes the row pool to the viewport. File row N is always drawn by pool element N mod pool size, so a scroll
   * by k rows rewrites only the k rows that come into view; the others just move.
   */
  private layout(): void {
    this.rowHeight = this.measureRowHeight();
    const height = this.viewport.clientHeight;
    this.scrollbar.resize(height);
    this.visibleRows = Math.max(1, Math.floor(height / this.rowHeight));
    const slots = Math.ceil(height / this.rowHeight) + 1;
    if (slots !== this.rows.length) {
      for (const r of this.rows) r.element.remove();
      this.rows = Array.from({ length: slots }, (_, i) => new RowView(i));
      this.viewport.append(...this.rows.map((r) => r.element));
    }
    for (const r of this.rows) r.row = -1;
    this.topRow = Math.min(this.topRow, this.maxTop);
    this.schedule();
  }

  private measureRowHeight(): number {
    const h = this.header.getBoundingClientRect().height;
    return h > 4 ? h : this.rowHeight;
  }

  scrollTo(row: number): void {
    const top = Math.max(0, Math.min(this.maxTop, Math.round(row)));
    if (top === this.topRow) return;
    this.topRow = top;
    this.requestPages();
    this.schedule();
  }

  /** Brings a byte into view: minimal scroll when close, centred when it is a jump. */
  reveal(offset: number): void {
    const row = Math.floor(offset / BYTES_PER_ROW);
    if (row >= this.topRow && row < this.topRow + this.visibleRows) return;
    const near = row >= this.topRow - this.visibleRows && row < this.topRow + 2 * this.visibleRows;
    if (near) this.scrollTo(row < this.topRow ? row : row - this.visibleRows + 1);
    else this.scrollTo(row - Math.floor(this.visibleRows / 2));
  }

  private selectionChanged(c: SelectionChange): void {
    if (c.reveal) this.reveal(this.model.active);
    this.schedule();
  }

  private render(): void {
    const size = this.model.size;
    this.requestPages();
    const decors = new Map<number, PageDecor>();
    let complete = true;
    for (let i = 0; i < this.rows.length; i++) {
      const row = this.topRow + i;
      const r = this.rowView(row);
      r.setY(i * this.rowHeight);
      if (!this.renderRow(r, row, size, decors)) complete = false;
    }
    this.scrollbar.update(this.topRow, this.maxTop, this.visibleRows, this.totalRows);
    this.updateActiveDescendant();
    this.followPointer();
    this.onViewport.emit({ firstOffset: this.topRow * BYTES_PER_ROW, length: this.visibleRows * BYTES_PER_ROW });
    if (complete && size > 0 && !this.firstPaintDone) {
      this.firstPaintDone = true;
      performance.mark('hddlens-first-grid-paint');
    }
  }

  /** Asks for the pages on screen, then one on each side so small scrolls find their bytes ready. */
  private requestPages(): void {
    const size = this.model.size;
    if (size === 0) return;
    const first = Math.floor((this.topRow * BYTES_PER_ROW) / PAGE_SIZE);
    const lastByte = Math.min(size - 1, (this.topRow + this.rows.length) * BYTES_PER_ROW - 1);
    const last = Math.floor(lastByte / PAGE_SIZE);
    const visible: number[] = [];
    for (let p = first; p <= last; p++) visible.push(p);
    const around = [first - 1, last + 1].filter((p) => p >= 0 && p * PAGE_SIZE < size);
    this.model.bytes.want([...visible, ...around]);
    this.model.regions.want(visible);
  }

  private rowView(row: number): RowView {
    return this.rows[row % this.rows.length];
  }

  /** The pool element showing `row`, when that row is on screen. */
  private visibleRowView(row: number): RowView | undefined {
    return row >= this.topRow && row < this.topRow + this.rows.length ? this.rowView(row) : undefined;
  }

  /** Writes one row; false when its bytes are not loaded yet. */
  private renderRow(r: RowView, row: number, size: number, decors: Map<number, PageDecor>): boolean {
    const start = row * BYTES_PER_ROW;
    const hidden = start >= size;
    r.setHidden(hidden);
    if (hidden) return true;
    r.row = row;
    r.setOffset(start.toString(16).toUpperCase().padStart(this.offsetDigits, '0'));
    const page = Math.floor(start / PAGE_SIZE);
    const bytes = this.model.bytes.get(page);
    let decor = decors.get(page);
    if (!decor) decors.set(page, (decor = this.model.decorOf(page)));
    const failed = !bytes && this.model.bytes.hasFailed(page);
    const missing = failed ? '??' : LOADING;
    const selA = this.model.selStart;
    const selB = selA + this.model.selLength - 1;
    for (let c = 0; c < BYTES_PER_ROW; c++) {
      const off = start + c;
      if (off >= size) {
        r.setCell(c, '', '', 'b void');
        continue;
      }
      const at = off - page * PAGE_SIZE;
      let cls = CELL_CLASS[decor.kinds[at] * 4 + decor.severities[at]];
      if (off >= selA && off <= selB) cls += ' sel';
      if (off === this.model.active) cls += ' cur';
      const b = bytes?.[at];
      if (b === undefined) r.setCell(c, missing, ' ', cls);
      else r.setCell(c, HEX_BYTE[b], ASCII[b], cls);
    }
    return bytes !== undefined || failed;
  }

  /**
   * After a scroll or jump the rows under a still pointer show other bytes: report the byte now under it (or none),
   * so that the hover card follows it or hides instead of describing a byte that scrolled away.
   */
  private followPointer(): void {
    if (!this.pointer || this.dragging) return;
    const slotRow = Math.floor(this.pointer.slotY / this.rowHeight);
    const offset = (this.topRow + slotRow) * BYTES_PER_ROW + this.pointer.col;
    const on = slotRow >= 0 && slotRow < this.rows.length && offset < this.model.size;
    if ((on ? offset : -1) === this.hovered) return;
    this.hovered = on ? offset : -1;
    if (!on) return this.onHover.emit(undefined);
    const view = this.visibleRowView(Math.floor(offset / BYTES_PER_ROW));
    const cells = view && (this.pointer.ascii ? view.ascii : view.hex);
    const rect = cells ? cells[this.pointer.col].getBoundingClientRect() : this.viewport.getBoundingClientRect();
    this.onHover.emit({ offset, rect, scrolled: true });
  }

  private updateActiveDescendant(): void {
    const row = Math.floor(this.model.active / BYTES_PER_ROW);
    const slot = row - this.topRow < this.visibleRows ? this.visibleRowView(row) : undefined;
    const id = slot ? slot.hex[this.model.active % BYTES_PER_ROW].id : '';
    if (id === this.activeId) return;
    this.activeId = id;
    if (id) this.element.setAttribute('aria-activedescendant', id);
    else this.element.removeAttribute('aria-activedescendant');
  }

  /** The file offset under a cell element, if it is one. */
  private cellAt(target: EventTarget | null): { offset: number; cell: HTMLElement } | undefined {
    if (!(target instanceof HTMLElement) || target.dataset.col === undefined) return undefined;
    const rowEl = target.closest<HTMLElement>('.row');
    const slot = rowEl?.dataset.slot;
    if (slot === undefined) return undefined;
    const row = this.rows[Number(slot)]?.row ?? -1;
    if (row < 0) return undefined;
    const offset = row * BYTES_PER_ROW + Number(target.dataset.col);
    return offset < this.model.size ? { offset, cell: target } : undefined;
  }

  /** Opens the quick fixes of the selected byte (Ctrl+. here, or VS Code's keybinding through the host). */
  quickFix(): void {
    if (this.quickFixPending) return;
    this.reveal(this.model.active);
    this.onQuickFix.emit({ offset: this.model.active, rect: this.cellRect(this.model.active) });
  }

  /** Rect of the hex cell of a visible offset (for the keyboard-opened card). */
  cellRect(offset: number): DOMRect {
    const slot = this.visibleRowView(Math.floor(offset / BYTES_PER_ROW));
    return (slot ? slot.hex[offset % BYTES_PER_ROW] : this.element).getBoundingClientRect();
  }

  private listen(): void {
    this.viewport.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    this.viewport.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    this.viewport.addEventListener('pointermove', (e) => this.onPointerMove(e));
    window.addEventListener('pointerup', () => (this.dragging = false));
    this.viewport.addEventListener('mouseleave', () => {
      this.pointer = undefined;
      this.hovered = -1;
      this.onHover.emit(undefined);
    });
    this.element.addEventListener('keydown', (e) => this.onKey(e));
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const unit = e.deltaMode === 1 ? this.rowHeight : e.deltaMode === 2 ? this.visibleRows * this.rowHeight : 1;
    this.wheelRemainder += e.deltaY * unit;
    const rows = Math.trunc(this.wheelRemainder / this.rowHeight);
    if (rows === 0) return;
    this.wheelRemainder -= rows * this.rowHeight;
    this.scrollTo(this.topRow + rows);
  }

  private onPointerDown(e: PointerEvent): void {
    const hit = this.cellAt(e.target);
    if (!hit || e.button !== 0) return;
    this.element.focus();
    this.dragging = true;
    this.model.moveTo(hit.offset, e.shiftKey, { source: 'grid', reveal: false });
    e.preventDefault();
  }

  private onPointerMove(e: PointerEvent): void {
    const hit = this.cellAt(e.target);
    if (this.dragging && hit) this.model.moveTo(hit.offset, true, { source: 'grid', reveal: false });
    const top = this.viewport.getBoundingClientRect().top;
    this.pointer = hit
      ? { slotY: e.clientY - top, col: Number(hit.cell.dataset.col), ascii: hit.cell.parentElement?.classList.contains('asc') ?? false }
      : undefined;
    this.hovered = hit ? hit.offset : -1;
    if (!this.dragging) this.onHover.emit(hit ? { offset: hit.offset, rect: hit.cell.getBoundingClientRect() } : undefined);
  }

  private onKey(e: KeyboardEvent): void {
    const step = this.keyStep(e);
    if (step !== undefined) {
      e.preventDefault();
      this.model.moveTo(step, e.shiftKey, { source: 'grid', reveal: true });
      return;
    }
    if (e.key === 'Enter' || (e.key === '.' && (e.ctrlKey || e.metaKey))) {
      e.preventDefault();
      this.reveal(this.model.active);
      const at = { offset: this.model.active, rect: this.cellRect(this.model.active) };
      if (e.key === 'Enter') this.onActivate.emit(at);
      // Ctrl+. also reaches VS Code, whose keybinding (hddLens.showFixes) opens the same card: once is enough.
      else {
        this.quickFix();
        this.quickFixPending = true;
        setTimeout(() => (this.quickFixPending = false), 500);
      }
    } else if (e.key === 'F8') {
      e.preventDefault();
      this.onProblemKey.emit(e.shiftKey ? -1 : 1);
    } else if (e.key === 'Escape') {
      this.onEscape.emit();
    } else if (e.key === 'g' && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      this.onGotoKey.emit();
    }
  }

  /** Where a navigation key moves the active byte, or undefined for other keys. */
  private keyStep(e: KeyboardEvent): number | undefined {
    const a = this.model.active;
    const page = BYTES_PER_ROW * Math.max(1, this.visibleRows - 1);
    switch (e.key) {
      case 'ArrowLeft':
        return a - 1;
      case 'ArrowRight':
        return a + 1;
      case 'ArrowUp':
        return a - BYTES_PER_ROW;
      case 'ArrowDown':
        return a + BYTES_PER_ROW;
      case 'PageUp':
        this.scrollTo(this.topRow - page / BYTES_PER_ROW);
        return a - page;
      case 'PageDown':
        this.scrollTo(this.topRow + page / BYTES_PER_ROW);
        return a + page;
      case 'Home':
        return e.ctrlKey ? 0 : a - (a % BYTES_PER_ROW);
      case 'End':
        return e.ctrlKey ? this.model.size - 1 : a - (a % BYTES_PER_ROW) + BYTES_PER_ROW - 1;
      default:
        return undefined;
    }
  }
}
