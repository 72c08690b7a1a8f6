/**
 * The hex + ASCII grid over the whole file. Plain DOM in the render loop: a fixed pool of row elements (one per
 * visible row) is rewritten in place on each animation frame from the page caches, so the cost of a frame depends
 * on the window's height, never on the file's size. The scroll position is a row number kept here (see
 * scrollbar.ts for why), so a 1 TiB file scrolls and jumps like a small one.
 */
import { el, setText } from './dom';
import { Emitter } from './events';
import { Model, SelectionChange } from './model';
import { HEX_BYTE } from './numbers';
import { PAGE_SIZE } from './pageCache';
import { PageDecor, REGION_KINDS, SEVERITY_NAMES } from './decor';
import { VirtualScrollbar } from './scrollbar';

const BYTES_PER_ROW = 16;
/** Class names per (region kind, severity), built once so the render loop only concatenates flags. */
const CELL_CLASS: string[] = [];
for (const kind of REGION_KINDS) for (const sev of SEVERITY_NAMES) CELL_CLASS.push(`b k-${kind} s-${sev}`);
const ASCII: string[] = Array.from({ length: 256 }, (_, b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.'));

export interface CellEvent {
  offset: number;
  rect: DOMRect;
}

export interface Viewport {
  firstOffset: number;
  length: number;
}

class RowView {
  readonly element: HTMLElement;
  readonly offsetCell: HTMLElement;
  readonly hex: HTMLElement[] = [];
  readonly ascii: HTMLElement[] = [];
  /** Last class written per cell, to skip unchanged DOM writes. */
  readonly classes: string[] = new Array<string>(BYTES_PER_ROW).fill('');
  row = -1;

  constructor(readonly slot: number) {
    this.offsetCell = el('span', { class: 'off', attrs: { role: 'rowheader' } });
    const hexBox = el('span', { class: 'hex' });
    const asciiBox = el('span', { class: 'asc', attrs: { 'aria-hidden': 'true' } });
    for (let c = 0; c < BYTES_PER_ROW; c++) {
      const h = el('span', { class: 'b', attrs: { role: 'gridcell', id: `cell-${slot}-${c}`, 'data-col': String(c) } });
      const a = el('span', { class: 'b', attrs: { 'data-col': String(c) } });
      hexBox.append(h);
      asciiBox.append(a);
      this.hex.push(h);
      this.ascii.push(a);
    }
    this.element = el('div', { class: 'row', attrs: { role: 'row', 'data-slot': String(slot) } }, [this.offsetCell, hexBox, asciiBox]);
  }
}

export class HexGrid {
  readonly element: HTMLElement;
  readonly onHover = new Emitter<CellEvent | undefined>();
  /** Enter on the selection: open its card with the keyboard. */
  readonly onActivate = new Emitter<CellEvent>();
  readonly onEscape = new Emitter<void>();
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
  private framePending = false;
  private wheelRemainder = 0;
  private dragging = false;
  private firstPaintDone = false;

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
  }

  private buildHeader(): void {
    const cols = Array.from({ length: BYTES_PER_ROW }, (_, c) => el('span', { class: 'b', text: HEX_BYTE[c] }));
    const asc = el('span', { class: 'asc', text: '0123456789ABCDEF' });
    this.header.replaceChildren(el('span', { class: 'off', text: 'Offset'.padEnd(this.offsetDigits) }), el('span', { class: 'hex' }, cols), asc);
  }

  /** Sizes the row pool to the viewport. */
  private layout(): void {
    this.rowHeight = this.measureRowHeight();
    const height = this.viewport.clientHeight;
    this.visibleRows = Math.max(1, Math.floor(height / this.rowHeight));
    const slots = Math.ceil(height / this.rowHeight) + 1;
    while (this.rows.length < slots) {
      const r = new RowView(this.rows.length);
      r.element.style.transform = `translateY(${r.slot * this.rowHeight}px)`;
      this.rows.push(r);
      this.viewport.append(r.element);
    }
    while (this.rows.length > slots) this.rows.pop()?.element.remove();
    for (const r of this.rows) r.element.style.transform = `translateY(${r.slot * this.rowHeight}px)`;
    this.topRow = Math.min(this.topRow, this.maxTop);
    this.schedule();
  }

  private measureRowHeight(): number {
    const h = this.header.getBoundingClientRect().height;
    return h > 4 ? Math.round(h) : this.rowHeight;
  }

  scrollTo(row: number): void {
    const top = Math.max(0, Math.min(this.maxTop, Math.round(row)));
    if (top === this.topRow) return;
    this.topRow = top;
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

  private schedule(): void {
    if (this.framePending) return;
    this.framePending = true;
    requestAnimationFrame(() => {
      this.framePending = false;
      this.render();
    });
  }

  private render(): void {
    const size = this.model.size;
    this.requestPages();
    const decors = new Map<number, PageDecor>();
    let complete = true;
    for (const r of this.rows) {
      const row = this.topRow + r.slot;
      if (!this.renderRow(r, row, size, decors)) complete = false;
    }
    this.scrollbar.update(this.topRow, this.maxTop, this.visibleRows, this.totalRows);
    this.updateActiveDescendant();
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

  /** Writes one row; false when its bytes are not loaded yet. */
  private renderRow(r: RowView, row: number, size: number, decors: Map<number, PageDecor>): boolean {
    const start = row * BYTES_PER_ROW;
    const hidden = start >= size;
    r.element.classList.toggle('hidden', hidden);
    if (hidden) return true;
    r.row = row;
    setText(r.offsetCell, start.toString(16).toUpperCase().padStart(this.offsetDigits, '0'));
    const page = Math.floor(start / PAGE_SIZE);
    const bytes = this.model.bytes.get(page);
    let decor = decors.get(page);
    if (!decor) decors.set(page, (decor = this.model.decorOf(page)));
    const failed = !bytes && this.model.bytes.hasFailed(page);
    const selA = this.model.selStart;
    const selB = selA + this.model.selLength - 1;
    for (let c = 0; c < BYTES_PER_ROW; c++) {
      const off = start + c;
      const at = off - page * PAGE_SIZE;
      let cls: string;
      if (off >= size) {
        cls = 'b void';
        setText(r.hex[c], '');
        setText(r.ascii[c], '');
      } else {
        cls = CELL_CLASS[decor.kinds[at] * 4 + decor.severities[at]];
        if (off >= selA && off <= selB) cls += ' sel';
        if (off === this.model.active) cls += ' cur';
        const b = bytes?.[at];
        setText(r.hex[c], b === undefined ? (failed ? '??' : '··') : HEX_BYTE[b]);
        setText(r.ascii[c], b === undefined ? ' ' : ASCII[b]);
      }
      if (r.classes[c] !== cls) {
        r.classes[c] = cls;
        r.hex[c].className = cls;
        r.ascii[c].className = cls;
      }
    }
    return bytes !== undefined || failed;
  }

  private updateActiveDescendant(): void {
    const row = Math.floor(this.model.active / BYTES_PER_ROW) - this.topRow;
    const slot = this.rows[row];
    if (slot && row < this.visibleRows) this.element.setAttribute('aria-activedescendant', slot.hex[this.model.active % BYTES_PER_ROW].id);
    else this.element.removeAttribute('aria-activedescendant');
  }

  /** The file offset under a cell element, if it is one. */
  private cellAt(target: EventTarget | null): { offset: number; cell: HTMLElement } | undefined {
    if (!(target instanceof HTMLElement) || target.dataset.col === undefined) return undefined;
    const rowEl = target.closest<HTMLElement>('.row');
    const slot = rowEl?.dataset.slot;
    if (slot === undefined) return undefined;
    const offset = (this.topRow + Number(slot)) * BYTES_PER_ROW + Number(target.dataset.col);
    return offset < this.model.size ? { offset, cell: target } : undefined;
  }

  /** Rect of the hex cell of a visible offset (for the keyboard-opened card). */
  cellRect(offset: number): DOMRect {
    const slot = this.rows[Math.floor(offset / BYTES_PER_ROW) - this.topRow];
    return (slot ? slot.hex[offset % BYTES_PER_ROW] : this.element).getBoundingClientRect();
  }

  private listen(): void {
    this.viewport.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    this.viewport.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    this.viewport.addEventListener('pointermove', (e) => this.onPointerMove(e));
    window.addEventListener('pointerup', () => (this.dragging = false));
    this.viewport.addEventListener('mouseleave', () => this.onHover.emit(undefined));
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
    if (!this.dragging) this.onHover.emit(hit ? { offset: hit.offset, rect: hit.cell.getBoundingClientRect() } : undefined);
  }

  private onKey(e: KeyboardEvent): void {
    const step = this.keyStep(e);
    if (step !== undefined) {
      e.preventDefault();
      this.model.moveTo(step, e.shiftKey, { source: 'grid', reveal: true });
      return;
    }
    if (e.key === 'Enter') {
      e.preventDefault();
      this.reveal(this.model.active);
      this.onActivate.emit({ offset: this.model.active, rect: this.cellRect(this.model.active) });
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
      case 'ArrowLeft': return a - 1;
      case 'ArrowRight': return a + 1;
      case 'ArrowUp': return a - BYTES_PER_ROW;
      case 'ArrowDown': return a + BYTES_PER_ROW;
      case 'PageUp': this.scrollTo(this.topRow - page / BYTES_PER_ROW); return a - page;
      case 'PageDown': this.scrollTo(this.topRow + page / BYTES_PER_ROW); return a + page;
      case 'Home': return e.ctrlKey ? 0 : a - (a % BYTES_PER_ROW);
      case 'End': return e.ctrlKey ? this.model.size - 1 : a - (a % BYTES_PER_ROW) + BYTES_PER_ROW - 1;
      default: return undefined;
    }
  }
}
