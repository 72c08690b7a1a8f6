/**
 * A picture of the host file from hddLens/allocationMap: one small cell per bucket of host space, coloured by what
 * fills it (corrupt wins, then the larger of metadata, allocated and free), with the grid's viewport outlined.
 * Click a cell (or move with the arrow keys and press Enter) to jump there.
 */
import { cellKey } from './cellKeys';
import type { AllocationBucket, AllocationMapResult } from '../shared/protocol';
import { el, themeColor } from './dom';
import { debounce } from './events';
import type { Host } from './host';
import type { Model } from './model';
import { hex, sizeText } from './numbers';
import type { Viewport } from './hexGrid';

const CELL = 6;

const KINDS = ['metadata', 'allocated', 'free', 'leaked', 'corrupt'] as const;
type Kind = (typeof KINDS)[number];

export class AllocationMap {
  readonly element: HTMLElement;
  private readonly canvas = el('canvas', { class: 'map-canvas', attrs: { tabindex: '0', role: 'img', 'aria-label': 'Allocation map of the host file' } });
  private readonly base = document.createElement('canvas');
  private readonly info = el('div', { class: 'card-muted map-info', attrs: { 'aria-live': 'polite' } });
  private result: AllocationMapResult | undefined;
  private cols = 1;
  private cursor = -1;
  private view: Viewport = { firstOffset: 0, length: 0 };
  private seq = 0;
  private outlineColors = ['#007fd4', '#ccc'];
  /** The legend's swatches: the stylesheet gives each kind its colour once (.map-KIND), and the canvas takes it from them. */
  private readonly swatches = Object.fromEntries(KINDS.map((k) => [k, el('span', { class: `swatch map-${k}` })])) as Record<Kind, HTMLElement>;
  readonly refresh = debounce(() => void this.load(), 400);

  constructor(
    private readonly model: Model,
    private readonly host: Host,
  ) {
    const legend = el(
      'div',
      { class: 'map-legend' },
      KINDS.map((k) => el('span', {}, [this.swatches[k], k])),
    );
    this.element = el('section', { class: 'pane map', attrs: { 'aria-label': 'Allocation map' } }, [
      el('div', { class: 'pane-head' }, [el('h2', { text: 'Allocation map' })]),
      this.canvas,
      legend,
      this.info,
    ]);
    this.canvas.addEventListener('click', (e) => this.jump(this.bucketAt(e.offsetX, e.offsetY)));
    this.canvas.addEventListener('mousemove', (e) => this.describe(this.bucketAt(e.offsetX, e.offsetY)));
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    model.onInit.on(() => void this.load());
    new ResizeObserver(() => this.refresh()).observe(this.canvas);
    // VS Code swaps the theme by changing the body's class: redraw with the new colours.
    new MutationObserver(() => this.repaint()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  setViewport(v: Viewport): void {
    if (v.firstOffset === this.view.firstOffset && v.length === this.view.length) return;
    this.view = v;
    this.draw();
  }

  async load(): Promise<void> {
    const width = Math.max(CELL, this.canvas.clientWidth);
    const height = Math.max(CELL, this.canvas.clientHeight);
    this.cols = Math.max(1, Math.floor(width / CELL));
    const buckets = this.cols * Math.max(1, Math.floor(height / CELL));
    const seq = ++this.seq;
    try {
      const result = await this.host.request('allocationMap', { buckets });
      if (seq !== this.seq) return;
      this.result = result ?? undefined;
      this.info.textContent = result ? `${sizeText(result.fileSize)} host file, ${result.buckets.length} cells` : 'No allocation map for this file.';
    } catch (e) {
      this.info.textContent = `No allocation map: ${String(e)}`;
    }
    this.repaint();
  }

  private repaint(): void {
    this.paintBase();
    this.draw();
  }

  /** Paints the buckets once per answer (or theme or size change) into an offscreen canvas. */
  private paintBase(): void {
    const dpr = window.devicePixelRatio || 1;
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    this.base.width = this.canvas.width = Math.round(w * dpr);
    this.base.height = this.canvas.height = Math.round(h * dpr);
    const g = this.base.getContext('2d');
    if (!g || !this.result) return;
    g.scale(dpr, dpr);
    // The swatches' resolved colours (a canvas cannot take var() or color-mix(); a computed style is resolved).
    const colors = Object.fromEntries(KINDS.map((k) => [k, getComputedStyle(this.swatches[k]).backgroundColor])) as Record<Kind, string>;
    // Read once here: getComputedStyle in the per-frame draw would force a style recalculation every frame.
    this.outlineColors = [themeColor('--vscode-focusBorder', '#007fd4'), themeColor('--vscode-editor-foreground', '#ccc')];
    this.result.buckets.forEach((b, i) => {
      g.fillStyle = colors[dominant(b)];
      g.fillRect((i % this.cols) * CELL, Math.floor(i / this.cols) * CELL, CELL - 1, CELL - 1);
    });
  }

  /** The base picture plus the viewport and keyboard cursor outlines: cheap enough for every scrolled frame. */
  private draw(): void {
    const g = this.canvas.getContext('2d');
    if (!g) return;
    const dpr = window.devicePixelRatio || 1;
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (!this.result) return;
    g.drawImage(this.base, 0, 0);
    g.scale(dpr, dpr);
    this.outline(g, this.bucketsOverlapping(this.view.firstOffset, this.view.length), this.outlineColors[0]);
    if (this.cursor >= 0) this.outline(g, [this.cursor, this.cursor], this.outlineColors[1]);
  }

  private outline(g: CanvasRenderingContext2D, [first, last]: [number, number], color: string): void {
    if (first < 0) return;
    g.strokeStyle = color;
    g.lineWidth = 1;
    for (let i = first; i <= last; i++) g.strokeRect((i % this.cols) * CELL - 0.5, Math.floor(i / this.cols) * CELL - 0.5, CELL, CELL);
  }

  private bucketsOverlapping(offset: number, length: number): [number, number] {
    const end = Math.min(offset + Math.max(1, length), this.result?.fileSize ?? 0);
    const first = this.bucketOf(offset);
    return [first, Math.max(first, this.bucketOf(end - 1))];
  }

  /** Index of the bucket holding a host offset (buckets are in offset order), -1 when none. */
  private bucketOf(offset: number): number {
    const buckets = this.result?.buckets ?? [];
    let lo = 0;
    let hi = buckets.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const b = buckets[mid];
      if (offset < b.offset) hi = mid - 1;
      else if (offset >= b.offset + b.length) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  private bucketAt(x: number, y: number): number {
    const i = Math.floor(y / CELL) * this.cols + Math.floor(x / CELL);
    return this.result && x < this.cols * CELL && i < this.result.buckets.length ? i : -1;
  }

  private describe(i: number): void {
    const b = this.result?.buckets[i];
    if (!b) return;
    const pct = (n: number): string => `${Math.round((100 * n) / Math.max(1, b.length))}%`;
    this.info.textContent = `${hex(b.offset)}–${hex(b.offset + b.length)}: ${pct(b.allocated)} allocated, ${pct(b.metadata)} metadata, ${pct(b.free)} free${b.leaked ? ` (${pct(b.leaked)} leaked)` : ''}, ${pct(b.corrupt)} corrupt`;
  }

  private jump(i: number): void {
    const b = this.result?.buckets[i];
    if (!b) return;
    this.cursor = i;
    this.describe(i);
    this.model.select(b.offset, 1, { source: 'map', reveal: true });
    this.draw();
  }

  private onKey(e: KeyboardEvent): void {
    const k = cellKey(e, this.cursor, this.result?.buckets.length ?? 0, this.cols);
    if (k && 'move' in k) {
      this.cursor = k.move;
      this.describe(this.cursor);
      this.draw();
    } else if (k) this.jump(k.choose);
  }
}

function dominant(b: AllocationBucket): Kind {
  if (b.corrupt > 0) return 'corrupt';
  if (b.metadata >= b.allocated && b.metadata >= b.free && b.metadata > 0) return 'metadata';
  if (b.allocated >= b.free) return 'allocated';
  return (b.leaked ?? 0) * 2 >= b.free ? 'leaked' : 'free';
}
