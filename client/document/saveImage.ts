import { execFile } from 'node:child_process';
import { closeSync, fstatSync, ftruncateSync, readSync, writeSync, constants, openSync } from 'node:fs';
import { type ImageWriter, type WriterOptions, withImageWriter } from '../../shared/io/imageWriter';
import { type ApplyResult, JournalError, type RecoveryResult, WriteCancelled, WriteUndone } from '../../shared/io/journal';
import { openRegularFile } from '../../shared/io/openFile';
import type { EditSet } from '../../shared/io/patch';
import type { ImageModel } from './imageModel';

/** The file a document read: which file (device, inode) and in which state (size, modification time). */
export interface DiskStamp {
  size: number;
  mtimeMs: number;
  dev: number;
  ino: number;
}

export interface SaveOptions extends WriterOptions {
  /**
   * The file as the document last read it. The save refuses when the file under the lock is another one, or
   * changed since (another program wrote it): the edits were made on other bytes.
   */
  expected?: DiskStamp;
  /** The document showed the image rolled back through a pending journal: recovery leaves what it showed. */
  readRolledBack?: boolean;
  /** Told when the save first recovered an interrupted write. */
  onRecovered?: (r: RecoveryResult) => void;
}

/**
 * Saving writes only the unsaved edits, through the same journal and lock as the CLI (imageWriter.ts): the image
 * is locked (refused while a VM or another writer holds it), an interrupted earlier write is recovered first (a
 * save is a write the user asked for), the file is checked to be the one the document read, then the edits are
 * applied. A kill at any moment leaves the old image or the new one.
 */
export function saveImage(model: ImageModel, path: string, options: SaveOptions = {}): ApplyResult {
  const { result } = saveEdits(model.pendingEdits, path, options);
  model.markSaved();
  return result;
}

/** What a save wrote, and the file's stamp right after, taken under the lock (no other writer in between). */
export interface Saved {
  result: ApplyResult;
  stamp: DiskStamp;
}

/** What `saveImage` writes, without the model: the save worker (saveWorker.ts) runs this with the edits sent to it. */
export function saveEdits(edits: EditSet, path: string, options: SaveOptions = {}): Saved {
  return withImageWriter(path, options, (w) => {
    const recovered = w.recover();
    if (recovered.recovered) options.onRecovered?.(recovered);
    requireSameFile(w, options, recovered);
    try {
      return { result: w.apply(edits), stamp: stampOfFd(w.fd) };
    } catch (e) {
      // Rolled back (failed or cancelled): the bytes are the ones the document read, but the modification time
      // moved on. Any other error (the rollback failed too) leaves the journal, and no stamp to take.
      if (e instanceof WriteUndone) throw new SaveUndone(e.message, stampOfFd(w.fd), e instanceof WriteCancelled);
      throw e;
    }
  });
}

/**
 * A save that failed or was cancelled (`cancelled`) and was rolled back: the image holds exactly what it held
 * before. `stamp` is the file's after the rollback, taken under the lock: the document takes it as its own, else
 * its next save would see "another program wrote the file".
 */
export class SaveUndone extends WriteUndone {
  constructor(
    message: string,
    readonly stamp: DiskStamp,
    readonly cancelled: boolean,
  ) {
    super(message);
  }
}

function requireSameFile(w: ImageWriter, options: SaveOptions, recovered: RecoveryResult): void {
  const want = options.expected;
  if (!want) return;
  const now = fstatSync(w.fd);
  if (now.ino !== want.ino || now.dev !== want.dev) {
    throw new JournalError(
      `${w.path}: is not the file this document read (it was replaced since, device ${want.dev} inode ${want.ino} then, ${now.dev}/${now.ino} now): nothing was written; reopen it`,
    );
  }
  // After rolling back the write whose old state the document showed, the file is what the document showed.
  if (recovered.action === 'rolled-back' && options.readRolledBack) return;
  if (now.size !== want.size || now.mtimeMs !== want.mtimeMs) {
    throw new JournalError(
      `${w.path}: changed on disk since the document read it (another program wrote it): nothing was written; revert or reload the document, then redo the edits`,
    );
  }
}

/** The stamp of an open descriptor (what `expected` compares). */
export function stampOfFd(fd: number): DiskStamp {
  const s = fstatSync(fd);
  return { size: s.size, mtimeMs: s.mtimeMs, dev: s.dev, ino: s.ino };
}

/** Copies a file keeping its holes: GNU cp finds them with SEEK_HOLE; elsewhere a copy that skips zero chunks. */
export async function copySparse(source: string, target: string): Promise<void> {
  // Refuse a FIFO or device as the source before cp could block on it.
  closeSync(openRegularFile(source, 'read', { followLinks: true }).fd);
  const viaCp = await new Promise<boolean>((resolve) => {
    if (process.platform !== 'linux') return resolve(false);
    execFile('cp', ['--sparse=always', '--no-dereference', '--', source, target], (err) => resolve(!err));
  });
  if (!viaCp) copySkippingZeros(source, target);
}

const CHUNK = 1024 * 1024;

function copySkippingZeros(source: string, target: string): void {
  const from = openRegularFile(source, 'read', { followLinks: true }).fd;
  let to: number | undefined;
  try {
    to = openSync(target, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (constants.O_NOFOLLOW ?? 0), 0o644);
    const size = fstatSync(from).size;
    ftruncateSync(to, size);
    const buf = new Uint8Array(CHUNK);
    for (let at = 0; at < size;) {
      const n = readSync(from, buf, 0, Math.min(CHUNK, size - at), at);
      if (n === 0) break;
      const piece = buf.subarray(0, n);
      if (piece.some((b) => b !== 0)) writeAll(to, piece, at);
      at += n;
    }
  } finally {
    closeSync(from);
    if (to !== undefined) closeSync(to);
  }
}

function writeAll(fd: number, data: Uint8Array, position: number): void {
  for (let done = 0; done < data.length;) done += writeSync(fd, data, done, data.length - done, position + done);
}
