/**
 * A vertical scrollbar for a scroll position counted in rows, not pixels. Browsers cap an element's height near
 * 33M px, far below the rows of a 1 TiB file (68 billion), so the grid keeps its own position and this bar maps
 * it onto the track proportionally: dragging the thumb jumps anywhere at once, clicks on the track page.
 */
import { el } from './dom';
import { Emitter } from './events';

const MIN_THUMB = 24;

export class VirtualScrollbar {
  readonly element = el('div', { class: 'vscrollbar', attrs: { 'aria-hidden': 'true' } });
  /** The position the user asked for, in rows. */
  readonly onScroll = new Emitter<number>();
  /** Track click: -1 for a page up, +1 for a page down. */
  readonly onPage = new Emitter<number>();
  private readonly thumb = el('div', { class: 'vscrollbar-thumb' });
  private top = 0;
  private maxTop = 0;
  private visible = 1;
  private total = 1;
  private track = 0;
  private lastStyle = '';
  private drag: { startY: number; startThumb: number } | undefined;

  constructor() {
    this.element.append(this.thumb);
    this.thumb.addEventListener('pointerdown', (e) => this.startDrag(e));
    this.thumb.addEventListener('pointermove', (e) => this.moveDrag(e));
    this.thumb.addEventListener('pointerup', (e) => this.endDrag(e));
    this.element.addEventListener('pointerdown', (e) => {
      if (e.target !== this.element) return;
      this.onPage.emit(e.offsetY < this.thumbTop() ? -1 : 1);
    });
  }

  update(top: number, maxTop: number, visible: number, total: number): void {
    this.top = top;
    this.maxTop = maxTop;
    this.visible = visible;
    this.total = total;
    const style = `${maxTop <= 0}|${this.thumbHeight()}|${this.thumbTop()}`;
    if (style === this.lastStyle) return;
    this.lastStyle = style;
    this.element.classList.toggle('hidden', maxTop <= 0);
    this.thumb.style.height = `${this.thumbHeight()}px`;
    this.thumb.style.transform = `translateY(${this.thumbTop()}px)`;
  }

  /**
   * The track's height, told by the grid when it lays out (in its ResizeObserver callback): reading clientHeight
   * here, after the grid wrote its rows, would force a layout on every frame.
   */
  resize(height: number): void {
    this.track = height;
  }

  private trackHeight(): number {
    return this.track;
  }

  private thumbHeight(): number {
    const h = this.trackHeight();
    return Math.min(h, Math.max(MIN_THUMB, (h * this.visible) / Math.max(1, this.total)));
  }

  private thumbTop(): number {
    const room = this.trackHeight() - this.thumbHeight();
    return this.maxTop > 0 ? (room * this.top) / this.maxTop : 0;
  }

  private startDrag(e: PointerEvent): void {
    this.thumb.setPointerCapture(e.pointerId);
    this.drag = { startY: e.clientY, startThumb: this.thumbTop() };
    this.thumb.classList.add('active');
    e.preventDefault();
  }

  private moveDrag(e: PointerEvent): void {
    if (!this.drag) return;
    const room = this.trackHeight() - this.thumbHeight();
    if (room <= 0) return;
    const frac = Math.min(1, Math.max(0, (this.drag.startThumb + e.clientY - this.drag.startY) / room));
    this.onScroll.emit(Math.round(frac * this.maxTop));
  }

  private endDrag(e: PointerEvent): void {
    this.drag = undefined;
    this.thumb.classList.remove('active');
    this.thumb.releasePointerCapture(e.pointerId);
  }
}
