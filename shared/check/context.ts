import type { DecodedImage } from '../format/image';
import type { Geometry } from '../format/geometry';
import type { ProgressCallback } from '../io/progress';
import { type BatScan, scanBat, scanBatReporting } from './batScan';
import type { Finding } from './finding';
import { type MetadataRange, mappedCandidates, metadataRanges } from './metadata';
import type { RuleInfo } from './ruleInfo';

/**
 * What every rule sees: the decoded image and the shared, lazily computed analyses (the BAT scan, the metadata
 * ranges), so that the costly pass over the BAT runs once however many rules read it.
 */
export class CheckContext {
  private scanCache: BatScan | undefined;
  private metadataCache: MetadataRange[] | undefined;
  private mappedCache: Set<number> | undefined;

  constructor(
    readonly image: DecodedImage,
    /** Most instances one rule reports one by one before folding the rest into a summary finding. */
    readonly findingLimit = 10000,
    /** A BAT scan of this image made elsewhere (another thread, or kept current by edits), used instead of a new one. */
    scan?: BatScan,
  ) {
    this.scanCache = scan;
  }

  /** The geometry, or undefined when a fatal header problem hides it (rules then have nothing to check). */
  get geometry(): Geometry | undefined {
    return this.image.geometry;
  }

  /** The BAT, when it is held (a streamed check keeps only the scan: use `batEntries` and the scan's values). */
  get bat(): Uint32Array {
    return this.image.bat ?? new Uint32Array(0);
  }

  /** BAT entries the file holds (held in `bat`, or counted by the scan that streamed them). */
  get batEntries(): number {
    return this.image.bat?.length ?? this.scanCache?.entries ?? 0;
  }

  get metadata(): MetadataRange[] {
    return (this.metadataCache ??= metadataRanges(this.image, this.mappedMetadata));
  }

  /** The metadata candidates (bitmap clusters, a bad-magic extension) a BAT entry maps: see mappedCandidates. */
  get mappedMetadata(): ReadonlySet<number> {
    return (this.mappedCache ??= mappedCandidates(this.image));
  }

  /** The shared BAT pass; undefined when there is no geometry. */
  get scan(): BatScan | undefined {
    const g = this.geometry;
    if (!g) return undefined;
    return (this.scanCache ??= scanBat(g, this.bat, this.metadata));
  }

  /**
   * Runs the BAT scan now, unless it ran, calling `onProgress(entries scanned, entries)` by pieces: the costly part
   * of a check of a large BAT, which a repair planner reports while it runs. The scan is the one `scan` gives.
   */
  scanReporting(onProgress: ProgressCallback): void {
    const g = this.geometry;
    if (g && !this.scanCache) this.scanCache = scanBatReporting(g, this.bat, this.metadata, onProgress);
  }

  /** A finding of `rule` with the rule's code, severity, category and repair text filled in. */
  finding(rule: RuleInfo, message: string, offset: number, length: number, extra: Partial<Finding> = {}): Finding {
    const f: Finding = { code: rule.code, severity: rule.severity, category: rule.category, message, offset, length, ...extra };
    // A rule passing `repair: undefined` says this instance has no repair (an info-level variant, a NECESSARY feature).
    if (rule.fix !== undefined && !('repair' in extra)) {
      f.repair = rule.fix;
      f.repairMode = rule.category === 'leak' ? 'leaks' : 'all';
    }
    return f;
  }

  /**
   * Findings for many instances: the first `findingLimit` one by one, the rest as one summary (a 16M-entry BAT
   * of duplicates must not become 16M objects).
   */
  capped<T>(rule: RuleInfo, items: Iterable<T>, make: (item: T) => Finding, summary: (rest: number, first: T) => Finding): Finding[] {
    const out: Finding[] = [];
    let rest = 0;
    let firstRest: T | undefined;
    for (const item of items) {
      if (out.length < this.findingLimit) out.push(make(item));
      else if (rest++ === 0) firstRest = item;
    }
    if (rest > 0) out.push({ ...summary(rest, firstRest as T), count: rest, code: rule.code });
    return out;
  }
}
