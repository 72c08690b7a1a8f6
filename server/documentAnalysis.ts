import { type Finding, findingReport } from '../shared/check/finding';
import type { CheckedState } from '../shared/engine/checked';
import type { DecodedImage } from '../shared/format/image';
import { RangeIndex } from '../shared/describe/rangeIndex';
import type { FileStamp, StateStamp, WireFinding } from '../shared/protocol';
import { type Settings, type SeverityOverride, shownSeverity, wireSeverity } from './settings';
import { BoundedMap } from '../shared/boundedMap';

/** A finding as the settings show it: the engine's finding, its shown severity, and its wire form. */
export interface ShownFinding extends WireFinding {
  finding: Finding;
  shown: SeverityOverride;
}

/** The findings of one analysis as one set of settings shows them, indexed by byte range. */
export class FindingView {
  readonly shown: ShownFinding[];
  readonly index: RangeIndex<ShownFinding>;

  constructor(findings: readonly Finding[], settings: Settings) {
    this.shown = [];
    for (const f of findings) {
      const s = shownSeverity(settings, f.code, f.severity);
      if (s === undefined) continue;
      this.shown.push({ ...findingReport(f), severity: wireSeverity(s), finding: f, shown: s });
    }
    this.index = new RangeIndex(this.shown);
  }

  get wire(): WireFinding[] {
    return this.shown.map(({ finding: _f, shown: _s, ...w }) => w);
  }
}

/**
 * Everything the server knows about one state of a document: the decoded image at once, the check results when
 * the scan is done. Derived products (allocation maps, bulk repair plans, views per settings) are cached here, so
 * they live exactly as long as the state they describe.
 */
export class Analysis {
  private checkedPart: CheckedState | undefined;
  private readonly views = new WeakMap<Settings, FindingView>();
  /** Derived products (allocation maps, bulk plans, page counts): the MAX_DERIVED most recently used. */
  readonly cache = new BoundedMap<string, Promise<unknown>>(MAX_DERIVED);
  /** Quick fixes, by finding: the MAX_QUICK_FIXES most recently used. */
  private readonly syncCache = new BoundedMap<string, unknown>(MAX_QUICK_FIXES);
  private readonly perSettings = new WeakMap<Settings, BoundedMap<string, unknown>>();
  /** Allocated entries per BAT page, by entries per page, once counted (see HddLensServer.countPages). */
  readonly pageCounts = new BoundedMap<number, Uint32Array>(MAX_DERIVED);

  constructor(
    /** Increases with every new state of the document, including changes on disk that keep the version. */
    readonly generation: number,
    readonly version: number,
    /** The image as decoded at once: without its BAT when the BAT is read by the worker. */
    private readonly decoded: DecodedImage,
    /** The file as it was when this state was read (undefined when it could not be stat'ed). */
    readonly file?: FileStamp,
  ) {}

  /** What a fix planned on this state names it by. */
  get state(): StateStamp {
    return this.file ? { generation: this.generation, file: this.file } : { generation: this.generation };
  }

  /** The decoded image: with its BAT once checked (a large BAT arrives from the worker with the scan). */
  get image(): DecodedImage {
    return this.checkedPart?.context.image ?? this.decoded;
  }

  get checked(): CheckedState | undefined {
    return this.checkedPart;
  }

  complete(checked: CheckedState): void {
    this.checkedPart = checked;
  }

  view(settings: Settings): FindingView {
    let v = this.views.get(settings);
    if (!v) {
      v = new FindingView(this.checkedPart?.findings ?? [], settings);
      this.views.set(settings, v);
    }
    return v;
  }

  /** A derived product that depends on the settings too (the structure view's text). */
  memoFor<T>(settings: Settings, key: string, make: () => T): T {
    let m = this.perSettings.get(settings);
    if (!m) {
      m = new BoundedMap(MAX_DERIVED);
      this.perSettings.set(settings, m);
    }
    if (!m.has(key)) m.set(key, make());
    return m.get(key) as T;
  }

  /** A cheap derived product (a quick fix's plan), computed once per analysis and key while it is kept. */
  memoSync<T>(key: string, make: () => T): T {
    if (!this.syncCache.has(key)) this.syncCache.set(key, make());
    return this.syncCache.get(key) as T;
  }

  /** How many derived products are kept (for tests: every cache is bounded). */
  get cached(): number {
    return this.cache.size + this.syncCache.size + this.pageCounts.size;
  }

  /** A derived product, computed once per analysis and key. */
  memo<T>(key: string, make: () => Promise<T>): Promise<T> {
    let p = this.cache.get(key) as Promise<T> | undefined;
    if (!p) {
      p = make();
      this.cache.set(key, p);
      // A failed computation may succeed later (the worker restarts): do not cache the failure. Only its own entry:
      // an abandoned plan fails after a new one took its key.
      const made = p;
      made.catch(() => {
        if (this.cache.has(key) && this.cache.get(key) === made) this.cache.delete(key);
      });
    }
    return p;
  }
}

/** Derived products kept per analysis (each kind: allocation maps of distinct sizes, bulk plans, page counts). */
export const MAX_DERIVED = 16;
/** Quick fixes kept per analysis (a hover or a cursor move asks for a few). */
export const MAX_QUICK_FIXES = 1024;
