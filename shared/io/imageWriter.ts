/**
 * The one way hdd-lens writes an image (repairs, recovery, editor saves): the file is opened read-write without
 * following links (openFile.ts), locked QEMU's way before its first byte is read (imageLock.ts), read, planned and
 * written through that one descriptor, and released after the last write. Every write goes through the journal.
 */
import { type Stats, closeSync } from 'node:fs';
import { FileSource } from './fileSource';
import { type ImageLock, type LockOptions, lockForWriting } from './imageLock';
import { type ApplyResult, type JournalOptions, type RecoveryResult, type WriteTarget, applyEdits, recover } from './journal';
import { openRegularFile } from './openFile';
import type { EditSet } from './patch';

export interface WriterOptions extends JournalOptions, LockOptions {}

export class ImageWriter implements WriteTarget {
  private closed = false;

  private constructor(
    readonly path: string,
    readonly fd: number,
    readonly stat: Stats,
    readonly lock: ImageLock,
    private readonly options: WriterOptions,
  ) {}

  /** Opens and locks `path` for writing; throws `LockError` when another process holds it. */
  static open(path: string, options: WriterOptions = {}): ImageWriter {
    const { fd, stat } = openRegularFile(path, 'write');
    try {
      return new ImageWriter(path, fd, stat, lockForWriting(fd, path, stat, options), options);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /** A reader of the image through the locked descriptor (close it before the writer; it leaves the fd open). */
  source(): FileSource {
    return new FileSource(this.path, this.fd);
  }

  /** Rolls back (or completes) an interrupted write left in the journal; `force` as `assess` allows it. */
  recover(options: { force?: boolean } = {}): RecoveryResult {
    return recover(this, { ...this.options, force: options.force ?? false });
  }

  apply(edits: EditSet): ApplyResult {
    return applyEdits(this, edits, this.options);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.lock.release();
    closeSync(this.fd);
  }
}

/** Runs `f` with the image open and locked for writing, releasing it afterwards (even on a throw). */
export function withImageWriter<T>(path: string, options: WriterOptions, f: (w: ImageWriter) => T): T {
  const w = ImageWriter.open(path, options);
  try {
    return f(w);
  } finally {
    w.close();
  }
}

/** Applies `edits` to the file at `path`: lock, recover nothing (a pending journal refuses the write), apply. */
export function applyJournaled(path: string, edits: EditSet, options: WriterOptions = {}): ApplyResult {
  return withImageWriter(path, options, (w) => w.apply(edits));
}

/** Recovers the journal of the file at `path`, under its lock. */
export function recoverJournal(path: string, options: WriterOptions = {}): RecoveryResult {
  return withImageWriter(path, options, (w) => w.recover({ force: options.force }));
}
