/**
 * The guest disk of one snapshot through its chain (the server's hddLens/bundle `chain`): a strip of cells over
 * the whole disk, each coloured by the image of the chain that serves most of it (zeros only where none serves any), a
 * legend with what each image serves, and the runs of the chosen cell (guest range, image, host offset) with a way
 * to open the image there. Like the image editor's allocation map, but over guest space and across images.
 */
import { cellKey } from '../cellKeys';
import type { BundleChainView, GuestBucket, GuestRun } from '../../shared/protocol';
import { button, el, themeColor } from '../dom';
import { Emitter } from '../events';
import { hex, sizeText } from '../numbers';
import { fileName, shortGuid } from './labels';

const CELL = 8;
/** Runs listed when no cell is chosen. */
const FIRST_RUNS = 50;
/** Theme colours of the chain's images, top first; deeper chains reuse them. */
const LAYER_COLORS = [
  '--vscode-charts-blue',
  '--vscode-charts-green',
  '--vscode-charts-orange',
  '--vscode-charts-purple',
  '--vscode-charts-yellow',
  '--vscode-charts-red',
];
const FALLBACK = ['#3794ff', '#89d185', '#d18616', '#b180d7', '#cca700', '#f14c4c'];

export interface OpenAt {
  path: string;
  offset: number;
  length: number;
}

export class GuestDisk {
  readonly element: HTMLElement;
  readonly onOpen = new Emitter<OpenAt>();
  private readonly title = el('h2', { text: 'Guest disk' });
  private readonly canvas = el('canvas', {
    class: 'bv-strip',
    attrs: { tabindex: '0', role: 'img', 'aria-label': 'Which image serves each part of the guest disk' },
  });
  private readonly legend = el('div', { class: 'bv-legend' });
  private readonly info = el('div', { class: 'bv-info card-muted', attrs: { 'aria-live': 'polite' } });
  private readonly runs = el('div', { class: 'bv-runs', attrs: { role: 'list', 'aria-label': 'Runs of the guest disk' } });
  private chain: BundleChainView | undefined;
  private cols = 1;
  private cursor = -1;

  constructor() {
    this.element = el('section', { class: 'bv-disk', attrs: { 'aria-label': 'Guest disk' } }, [
      el('div', { class: 'pane-head' }, [this.title]),
      this.canvas,
      this.legend,
      this.info,
      this.runs,
    ]);
    this.canvas.addEventListener('mousemove', (e) => this.describe(this.cellAt(e.offsetX, e.offsetY)));
    this.canvas.addEventListener('click', (e) => this.choose(this.cellAt(e.offsetX, e.offsetY)));
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.paint()).observe(this.canvas);
    new MutationObserver(() => this.paint()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  show(snapshot: string, chain: BundleChainView | undefined, error?: string): void {
    this.chain = chain;
    this.cursor = -1;
    this.title.textContent = `Guest disk of ${shortGuid(snapshot)}`;
    this.title.title = snapshot;
    if (!chain) {
      this.legend.replaceChildren();
      this.runs.replaceChildren();
      this.info.textContent = `The guest disk cannot be read: ${error ?? 'no chain'}`;
      this.info.classList.add('bv-error');
      this.paint();
      return;
    }
    this.info.classList.remove('bv-error');
    this.info.textContent = `${sizeText(chain.size)} guest disk, ${sizeText(chain.mapped)} mapped by ${chain.layers.length} image(s), ${chain.runCount.toLocaleString('en-US')} runs; hover or click a cell.`;
    this.renderLegend(chain);
    this.renderRuns(
      chain.runs.slice(0, FIRST_RUNS),
      chain.runCount > FIRST_RUNS ? `the first ${FIRST_RUNS} of ${chain.runCount.toLocaleString('en-US')} runs; click a cell for its runs` : undefined,
    );
    this.paint();
  }

  private renderLegend(chain: BundleChainView): void {
    const served = chain.layers.map((_, d) => chain.buckets.reduce((n, b) => n + (b.bytes[d] ?? 0), 0));
    const items = chain.layers.map((g, d) =>
      el('span', { class: 'bv-legend-item', title: g }, [
        el('span', { class: `swatch bv-layer-${d % LAYER_COLORS.length}` }),
        `${d === 0 ? 'top ' : ''}${shortGuid(g)}: ${sizeText(served[d])}`,
      ]),
    );
    items.push(el('span', { class: 'bv-legend-item' }, [el('span', { class: 'swatch bv-zeros' }), `zeros: ${sizeText(chain.size - chain.mapped)}`]));
    this.legend.replaceChildren(...items);
  }

  private renderRuns(runs: readonly GuestRun[], note?: string): void {
    const chain = this.chain;
    const rows = runs.map((r) => {
      const who =
        r.depth < 0 || !chain ? 'zeros (no image maps it)' : `${shortGuid(chain.layers[r.depth])} ${fileName(r.path ?? '')} at host ${hex(r.hostOffset ?? 0)}`;
      const row = el('div', { class: 'bv-run', attrs: { role: 'listitem' } }, [
        el('span', { class: `swatch ${r.depth < 0 ? 'bv-zeros' : `bv-layer-${r.depth % LAYER_COLORS.length}`}` }),
        el('span', { class: 'bv-run-range', text: `${hex(r.start)}–${hex(r.start + r.length)}` }),
        el('span', { class: 'bv-run-size', text: sizeText(r.length) }),
        el('span', { class: 'bv-run-who', text: who }),
      ]);
      if (r.path !== undefined && r.hostOffset !== undefined) {
        const at = { path: r.path, offset: r.hostOffset, length: Math.min(r.length, 4096) };
        row.append(button('Open', () => this.onOpen.emit(at), { title: 'Open the image at this host offset' }));
      }
      return row;
    });
    if (note) rows.push(el('div', { class: 'card-muted', text: note }));
    this.runs.replaceChildren(...rows);
  }

  private paint(): void {
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(CELL, this.canvas.clientWidth);
    this.cols = Math.max(1, Math.floor(width / CELL));
    const n = this.chain?.buckets.length ?? 0;
    const rows = Math.max(1, Math.ceil(n / this.cols));
    this.canvas.style.height = `${rows * CELL}px`;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(rows * CELL * dpr);
    const g = this.canvas.getContext('2d');
    if (!g || !this.chain) return;
    g.scale(dpr, dpr);
    const colors = LAYER_COLORS.map((c, i) => themeColor(c, FALLBACK[i]));
    const zeros = themeColor('--vscode-editorWidget-border', '#454545');
    this.chain.buckets.forEach((b, i) => {
      const d = dominant(b);
      g.fillStyle = d < 0 ? zeros : colors[d % colors.length];
      g.fillRect((i % this.cols) * CELL, Math.floor(i / this.cols) * CELL, CELL - 1, CELL - 1);
    });
    if (this.cursor >= 0) {
      g.strokeStyle = themeColor('--vscode-focusBorder', '#007fd4');
      g.strokeRect((this.cursor % this.cols) * CELL - 0.5, Math.floor(this.cursor / this.cols) * CELL - 0.5, CELL, CELL);
    }
  }

  private cellAt(x: number, y: number): number {
    const i = Math.floor(y / CELL) * this.cols + Math.floor(x / CELL);
    return this.chain && x < this.cols * CELL && i < this.chain.buckets.length ? i : -1;
  }

  private describe(i: number): void {
    const chain = this.chain;
    const b = chain?.buckets[i];
    if (!chain || !b) return;
    const parts = b.bytes.flatMap((n, d) => (n > 0 ? [`${sizeText(n)} from ${d === 0 ? 'top ' : ''}${shortGuid(chain.layers[d])}`] : []));
    const zero = b.length - b.bytes.reduce((s, n) => s + n, 0);
    if (zero > 0) parts.push(`${sizeText(zero)} zeros`);
    this.info.textContent = `Guest ${hex(b.offset)}–${hex(b.offset + b.length)}: ${parts.join(', ')}`;
  }

  /** A cell chosen: its runs (those among the runs the server listed). */
  private choose(i: number): void {
    const chain = this.chain;
    const b = chain?.buckets[i];
    if (!chain || !b) return;
    this.cursor = i;
    this.describe(i);
    const inCell = chain.runs.filter((r) => r.start < b.offset + b.length && b.offset < r.start + r.length).map((r) => clip(r, b));
    const listed =
      chain.runs.length < chain.runCount &&
      (chain.runs.length === 0 || b.offset + b.length > chain.runs[chain.runs.length - 1].start + chain.runs[chain.runs.length - 1].length);
    this.renderRuns(
      inCell,
      listed ? `runs past the first ${chain.runs.length.toLocaleString('en-US')} are not listed: hdd-lens map BUNDLE lists them all` : undefined,
    );
    this.paint();
  }

  private onKey(e: KeyboardEvent): void {
    const k = cellKey(e, this.cursor, this.chain?.buckets.length ?? 0, this.cols);
    if (k && 'move' in k) {
      this.cursor = k.move;
      this.describe(this.cursor);
      this.paint();
    } else if (k) this.choose(k.choose);
  }
}

/**
 * The image that serves most of a cell, or -1 when none serves any of it: a cell of a large disk is large, and
 * one mapped cluster in it is worth seeing.
 */
function dominant(b: GuestBucket): number {
  let best = -1;
  let most = 0;
  b.bytes.forEach((n, d) => {
    if (n > most) {
      best = d;
      most = n;
    }
  });
  return best;
}

/** The part of a run inside a cell (its host offset moved along with its start). */
function clip(r: GuestRun, b: GuestBucket): GuestRun {
  const start = Math.max(r.start, b.offset);
  const end = Math.min(r.start + r.length, b.offset + b.length);
  const out: GuestRun = { ...r, start, length: end - start };
  if (r.hostOffset !== undefined) out.hostOffset = r.hostOffset + (start - r.start);
  return out;
}
