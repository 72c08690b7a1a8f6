/**
 * The status line under the grid: the selected offset (hex and decimal), the region it is in, and the bytes at
 * the selection read as little-endian u8/u16/u32/u64 (plain byte arithmetic, no format knowledge).
 */
import { el, frameScheduler } from './dom';
import { REGION_KINDS } from './decor';
import type { Model } from './model';
import { offsetText, readLE, sizeText } from './numbers';
import { PAGE_SIZE } from './pageCache';

const WIDTHS = [1, 2, 4, 8] as const;

export class StatusLine {
  readonly element = el('footer', { class: 'status', attrs: { role: 'status', 'aria-live': 'polite' } });
  private readonly where = el('span', { class: 'status-offset' });
  private readonly region = el('span', { class: 'status-region' });
  private readonly values = el('span', { class: 'status-values' });
  private readonly file = el('span', { class: 'status-file' });
  private readonly schedule = frameScheduler(() => this.render());

  constructor(private readonly model: Model) {
    this.element.append(this.where, this.region, this.values, el('span', { class: 'spacer' }), this.file);
    const update = (): void => this.schedule();
    model.onSelection.on(update);
    model.onPageData.on(update);
    model.onFindings.on(update);
    model.onInit.on(update);
  }

  private render(): void {
    const m = this.model;
    // A range (a field, a BAT entry) is read from its first byte, where its value starts.
    const at = m.selStart;
    const len = m.selLength;
    this.where.textContent = `Offset ${offsetText(at)}${len > 1 ? ` · ${len.toLocaleString('en-US')} bytes selected` : ''}`;
    const kind = REGION_KINDS[m.decorOf(Math.floor(at / PAGE_SIZE)).kinds[at % PAGE_SIZE]];
    this.region.textContent = kind === 'unknown' ? '' : kind;
    this.values.textContent = WIDTHS.filter((w) => at + w <= m.size)
      .map((w) => {
        const v = readLE((o) => m.byteAt(o), at, w);
        return `u${w * 8} ${v === undefined ? '…' : v.toString()}`;
      })
      .join('  ');
    this.file.textContent = `${m.fileName} · ${sizeText(m.size)}${m.readOnly ? ' · read-only' : ''}`;
  }
}
