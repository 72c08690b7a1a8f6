/**
 * Crash-safe in-place writes of an image: an undo journal beside it, `IMAGE.hdd-lens-journal`.
 *
 * Writing (`applyJournaled`):
 *  1. the journal is written: the old size, the new size, for every patch the old bytes it overwrites inside the
 *     old file, a SHA-256 of all the new bytes, then a trailer (SHA-256 of everything before it + a commit
 *     marker). The journal is fsynced, then its directory (so the journal's name is durable too).
 *  2. the patches are written to the image (new clusters past the old end grow the file), the image is fsynced;
 *  3. the size is set (a truncation always comes last), the image is fsynced;
 *  4. the journal is removed and the directory fsynced.
 *
 * Recovery (`recoverJournal`, which every command runs before it opens an image):
 *  - no trailer or a bad checksum: the writer died while writing the journal, before step 2, so the image was not
 *    touched. The journal is removed.
 *  - a complete journal, and the image is shorter than its old size: the truncation of step 3 happened, and it is
 *    only issued after every patch was written and fsynced, so the image is the complete new state. The new bytes
 *    are verified against the journal's hash and the journal removed (roll forward). We do not store the
 *    truncated tail (a leaked tail can be gigabytes): the order of the steps makes it unnecessary.
 *  - any other complete journal: roll back. The old bytes are written back, the size is set to the old size (this
 *    drops clusters appended past the old end), the image is fsynced, then the journal removed.
 * Recovery is idempotent: a kill during it leaves a state that the next recovery handles the same way. So a kill at
 * any moment leaves, after recovery, exactly the old image or exactly the new one.
 *
 * The journal names its writer (pid, process start time, machine and boot). Recovery leaves alone the journal of
 * a writer that still runs (a write in progress, even one still writing its journal): the command fails instead.
 * A second writer fails early too, since the journal is created exclusively. Crashes are covered as far as the
 * kernel keeps its promises (fsync).
 */
import type { Hash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { EditSet, Patch, mergePatches } from './patch';

/** node:crypto when a journal is first hashed: commands that find no journal do not load it (6 ms at start). */
function createHash(algorithm: string): Hash {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('node:crypto') as typeof import('node:crypto')).createHash(algorithm);
}

export const JOURNAL_SUFFIX = '.hdd-lens-journal';

export function journalPath(imagePath: string): string {
  return imagePath + JOURNAL_SUFFIX;
}

/** A point in the protocol, reported to `onStep` (the crash tests kill the process at each one). */
export type JournalStep =
  | { kind: 'journal-body' }
  | { kind: 'journal-committed' }
  | { kind: 'patch'; index: number; of: number }
  | { kind: 'image-synced' }
  | { kind: 'resized'; size: number }
  | { kind: 'journal-removed' }
  | { kind: 'rollback-restored' }
  | { kind: 'rollback-resized' };

export interface JournalOptions {
  onStep?: (step: JournalStep) => void;
}

export interface ApplyResult {
  oldSize: number;
  newSize: number;
  /** Bytes written to the image (patches). */
  written: number;
  /** Bytes of old data saved in the journal. */
  journalled: number;
}

export interface RecoveryResult {
  /** Whether a journal was found and dealt with (the image may have changed). */
  recovered: boolean;
  /** What happened, in one sentence for the user (empty when there was no journal). */
  message: string;
  /** What recovery did: nothing, dropped a torn journal, rolled back, or kept the completed new state. */
  action: 'none' | 'discarded' | 'rolled-back' | 'rolled-forward';
}

/** A journal that cannot be applied to the image (it does not match it); nothing was changed, the journal is kept. */
export class JournalError extends Error {}

const MAGIC = 'HDLJRNL1';
const COMMIT = 'COMMITTD';
const VERSION = 1;
/**
 * magic (0), version (8), record count (12), old size (16), new size (24), SHA-256 of the new bytes (32), then who
 * writes: pid (64), a digest of the host name and boot id (72, 16 bytes), the process start time (88, u64).
 */
const HEADER_SIZE = 128;
const RECORD_HEADER = 24;
const TRAILER_SIZE = 40;
/** Bytes moved per read or write: a multi-gigabyte patch never needs more memory than this. */
const CHUNK = 8 * 1024 * 1024;

/**
 * Applies `edits` to the file at `path` through the journal. Patches are applied in order (later ones win where they
 * overlap), then the size (if given) is set. Throws on I/O errors; after a throw or a kill, `recoverJournal`
 * restores the old state.
 */
export function applyJournaled(path: string, edits: EditSet, options: JournalOptions = {}): ApplyResult {
  const step = options.onStep ?? (() => undefined);
  const fd = openSync(path, 'r+');
  try {
    const oldSize = fstatSync(fd).size;
    const patches = normalise(edits);
    const newSize = edits.size ?? Math.max(oldSize, endOf(patches));
    const journalled = writeJournal(path, fd, patches, oldSize, newSize, step);
    let written = 0;
    patches.forEach((p, index) => {
      writeAll(fd, p.data, p.offset);
      written += p.data.length;
      step({ kind: 'patch', index, of: patches.length });
    });
    fsyncSync(fd);
    step({ kind: 'image-synced' });
    if (fstatSync(fd).size !== newSize) {
      ftruncateSync(fd, newSize);
      fsyncSync(fd);
      step({ kind: 'resized', size: newSize });
    }
    unlinkSync(journalPath(path));
    fsyncDir(path);
    step({ kind: 'journal-removed' });
    return { oldSize, newSize, written, journalled };
  } finally {
    closeSync(fd);
  }
}

/**
 * Deals with a journal left beside `path` by an interrupted write (see the module comment). Returns
 * `{recovered: false}` when there is none. Throws `JournalError` when the journal does not fit the image (it is
 * then left in place for a person to look at).
 */
export function recoverJournal(path: string, options: JournalOptions = {}): RecoveryResult {
  const jpath = journalPath(path);
  if (!existsSync(jpath)) return { recovered: false, message: '', action: 'none' };
  const step = options.onStep ?? (() => undefined);
  const name = jpath;
  const writer = liveWriter(jpath);
  if (writer !== undefined) {
    throw new JournalError(`${path}: process ${writer} is writing this image now (journal ${name}); try again when it has finished`);
  }
  const journal = readJournal(jpath);
  if (!journal) {
    removeJournal(path, step);
    return {
      recovered: true,
      action: 'discarded',
      message: `removed an incomplete journal (${name}): the interrupted write had not touched the image yet`,
    };
  }
  if (!existsSync(path)) throw new JournalError(`${jpath}: the image this journal belongs to does not exist; the journal was kept`);
  const fd = openSync(path, 'r+');
  let action: 'rolled-back' | 'rolled-forward';
  try {
    action = decide(path, fd, journal);
    if (action === 'rolled-back') rollBack(fd, journal, step);
  } finally {
    closeSync(fd);
  }
  removeJournal(path, step);
  const message =
    action === 'rolled-back'
      ? `rolled back an interrupted repair (journal ${name})`
      : `an interrupted repair had finished writing; kept the repaired image (journal ${name})`;
  return { recovered: true, action, message };
}

/**
 * Roll forward only when the final truncation happened (the old tail is gone, and the order of the steps says
 * every patch was durable before it); otherwise roll back. A size that fits neither story is refused.
 */
function decide(path: string, fd: number, journal: Journal): 'rolled-back' | 'rolled-forward' {
  const size = fstatSync(fd).size;
  const name = journalPath(path);
  if (size < journal.oldSize) {
    if (size === journal.newSize && newBytesMatch(fd, journal)) return 'rolled-forward';
    throw new JournalError(
      `${path}: the image is ${size} bytes, shorter than before the interrupted write (${journal.oldSize}) but not its completed new state; the journal ${name} was kept, do not write to the image`,
    );
  }
  if (size > Math.max(journal.oldSize, journal.newSize, journal.patchEnd)) {
    throw new JournalError(
      `${path}: the image (${size} bytes) does not match its journal ${name} (old size ${journal.oldSize}, new size ${journal.newSize}); the journal was kept`,
    );
  }
  return 'rolled-back';
}

function rollBack(fd: number, journal: Journal, step: (s: JournalStep) => void): void {
  for (const r of journal.records) writeAll(fd, r.old, r.offset);
  step({ kind: 'rollback-restored' });
  if (fstatSync(fd).size !== journal.oldSize) ftruncateSync(fd, journal.oldSize);
  fsyncSync(fd);
  step({ kind: 'rollback-resized' });
}

/**
 * The process that wrote the journal, if it still runs on this machine: its journal is not a crash's leftover but
 * a write in progress (even a "torn" one: it may be writing the journal right now), and must not be touched.
 */
function liveWriter(jpath: string): number | undefined {
  const head = Buffer.alloc(HEADER_SIZE);
  const fd = openSync(jpath, 'r');
  try {
    readAll(fd, head, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString('latin1', 0, 8) !== MAGIC) return undefined;
  const pid = head.readUInt32LE(64);
  if (pid === 0 || pid === process.pid || !head.subarray(72, 88).equals(machineId())) return undefined;
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  // A pid can be reused by an unrelated process: compare start times where the system tells them.
  const recorded = head.readBigUInt64LE(88);
  const now = startTime(pid);
  return recorded !== 0n && now !== undefined && now !== recorded ? undefined : pid;
}

/** This machine in this boot: a journal from before a reboot has no live writer, whatever its pid. */
function machineId(): Buffer {
  let boot = '';
  try {
    boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    // not Linux: the host name alone
  }
  return createHash('sha256').update(`${hostname()}\n${boot}`).digest().subarray(0, 16);
}

/** A process's start time in clock ticks since boot (Linux /proc/PID/stat field 22), if known. */
function startTime(pid: number): bigint | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return BigInt(fields[19]);
  } catch {
    return undefined;
  }
}

/** Disjoint, sorted patches, cut to the new size (bytes past it would be truncated away anyway). */
function normalise(edits: EditSet): Patch[] {
  const merged = mergePatches(edits.patches);
  const size = edits.size;
  if (size === undefined) return merged;
  return merged
    .filter((p) => p.offset < size)
    .map((p) => (p.offset + p.data.length > size ? { offset: p.offset, data: p.data.subarray(0, size - p.offset) } : p));
}

function endOf(patches: readonly Patch[]): number {
  const last = patches[patches.length - 1];
  return last ? last.offset + last.data.length : 0;
}

function hashNewBytes(patches: readonly Patch[]): Buffer {
  const h = createHash('sha256');
  for (const p of patches) h.update(p.data);
  return h.digest();
}

/** Writes, fsyncs and commits the journal; returns how many old bytes it saved. */
function writeJournal(path: string, image: number, patches: Patch[], oldSize: number, newSize: number, step: (s: JournalStep) => void): number {
  const jpath = journalPath(path);
  // Exclusive: a journal already there belongs to another writer or an unrecovered crash; never overwrite it.
  const jfd = openSync(jpath, 'wx');
  let saved = 0;
  try {
    const sum = createHash('sha256');
    let at = 0;
    const put = (bytes: Uint8Array): void => {
      writeAll(jfd, bytes, at);
      sum.update(bytes);
      at += bytes.length;
    };
    const header = Buffer.alloc(HEADER_SIZE);
    header.write(MAGIC, 0, 'latin1');
    header.writeUInt32LE(VERSION, 8);
    header.writeUInt32LE(patches.length, 12);
    header.writeBigUInt64LE(BigInt(oldSize), 16);
    header.writeBigUInt64LE(BigInt(newSize), 24);
    hashNewBytes(patches).copy(header, 32);
    header.writeUInt32LE(process.pid, 64);
    machineId().copy(header, 72);
    header.writeBigUInt64LE(startTime(process.pid) ?? 0n, 88);
    put(header);
    for (const p of patches) saved += putRecord(put, image, p, oldSize);
    step({ kind: 'journal-body' });
    put(Buffer.from(COMMIT, 'latin1'));
    writeAll(jfd, sum.digest(), at);
    fsyncSync(jfd);
  } catch (e) {
    closeQuietly(jfd);
    unlinkQuietly(jpath);
    throw e;
  }
  closeSync(jfd);
  fsyncDir(path);
  step({ kind: 'journal-committed' });
  return saved;
}

/** One record: offset, patch length, old length (the part inside the old file), then the old bytes. */
function putRecord(put: (b: Uint8Array) => void, image: number, p: Patch, oldSize: number): number {
  const oldLength = Math.max(0, Math.min(p.data.length, oldSize - p.offset));
  const head = Buffer.alloc(RECORD_HEADER);
  head.writeBigUInt64LE(BigInt(p.offset), 0);
  head.writeBigUInt64LE(BigInt(p.data.length), 8);
  head.writeBigUInt64LE(BigInt(oldLength), 16);
  put(head);
  const buf = new Uint8Array(Math.min(CHUNK, oldLength));
  for (let done = 0; done < oldLength; ) {
    const piece = buf.subarray(0, Math.min(buf.length, oldLength - done));
    readAll(image, piece, p.offset + done);
    put(piece);
    done += piece.length;
  }
  return oldLength;
}

interface JournalRecord {
  offset: number;
  length: number;
  old: Uint8Array;
}

interface Journal {
  oldSize: number;
  newSize: number;
  newHash: Buffer;
  records: JournalRecord[];
  /** End of the furthest patch: the image may have grown up to here before the kill. */
  patchEnd: number;
}

/** The journal if it is complete and intact, else undefined (a torn write). */
function readJournal(jpath: string): Journal | undefined {
  const fd = openSync(jpath, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < HEADER_SIZE + TRAILER_SIZE) return undefined;
    const trailer = Buffer.alloc(TRAILER_SIZE);
    readAll(fd, trailer, size - TRAILER_SIZE);
    if (trailer.toString('latin1', 0, 8) !== COMMIT) return undefined;
    const body = size - TRAILER_SIZE + 8;
    if (!sha256Of(fd, 0, body).equals(trailer.subarray(8))) return undefined;
    return parseJournal(fd, size - TRAILER_SIZE);
  } finally {
    closeSync(fd);
  }
}

function parseJournal(fd: number, end: number): Journal | undefined {
  const header = Buffer.alloc(HEADER_SIZE);
  readAll(fd, header, 0);
  if (header.toString('latin1', 0, 8) !== MAGIC || header.readUInt32LE(8) !== VERSION) return undefined;
  const count = header.readUInt32LE(12);
  const records: JournalRecord[] = [];
  let at = HEADER_SIZE;
  let patchEnd = 0;
  for (let k = 0; k < count; k++) {
    const head = Buffer.alloc(RECORD_HEADER);
    readAll(fd, head, at);
    const offset = Number(head.readBigUInt64LE(0));
    const length = Number(head.readBigUInt64LE(8));
    const oldLength = Number(head.readBigUInt64LE(16));
    at += RECORD_HEADER;
    if (at + oldLength > end) return undefined;
    const old = new Uint8Array(oldLength);
    readAll(fd, old, at);
    at += oldLength;
    records.push({ offset, length, old });
    patchEnd = Math.max(patchEnd, offset + length);
  }
  return {
    oldSize: Number(header.readBigUInt64LE(16)),
    newSize: Number(header.readBigUInt64LE(24)),
    newHash: header.subarray(32, 64),
    records,
    patchEnd,
  };
}

/** Whether the image holds every patch's new bytes (the hash in the journal covers them in order). */
function newBytesMatch(fd: number, j: Journal): boolean {
  const h = createHash('sha256');
  for (const r of j.records) hashRange(fd, r.offset, r.length, h);
  return h.digest().equals(j.newHash);
}

function sha256Of(fd: number, offset: number, length: number): Buffer {
  const h = createHash('sha256');
  hashRange(fd, offset, length, h);
  return h.digest();
}

function hashRange(fd: number, offset: number, length: number, h: Hash): void {
  const buf = new Uint8Array(Math.min(CHUNK, Math.max(1, length)));
  for (let done = 0; done < length; ) {
    const piece = buf.subarray(0, Math.min(buf.length, length - done));
    readAll(fd, piece, offset + done);
    h.update(piece);
    done += piece.length;
  }
}

function removeJournal(path: string, step: (s: JournalStep) => void): void {
  unlinkSync(journalPath(path));
  fsyncDir(path);
  step({ kind: 'journal-removed' });
}

/** Writes all of `data` at `position` in chunks (writeSync may write less than asked). */
function writeAll(fd: number, data: Uint8Array, position: number): void {
  for (let done = 0; done < data.length; ) {
    const n = writeSync(fd, data, done, Math.min(CHUNK, data.length - done), position + done);
    done += n;
  }
}

/** Reads exactly `target.length` bytes; bytes past the end of the file read as zeros. */
function readAll(fd: number, target: Uint8Array, position: number): void {
  let done = 0;
  while (done < target.length) {
    const n = readSync(fd, target, done, target.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  target.fill(0, done);
}

/**
 * Makes a file's creation or removal durable: fsync of the directory that holds it. Systems that cannot open or
 * sync a directory (Windows; some network file systems) are left to their own ordering.
 */
function fsyncDir(path: string): void {
  let dfd: number;
  try {
    dfd = openSync(dirname(path), 'r');
  } catch (e) {
    if (['EISDIR', 'EPERM', 'EACCES'].includes((e as NodeJS.ErrnoException).code ?? '')) return;
    throw e;
  }
  try {
    fsyncSync(dfd);
  } catch (e) {
    if (!['EINVAL', 'ENOTSUP', 'EISDIR'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    closeSync(dfd);
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // nothing to remove
  }
}
