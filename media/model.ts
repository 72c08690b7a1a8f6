/**
 * The webview's state: the document (name, size, read-only), the selection, the findings, and the page caches of
 * bytes and regions. Components read it and listen to its events; only the host's messages and user actions
 * change it.
 */
import type { Region, WireFinding } from '../shared/protocol';
import { buildDecor, type PageDecor } from './decor';
import { Emitter } from './events';
import type { Host } from './host';
import { LruMap, PAGE_SIZE, PagedLoader, pagesOf } from './pageCache';

export type SelectionSource = 'grid' | 'tree' | 'host' | 'map' | 'problems' | 'goto';

export interface SelectionChange {
  source: SelectionSource;
  /** Scroll the grid to show the selection. */
  reveal: boolean;
}

const CACHE_PAGES = 512;

export class Model {
  fileName = '';
  size = 0;
  readOnly = true;
  /** Selection: the bytes from `anchor` to `active`, both included. */
  anchor = 0;
  active = 0;
  findings: WireFinding[] = [];
  findingsVersion = -1;
  /** Bumped on every change of the document, to drop answers computed for an older state. */
  generation = 0;

  readonly onInit = new Emitter<void>();
  readonly onSelection = new Emitter<SelectionChange>();
  /** A page of bytes or regions arrived or was dropped: the grid re-renders. */
  readonly onPageData = new Emitter<number>();
  /** A checked state's findings arrived: views of its structure (tree, map) refresh, once per state. */
  readonly onFindings = new Emitter<void>();
  /** The document's bytes changed (edit, undo, revert...). */
  readonly onChanged = new Emitter<void>();

  readonly bytes: PagedLoader<Uint8Array>;
  readonly regions: PagedLoader<Region[]>;
  private readonly decor = new LruMap<number, PageDecor>(CACHE_PAGES);

  constructor(readonly host: Host) {
    const onLoaded = (page: number): void => {
      this.decor.delete(page);
      this.onPageData.emit(page);
    };
    this.bytes = new PagedLoader({
      fetch: (page) => host.read(page * PAGE_SIZE, Math.min(PAGE_SIZE, this.size - page * PAGE_SIZE)),
      onLoaded,
      capacity: CACHE_PAGES,
      concurrency: 6,
    });
    this.regions = new PagedLoader({
      fetch: (page) => host.request('regions', { offset: page * PAGE_SIZE, length: PAGE_SIZE }),
      onLoaded,
      capacity: CACHE_PAGES,
      concurrency: 3,
    });
  }

  /** A new document state; `head`: its first bytes, known already (the page's HTML carries them). */
  init(fileName: string, size: number, readOnly: boolean, head?: Uint8Array): void {
    this.fileName = fileName;
    this.size = size;
    this.readOnly = readOnly;
    this.anchor = this.active = 0;
    this.dropAll();
    // Before onInit: the grid then asks only for the pages it does not have.
    for (let page = 0; head && page * PAGE_SIZE < Math.min(head.length, size); page++)
      this.bytes.seed(page, head.subarray(page * PAGE_SIZE, (page + 1) * PAGE_SIZE));
    this.onInit.emit();
  }

  get selStart(): number {
    return Math.min(this.anchor, this.active);
  }

  get selLength(): number {
    return Math.abs(this.active - this.anchor) + 1;
  }

  select(offset: number, length: number, change: SelectionChange): void {
    const start = clamp(offset, 0, Math.max(0, this.size - 1));
    this.anchor = start;
    this.active = clamp(start + Math.max(1, length) - 1, 0, Math.max(0, this.size - 1));
    this.onSelection.emit(change);
  }

  /** Moves the active end; keeps the anchor when extending, else collapses onto it. */
  moveTo(offset: number, extend: boolean, change: SelectionChange): void {
    this.active = clamp(offset, 0, Math.max(0, this.size - 1));
    if (!extend) this.anchor = this.active;
    this.onSelection.emit(change);
  }

  byteAt(offset: number): number | undefined {
    if (offset < 0 || offset >= this.size) return undefined;
    const page = this.bytes.get(Math.floor(offset / PAGE_SIZE));
    return page?.[offset % PAGE_SIZE];
  }

  decorOf(page: number): PageDecor {
    let d = this.decor.get(page);
    if (!d) {
      d = buildDecor(page, this.regions.get(page), this.findings);
      // Keep a decor only once its regions are in, so it is rebuilt when they arrive.
      if (this.regions.get(page)) this.decor.set(page, d);
    }
    return d;
  }

  setFindings(version: number, findings: WireFinding[]): void {
    this.findingsVersion = version;
    this.findings = [...findings].sort((a, b) => a.offset - b.offset);
    // Underlines may change anywhere; region kinds do not (they follow the bytes: `changed` refetches them).
    this.decor.clear();
    this.onFindings.emit();
  }

  changed(size: number, ranges: Array<{ offset: number; length: number }> | 'all'): void {
    this.generation++;
    this.size = size;
    const touched = ranges === 'all' ? Infinity : ranges.reduce((n, r) => n + Math.ceil(r.length / PAGE_SIZE) + 1, 0);
    if (ranges === 'all' || touched > CACHE_PAGES) this.bytes.invalidateAll();
    else for (const r of ranges) this.bytes.invalidate(pagesOf(r.offset, r.length));
    // An edit of one BAT entry can change what a far cluster is: regions are refetched for what is on screen, once
    // per change (the server answers for the state of this change, once checked).
    this.regions.invalidateAll();
    this.decor.clear();
    if (this.active >= size) this.select(Math.max(0, size - 1), 1, { source: 'host', reveal: true });
    this.onChanged.emit();
    this.onPageData.emit(-1);
  }

  private dropAll(): void {
    this.generation++;
    this.bytes.invalidateAll();
    this.regions.invalidateAll();
    this.decor.clear();
    this.findings = [];
  }
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
