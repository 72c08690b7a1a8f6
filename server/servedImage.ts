import { type FSWatcher, type Stats, statSync, watch } from 'node:fs';
import { type ImageView, openImageView } from '../shared/io/pendingJournal';
import { OverlaySource } from '../shared/io/overlaySource';
import type { EditSet } from '../shared/io/patch';
import { type FileStamp, fileStamp } from '../shared/protocol';
import type { Analysis } from './documentAnalysis';
import type { AnalysisTarget, AnalysisRunner } from './analysisRunner';

/** Changes on disk are handled once they settle for this long (a writer may touch the file several times). */
const SETTLE_MS = 60;

/**
 * One open image: the file (read with positional reads, never whole), the client's unsaved edits as an overlay,
 * the document version, and the analysis of the current state. It never writes the file. Unless its client watches
 * the file (DidOpenParams.clientWatches: one owner per document), it watches the file, and a change on disk
 * re-analyzes it (the unsaved edits stay on top, as the client still has them).
 */
export class ServedImage implements AnalysisTarget {
  private base: ImageView['source'];
  /** What the file's reader must be told (a pending journal: the image is shown as recovery will leave it). */
  notice: string | undefined;
  private overlay: OverlaySource;
  private generation = 0;
  private current!: Analysis;
  private waiters: Array<(a: Analysis) => void> = [];
  private watcher: FSWatcher | undefined;
  /** Whether this server watches the file (false while the client that opened it does). */
  private watching: boolean;
  private settleTimer: NodeJS.Timeout | undefined;
  private seen: Stats | undefined;
  private closed = false;
  private checking = false;
  private lastChecked: Analysis | undefined;
  private queued: (() => Promise<Analysis>) | undefined;

  constructor(
    readonly uri: string,
    readonly path: string,
    public version: number,
    private readonly analyzer: AnalysisRunner,
    /** Called whenever the current state is checked (diagnostics are due). */
    private readonly onChecked: (doc: ServedImage, analysis: Analysis) => void,
    watchDisk = true,
  ) {
    this.watching = watchDisk;
    // Stat before reading: a write in between then shows as a change (a new state), never as a stamp of bytes
    // that were not the ones read.
    this.seen = statQuiet(path);
    this.base = this.openBase();
    this.overlay = new OverlaySource(this.base);
    this.watch();
    this.reanalyze();
  }

  /** Starts or stops watching the file (the client that watched it closed it, or one that watches opened it). */
  watchDisk(on: boolean): void {
    if (on === this.watching) return;
    this.watching = on;
    if (on) return this.watch();
    this.watcher?.close();
    this.watcher = undefined;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
  }

  get source(): OverlaySource {
    return this.overlay;
  }

  get edits(): EditSet {
    return this.overlay.edits;
  }

  /** The file as last read (what fixes planned on the current state name). */
  get file(): FileStamp | undefined {
    return this.seen && fileStamp(this.seen);
  }

  /** The analysis of the current state (its check may still be running: see `ready`). */
  get analysis(): Analysis {
    return this.current;
  }

  /** The newest checked analysis (the current one, or the one before while the current is being checked). */
  get latestChecked(): Analysis {
    return this.current.checked ? this.current : (this.lastChecked ?? this.current);
  }

  /** The current state's analysis once checked. */
  ready(): Promise<Analysis> {
    if (this.current.checked) return Promise.resolve(this.current);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Unsaved edits since the last change, from the client. */
  change(edits: EditSet, version: number): void {
    this.overlay.apply(edits);
    this.version = version;
    const followed = this.analyzer.followEdits(this.current, this.overlay, edits, this.generation + 1, version);
    if (!followed) {
      this.reanalyze();
      return;
    }
    this.generation++;
    this.current = followed;
    this.checked(followed);
  }

  /** The client wrote the document: its edits are in the file now. */
  saved(version: number): void {
    this.version = version;
    this.reopen(false);
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.base.close();
  }

  /** Re-reads the file, keeping (or dropping) the unsaved edits, and analyzes the result. */
  private reopen(keepEdits: boolean): void {
    const edits = keepEdits ? this.overlay.edits : undefined;
    this.base.close();
    this.seen = statQuiet(this.path);
    this.base = this.openBase();
    this.overlay = new OverlaySource(this.base, edits);
    this.reanalyze();
  }

  /**
   * Opens the file for reading (openImageView): a regular file only, never blocking (a FIFO is refused at once,
   * it cannot freeze the server), never writing; a pending journal is read through, not recovered.
   */
  private openBase(): ImageView['source'] {
    const view = openImageView(this.path);
    this.notice = view.notice;
    return view.source;
  }

  private reanalyze(): void {
    const { analysis, check } = this.analyzer.analyze(this, ++this.generation, this.version);
    this.current = analysis;
    if (!check) {
      // Checked already; diagnostics go out after the caller's synchronous work, as for worker checks.
      queueMicrotask(() => {
        if (analysis === this.current && !this.closed) this.checked(analysis);
      });
      return;
    }
    this.queued = check;
    if (!this.checking) void this.runChecks();
  }

  /**
   * Runs worker checks one at a time, always of the newest state: states that arrive while a check runs replace
   * each other, so a burst of edits on a huge image costs one check after the running one, not one per edit.
   */
  private async runChecks(): Promise<void> {
    this.checking = true;
    while (this.queued && !this.closed) {
      const check = this.queued;
      this.queued = undefined;
      const a = await check();
      if (a === this.current && !this.closed) this.checked(a);
    }
    this.checking = false;
  }

  private checked(a: Analysis): void {
    this.lastChecked = a;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(a);
    this.onChecked(this, a);
  }

  /**
   * Watches the file; a replaced file (written elsewhere and renamed over it) ends the watch, so the watch is
   * set up again after every event, and retried while the file is missing.
   */
  private watch(): void {
    if (this.closed || !this.watching) return;
    try {
      this.watcher = watch(this.path, { persistent: false }, () => this.onDiskEvent());
      this.watcher.on('error', () => this.onDiskEvent());
    } catch {
      this.settleTimer = setTimeout(() => this.watch(), 500);
    }
  }

  private onDiskEvent(): void {
    if (this.closed || !this.watching) return;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.watcher?.close();
      this.watcher = undefined;
      const now = statQuiet(this.path);
      if (now && changed(this.seen, now)) {
        try {
          this.reopen(true);
        } catch {
          // Gone between the stat and the open: the next event or retry picks it up.
        }
      }
      this.watch();
    }, SETTLE_MS);
  }
}

function statQuiet(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function changed(before: Stats | undefined, now: Stats): boolean {
  return !before || before.size !== now.size || before.mtimeMs !== now.mtimeMs || before.ino !== now.ino || before.ctimeMs !== now.ctimeMs;
}
