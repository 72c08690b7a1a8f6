/**
 * Reads never write: a read-only command (check without -r, info, map, convert's input, the language server, a
 * read-only editor) that finds a journal beside the image does not recover it. It describes the image as
 * recovery would leave it, and says so:
 *  - recovery would roll back: the image is shown as before the interrupted write, read through the journal's
 *    old bytes (`RolledBackSource`). That is the state the next write will start from, it is consistent even while
 *    a writer is still running (the journal's old bytes never change, and nothing outside its ranges is written),
 *    and it works where nothing can be written (a read-only mount, a snapshot, a backup, another user's image).
 *  - recovery would keep the new state (the write had finished): the image as it is.
 *  - the journal does not fit (planted, damaged, stale): the image as it is, with a warning that it may be
 *    half-written; the journal is not trusted for anything.
 * We chose describing over refusing because the commonest reader of such an image is someone checking a backup
 * or a read-only snapshot of a disk, who cannot run recovery there and still needs to know what the disk holds.
 */
import { type Stats, closeSync, realpathSync } from 'node:fs';
import { type ByteSource, clampRange } from './byteSource';
import { FileSource } from './fileSource';
import { writerOf } from './imageLock';
import { type Journal, OldState, assess, findJournal, readJournal } from './journal';
import { openRegularFile } from './openFile';

/** An image opened for reading, possibly through a pending journal. */
export interface ImageView {
  source: ByteSource & { close(): void };
  /** fstat of the image (its blocks, for `info`'s disk size). */
  stat: Stats;
  /** What the reader must be told (a pending journal, a writer at work), or undefined. */
  notice?: string;
  /** Whether the source shows the rolled-back state rather than the bytes on disk. */
  rolledBack: boolean;
}

/** Opens `path` for reading (links followed: the caller named it) and looks for a pending journal. */
export function openImageView(path: string): ImageView {
  const { fd, stat } = openRegularFile(path, 'read', { followLinks: true });
  let journal: Journal | undefined;
  try {
    const base = new FileSource(path, fd, true);
    // Journals are written beside the real file (writers never follow links), maybe under another name of it.
    const jpath = findJournal(realpathQuiet(path), stat);
    if (jpath === undefined) return owned(base, stat);
    const writer = writerOf(fd, stat);
    const busy = writer ? ` ${path} is being written right now by ${writer}.` : '';
    const file = readJournal(jpath);
    if (file.kind === 'unusable')
      return owned(base, stat, `${path}: ${file.reason}.${busy} The image is shown as it is on disk, which may be half-written; nothing was written`);
    journal = file.journal;
    const verdict = assess(journal, { path, fd, stat });
    if (verdict.kind === 'refuse') {
      return owned(base, stat, `${path}: the journal ${jpath} is ignored: ${verdict.reason}.${busy} The image is shown as it is on disk; nothing was written`);
    }
    if (verdict.kind === 'roll-forward') {
      return owned(
        base,
        stat,
        `${path}: an interrupted write had finished (journal ${jpath}); shown as it is. \`hdd-lens recover ${path}\` removes the journal`,
      );
    }
    const source = new RolledBackSource(base, journal, fd);
    journal = undefined;
    const what = writer
      ? `${path} is being written right now by ${writer}; shown as it was before that write (journal ${jpath})`
      : `${path}: a write was interrupted (journal ${jpath}); shown as it will be once it is rolled back: \`hdd-lens recover ${path}\`, \`check -r\` or a save in the editor does that`;
    return { source, stat, notice: what, rolledBack: true };
  } catch (e) {
    if (journal) closeSync(journal.fd);
    closeSync(fd);
    throw e;
  }
}

function owned(source: FileSource, stat: Stats, notice?: string): ImageView {
  return notice === undefined ? { source, stat, rolledBack: false } : { source, stat, notice, rolledBack: false };
}

function realpathQuiet(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The image as before the interrupted write: the journal's old bytes over the file, cut to the old size. */
export class RolledBackSource implements ByteSource {
  private readonly old: OldState;

  constructor(
    private readonly base: FileSource,
    private readonly journal: Journal,
    fd: number,
  ) {
    this.old = new OldState(fd, journal.fd, journal.records, journal.oldSize);
  }

  get name(): string {
    return this.base.name;
  }

  get size(): number {
    return this.journal.oldSize;
  }

  read(offset: number, length: number): Uint8Array {
    const [start, end] = clampRange(offset, length, this.size);
    const out = new Uint8Array(end - start);
    this.old.readInto(start, out);
    return out;
  }

  readInto(offset: number, target: Uint8Array): number {
    const [start, end] = clampRange(offset, target.length, this.size);
    this.old.readInto(start, target.subarray(0, end - start));
    return end - start;
  }

  close(): void {
    closeSync(this.journal.fd);
    this.base.close();
  }
}
