/**
 * Crash-safe in-place writes of an image: an undo journal beside it, `IMAGE.hdd-lens-journal`, bound to one file.
 *
 * Writing (`applyEdits`, by a writer that holds the image's lock: imageWriter.ts):
 *  1. the journal is written under a temporary name (`IMAGE.hdd-lens-journal.tmp`, O_EXCL, mode 0600): the image's
 *     device, inode, owner and size before and after, then one record per target range of the edit set (copy
 *     targets and patches, merged): its place, a SHA-256 of its old bytes, a SHA-256 of its new bytes, and the old
 *     bytes themselves (streamed from the image in bounded chunks). A trailer (SHA-256 of everything before it)
 *     closes it. It is fsynced, linked to its real name (never replacing a file there), and the directory fsynced.
 *     So a journal under the real name is always complete: one that is not was damaged afterwards.
 *  2. the ranges are written in order, chunk by chunk: copies read their source from the state *before* the set
 *     (where an earlier range of the set already overwrote a source, its old bytes come from the journal), patches
 *     win over copies. The image is fsynced.
 *  3. the size is set (a truncation always comes last), the image fsynced;
 *  4. the journal is removed and the directory fsynced.
 * A write that fails (ENOSPC, EIO) is rolled back at once from the journal; if that fails too, the error says the
 * image is half-written and where the journal is.
 *
 * Recovery (`recover`: only commands asked to write run it, under the image's lock, so no writer is alive) checks
 * that the journal belongs to the image before it writes a byte: same device and inode, owned by the image's
 * owner (or root, or the user recovering), not writable by others, a regular file that is not a link; then every
 * record is compared with the image: its bytes are the old ones, the new ones, or (one record only, the one being
 * written when the writer died, between the new ones before it and the old ones after it) torn.
 *  - every record new and the size the new size: the write had finished; the journal is removed (roll forward).
 *  - otherwise: the old bytes are written back, the old size set, the image fsynced, the journal removed.
 *  - anything else (the image was replaced, changed since, or several records torn, as a power loss can leave
 *    them when the disk reorders writes): nothing is written and the journal is kept. `force` overrides only the
 *    torn-records rule and the device number (which may change across reboots), never the inode or the owner.
 * A damaged journal, or a file at the journal's name that is not a journal, is kept and reported: never deleted.
 * Read-only commands never recover: they describe the image as recovery would leave it (pendingJournal.ts).
 */
import type { Hash } from 'node:crypto';
import {
  type Stats,
  closeSync,
  constants,
  fchownSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  linkSync,
  lstatSync,
  openSync,
  readSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { FileKindError, openRegularFile, pathExists } from './openFile';
import { type CopyRun, type EditSet, type Patch, mergePatches } from './patch';

/** node:crypto when a journal is first hashed: commands that find no journal do not load it (6 ms at start). */
function createHash(algorithm: string): Hash {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('node:crypto') as typeof import('node:crypto')).createHash(algorithm);
}

export const JOURNAL_SUFFIX = '.hdd-lens-journal';
/** Where a journal is written before it is complete. */
export const PARTIAL_SUFFIX = '.tmp';

/** Whether a file name is a journal's, complete or being written: a folder watcher has nothing to reread for it. */
export function isJournalName(name: string): boolean {
  return name.endsWith(JOURNAL_SUFFIX) || name.endsWith(JOURNAL_SUFFIX + PARTIAL_SUFFIX);
}

export function journalPath(imagePath: string): string {
  return imagePath + JOURNAL_SUFFIX;
}

/**
 * The journal of the image at `path` (whose stat is `stat`): `IMAGE.hdd-lens-journal`, or else one in the same
 * folder whose header names this file's device and inode: the journal of a write made through another name of the
 * same file (a hard link). Undefined when there is none.
 */
export function findJournal(path: string, stat: Stats): string | undefined {
  const own = journalPath(path);
  if (pathExists(own)) return own;
  const dir = dirname(path);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const name of names) {
    if (!name.endsWith(JOURNAL_SUFFIX)) continue;
    const candidate = join(dir, name);
    if (namesFile(candidate, stat)) return candidate;
  }
  return undefined;
}

/** Whether the journal at `jpath` (a regular file with our magic) was written for the file of `stat`. */
function namesFile(jpath: string, stat: Stats): boolean {
  let fd: number;
  try {
    fd = openRegularFile(jpath, 'read').fd;
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(HEADER_SIZE);
    readAll(fd, head, 0);
    return head.toString('latin1', 0, 8) === MAGIC && head.readBigUInt64LE(32) === BigInt(stat.dev) && head.readBigUInt64LE(40) === BigInt(stat.ino);
  } finally {
    closeSync(fd);
  }
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
  /**
   * Called at each step (tracing, test delays and kills). A hook that throws stops the write right there, as a
   * kill would, with no rollback: the crash tests use it; the journal is left for recovery.
   */
  onStep?: (step: JournalStep) => void;
  /**
   * Progress through the covered ranges, in bytes: the journal pass (old bytes saved, new bytes hashed), then the
   * image pass, so `total` is twice their length. A hook that throws fails the write like an I/O error: before the
   * image pass nothing was written (the temporary journal is removed), during it the image is rolled back at once.
   * Throwing `WriteCancelled` is how a user's cancel is asked for; the error then says the write was cancelled.
   */
  onProgress?: (done: number, total: number) => void;
}

/** What a throwing step hook becomes: passed through untouched, never rolled back (see `onStep`). */
class StoppedAtStep extends Error {
  constructor(readonly hookError: unknown) {
    super('stopped at a journal step');
  }
}

function stepper(options: JournalOptions): (s: JournalStep) => void {
  const hook = options.onStep;
  if (!hook) return () => undefined;
  return (s) => {
    try {
      hook(s);
    } catch (e) {
      throw new StoppedAtStep(e);
    }
  };
}

/** Runs `f`, turning a stop at a step back into the hook's own error. */
function unwrapStops<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof StoppedAtStep) throw e.hookError;
    throw e;
  }
}

export interface ApplyResult {
  oldSize: number;
  newSize: number;
  /** Bytes written to the image (patches and copies). */
  written: number;
  /** Bytes of old data saved in the journal. */
  journalled: number;
}

export interface RecoveryResult {
  /** Whether a journal was found and dealt with (the image may have changed). */
  recovered: boolean;
  /** What happened, in one sentence for the user (empty when there was no journal). */
  message: string;
  action: 'none' | 'rolled-back' | 'rolled-forward';
}

/** A journal that cannot be applied, or a write that failed; the message says what is on disk and what to do. */
export class JournalError extends Error {}

/** A write that failed or was cancelled and was rolled back: the image holds exactly its old bytes and size. */
export class WriteUndone extends JournalError {}

/** A write stopped because its user cancelled it (thrown by an `onProgress` hook); the image is unchanged. */
export class WriteCancelled extends WriteUndone {}

/** Counts the bytes a write goes through for `onProgress` (nothing when there is no hook). */
type Tick = (bytes: number) => void;

function ticker(options: JournalOptions, plan: Plan): Tick {
  const hook = options.onProgress;
  if (!hook) return () => undefined;
  const total = 2 * plan.ranges.reduce((n, r) => n + r.length, 0);
  let done = 0;
  return (bytes) => hook((done += bytes), total);
}

/** The image a writer holds: opened O_RDWR without following links, and locked. */
export interface WriteTarget {
  path: string;
  fd: number;
  stat: Stats;
}

const MAGIC = 'HDLJRNL2';
const OLD_MAGICS = ['HDLJRNL1'];
const COMMIT = 'COMMITTD';
const VERSION = 2;
/**
 * magic (0), version (8), record count (12), old size (16), new size (24), device (32), inode (40), owner uid (48),
 * gid (52), the journal's own length up to the trailer (56).
 */
const HEADER_SIZE = 128;
/** offset, length, old length (the part inside the old file), SHA-256 of the old bytes, SHA-256 of the new bytes. */
const RECORD_HEADER = 88;
const TRAILER_SIZE = 40;
/** Bytes moved per read or write: memory stays bounded whatever the edit set moves. */
const CHUNK = 4 * 1024 * 1024;
/** The longest range one journal record covers. */
const MAX_RECORD = 1024 * 1024;

// ---- the plan: what an edit set writes ----

interface Range {
  offset: number;
  length: number;
}

interface Plan {
  oldSize: number;
  newSize: number;
  /** Sorted, disjoint: every byte the set writes. */
  ranges: Range[];
  /** Sorted by target, cut to the new size. */
  copies: CopyRun[];
  /** Merged (sorted, disjoint), cut to the new size. */
  patches: Patch[];
}

function planOf(edits: EditSet, oldSize: number, file: string): Plan {
  validate(edits, file);
  const ends = [oldSize, ...edits.patches.map((p) => p.offset + p.data.length), ...(edits.copies ?? []).map((c) => c.offset + c.length)];
  const newSize = edits.size ?? Math.max(...ends);
  const patches = mergePatches(edits.patches)
    .filter((p) => p.offset < newSize)
    .map((p) => (p.offset + p.data.length > newSize ? { offset: p.offset, data: p.data.subarray(0, newSize - p.offset) } : p));
  const copies = (edits.copies ?? [])
    .filter((c) => c.length > 0 && c.offset < newSize)
    .map((c) => ({ ...c, length: Math.min(c.length, newSize - c.offset) }))
    .sort((a, b) => a.offset - b.offset);
  for (let k = 1; k < copies.length; k++) {
    if (copies[k].offset < copies[k - 1].offset + copies[k - 1].length)
      throw new JournalError(`${file}: refusing an edit set whose copies overlap at offset ${copies[k].offset}`);
  }
  const ranges = mergeRanges([...copies, ...patches.map((p) => ({ offset: p.offset, length: p.data.length }))]);
  return { oldSize, newSize, ranges, copies, patches };
}

/**
 * Every offset and size must be a non-negative safe integer: node writes a non-integer or negative position at the
 * file's *current* position, and rounds beyond 2^53. A wrong number is refused before anything is written.
 */
function validate(edits: EditSet, file: string): void {
  const bad = (what: string, v: number): JournalError =>
    new JournalError(`${file}: refusing to write: ${what} ${String(v)} is not a byte offset (a non-negative safe integer)`);
  const check = (what: string, v: number): void => {
    if (!Number.isSafeInteger(v) || v < 0) throw bad(what, v);
  };
  if (edits.size !== undefined) check('size', edits.size);
  for (const p of edits.patches) {
    check('patch offset', p.offset);
    check('patch end', p.offset + p.data.length);
  }
  for (const c of edits.copies ?? []) {
    check('copy offset', c.offset);
    check('copy length', c.length);
    check('copy source', c.from);
    check('copy end', c.offset + c.length);
    check('copy source end', c.from + c.length);
  }
}

/**
 * Sorted, disjoint ranges covering `ranges`, each at most MAX_RECORD long: a record is the unit recovery checks
 * (old, new, or the one torn at a kill), so smaller records keep what a kill can tear small, while the record
 * list stays metadata (10 GiB of copies is 10,240 records).
 */
function mergeRanges(ranges: Range[]): Range[] {
  const sorted = ranges.filter((r) => r.length > 0).sort((a, b) => a.offset - b.offset);
  const merged: Range[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r.offset <= last.offset + last.length) last.length = Math.max(last.length, r.offset + r.length - last.offset);
    else merged.push({ offset: r.offset, length: r.length });
  }
  const out: Range[] = [];
  for (const r of merged) {
    for (let at = 0; at < r.length; at += MAX_RECORD) out.push({ offset: r.offset + at, length: Math.min(MAX_RECORD, r.length - at) });
  }
  return out;
}

// ---- the old state (the image before the set) and the new bytes of a range ----

interface Record {
  offset: number;
  length: number;
  oldLength: number;
  oldHash: Buffer;
  newHash: Buffer;
  /** Where the old bytes start in the journal. */
  at: number;
}

/**
 * Reads the state before the edit set: the journal's old bytes where a record covers them (those may have been
 * overwritten in the image already), the image elsewhere (the set writes nothing outside its records), zeros past
 * the old size.
 */
export class OldState {
  constructor(
    private readonly image: number,
    private readonly journal: number,
    private readonly records: readonly Record[],
    readonly size: number,
  ) {}

  readInto(offset: number, target: Uint8Array): void {
    target.fill(0);
    const end = Math.min(offset + target.length, this.size);
    let pos = offset;
    let k = firstEndingAfter(this.records, pos);
    while (pos < end) {
      const r = this.records[k];
      if (r && r.offset <= pos) {
        const stop = Math.min(end, r.offset + r.length);
        const oldStop = Math.min(stop, r.offset + r.oldLength);
        if (pos < oldStop) readAll(this.journal, target.subarray(pos - offset, oldStop - offset), r.at + (pos - r.offset));
        pos = stop;
        k++;
      } else {
        const stop = Math.min(end, r ? r.offset : end);
        readAll(this.image, target.subarray(pos - offset, stop - offset), pos);
        pos = stop;
      }
    }
  }
}

function firstEndingAfter<T extends Range>(list: readonly T[], pos: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].offset + list[mid].length <= pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The new bytes of [offset, offset + target.length): copies read from the old state, then patches on top. */
function renderNew(plan: Plan, old: { readInto(offset: number, target: Uint8Array): void }, offset: number, target: Uint8Array): void {
  target.fill(0);
  const end = offset + target.length;
  for (let k = firstEndingAfter(plan.copies, offset); k < plan.copies.length && plan.copies[k].offset < end; k++) {
    const c = plan.copies[k];
    const a = Math.max(offset, c.offset);
    const b = Math.min(end, c.offset + c.length);
    old.readInto(c.from + (a - c.offset), target.subarray(a - offset, b - offset));
  }
  const patches = plan.patches;
  let k = firstEndingAfter(
    patches.map((p) => ({ offset: p.offset, length: p.data.length })),
    offset,
  );
  for (; k < patches.length && patches[k].offset < end; k++) {
    const p = patches[k];
    const a = Math.max(offset, p.offset);
    const b = Math.min(end, p.offset + p.data.length);
    target.set(p.data.subarray(a - p.offset, b - p.offset), a - offset);
  }
}

// ---- writing ----

/**
 * Applies `edits` to the held image through the journal (see the module comment). Copies read the state before
 * the set; patches are applied in order (later ones win); then the size, if given, is set. A failed write is
 * rolled back before this throws.
 */
export function applyEdits(target: WriteTarget, edits: EditSet, options: JournalOptions = {}): ApplyResult {
  return unwrapStops(() => apply(target, edits, stepper(options), options));
}

function apply(target: WriteTarget, edits: EditSet, step: (s: JournalStep) => void, options: JournalOptions): ApplyResult {
  const { path, fd } = target;
  const plan = planOf(edits, fstatSync(fd).size, path);
  const jpath = journalPath(path);
  const tick = ticker(options, plan);
  const { jfd, records, journalled } = writeJournal(target, plan, step, tick);
  let written = 0;
  try {
    try {
      const old = new OldState(fd, jfd, records, plan.oldSize);
      const buf = new Uint8Array(CHUNK);
      plan.ranges.forEach((r, index) => {
        for (let done = 0; done < r.length;) {
          const piece = buf.subarray(0, Math.min(CHUNK, r.length - done));
          renderNew(plan, old, r.offset + done, piece);
          writeAll(fd, piece, r.offset + done);
          done += piece.length;
          tick(piece.length);
        }
        written += r.length;
        step({ kind: 'patch', index, of: plan.ranges.length });
      });
      fsyncSync(fd);
      step({ kind: 'image-synced' });
      if (fstatSync(fd).size !== plan.newSize) {
        ftruncateSync(fd, plan.newSize);
        fsyncSync(fd);
        step({ kind: 'resized', size: plan.newSize });
      }
    } catch (e) {
      throw rollBackAfterFailure(target, jfd, records, plan.oldSize, jpath, e, step);
    }
    removeJournal(jpath, step);
  } finally {
    closeSync(jfd);
  }
  return { oldSize: plan.oldSize, newSize: plan.newSize, written, journalled };
}

/** A write failed midway: put the old bytes back now, and say what state the image is in. */
function rollBackAfterFailure(
  target: WriteTarget,
  jfd: number,
  records: Record[],
  oldSize: number,
  jpath: string,
  cause: unknown,
  step: (s: JournalStep) => void,
): unknown {
  if (cause instanceof StoppedAtStep) return cause;
  const why = cause instanceof WriteCancelled ? 'cancelled' : describeError(cause);
  try {
    rollBack(target.fd, jfd, records, oldSize, step);
    removeJournal(jpath, step);
  } catch (again) {
    return new JournalError(
      `${target.path}: writing failed (${why}) and rolling back failed too (${describeError(again)}): the image is half-written. The journal ${jpath} holds its old bytes: run \`hdd-lens recover ${target.path}\` (or save again in the editor) once the cause is fixed; do not use the image before`,
    );
  }
  if (cause instanceof WriteCancelled)
    return new WriteCancelled(`${target.path}: the write was cancelled; rolled back: the image is exactly as it was before, nothing was changed`);
  return new WriteUndone(`${target.path}: writing failed (${why}); rolled back: the image is exactly as it was before, nothing was changed`);
}

interface Written {
  jfd: number;
  records: Record[];
  journalled: number;
}

/** Writes the journal under its temporary name, commits it (fsync, link to the real name, fsync the folder). */
function writeJournal(target: WriteTarget, plan: Plan, step: (s: JournalStep) => void, tick: Tick): Written {
  const jpath = journalPath(target.path);
  if (pathExists(jpath))
    throw new JournalError(
      `${target.path}: ${jpath} exists (a pending journal, or a file someone put there); recover the image first (\`hdd-lens recover ${target.path}\`), nothing was written`,
    );
  const tmp = jpath + PARTIAL_SUFFIX;
  removeDeadPartial(tmp);
  let jfd: number;
  try {
    jfd = openSync(tmp, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0), 0o600);
  } catch (e) {
    throw new JournalError(`${target.path}: cannot create the journal ${tmp} (${describeError(e)}); nothing was written`);
  }
  try {
    const { body, records } = fillJournal(target, jfd, plan, tick);
    step({ kind: 'journal-body' });
    const trailer = Buffer.alloc(TRAILER_SIZE);
    trailer.write(COMMIT, 0, 'latin1');
    hashOf(jfd, 0, body).copy(trailer, 8);
    writeAll(jfd, trailer, body);
    fsyncSync(jfd);
    commit(tmp, jpath);
    fsyncDir(jpath);
    step({ kind: 'journal-committed' });
    return { jfd, records, journalled: records.reduce((n, r) => n + r.oldLength, 0) };
  } catch (e) {
    closeQuietly(jfd);
    if (e instanceof StoppedAtStep) throw e;
    unlinkQuietly(tmp);
    if (e instanceof WriteCancelled) throw new WriteCancelled(`${target.path}: the write was cancelled before it touched the image; nothing was changed`);
    if (e instanceof JournalError) throw e;
    throw new JournalError(`${target.path}: could not write the journal ${tmp} (${describeError(e)}); nothing was written to the image`);
  }
}

/** The header and the records; returns them and the journal's length (where the trailer goes). */
function fillJournal(target: WriteTarget, jfd: number, plan: Plan, tick: Tick): { body: number; records: Record[] } {
  const { fd, stat } = target;
  // Root repairing someone's image: the journal belongs to the image's owner, who may have to recover it.
  if (typeof process.geteuid === 'function' && process.geteuid() === 0 && stat.uid !== 0) fchownSync(jfd, stat.uid, stat.gid);
  const header = Buffer.alloc(HEADER_SIZE);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt32LE(VERSION, 8);
  header.writeUInt32LE(plan.ranges.length, 12);
  header.writeBigUInt64LE(BigInt(plan.oldSize), 16);
  header.writeBigUInt64LE(BigInt(plan.newSize), 24);
  header.writeBigUInt64LE(BigInt(stat.dev), 32);
  header.writeBigUInt64LE(BigInt(stat.ino), 40);
  header.writeUInt32LE(stat.uid, 48);
  header.writeUInt32LE(stat.gid, 52);
  let at = HEADER_SIZE;
  const records: Record[] = [];
  // Nothing is written to the image yet: the old state is the image itself.
  const old = { readInto: (offset: number, t: Uint8Array) => readAll(fd, t, offset, plan.oldSize) };
  const buf = new Uint8Array(CHUNK);
  for (const r of plan.ranges) {
    const oldLength = Math.max(0, Math.min(r.length, plan.oldSize - r.offset));
    const oldHash = createHash('sha256');
    const newHash = createHash('sha256');
    const bodyAt = at + RECORD_HEADER;
    for (let done = 0; done < r.length;) {
      const piece = buf.subarray(0, Math.min(CHUNK, r.length - done));
      const inOld = Math.max(0, Math.min(piece.length, oldLength - done));
      if (inOld > 0) {
        const o = piece.subarray(0, inOld);
        readAll(fd, o, r.offset + done);
        oldHash.update(o);
        writeAll(jfd, o, bodyAt + done);
      }
      renderNew(plan, old, r.offset + done, piece);
      newHash.update(piece);
      done += piece.length;
      tick(piece.length);
    }
    const head = Buffer.alloc(RECORD_HEADER);
    head.writeBigUInt64LE(BigInt(r.offset), 0);
    head.writeBigUInt64LE(BigInt(r.length), 8);
    head.writeBigUInt64LE(BigInt(oldLength), 16);
    const record = { offset: r.offset, length: r.length, oldLength, oldHash: oldHash.digest(), newHash: newHash.digest(), at: bodyAt };
    record.oldHash.copy(head, 24);
    record.newHash.copy(head, 56);
    writeAll(jfd, head, at);
    records.push(record);
    at = bodyAt + oldLength;
  }
  header.writeBigUInt64LE(BigInt(at), 56);
  writeAll(jfd, header, 0);
  return { body: at, records };
}

/** Gives the complete journal its real name without ever replacing a file there (link fails if one appeared). */
function commit(tmp: string, jpath: string): void {
  try {
    linkSync(tmp, jpath);
    unlinkSync(tmp);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new JournalError(`${jpath}: appeared while the journal was written (another program put a file there); nothing was written to the image`);
    // File systems without hard links (FAT, some network mounts): a rename; the lock keeps other writers out.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EMLINK') throw e;
    if (pathExists(jpath)) throw new JournalError(`${jpath}: appeared while the journal was written; nothing was written to the image`);
    renameSync(tmp, jpath);
  }
}

/**
 * A temporary journal left by a writer killed before it committed (the image was not touched). The caller holds
 * the image's lock, so that writer is gone. It is removed only if it is plainly ours (a regular file of this user
 * that is empty or starts with the journal magic); anything else there stops the write.
 */
function removeDeadPartial(tmp: string): void {
  if (!pathExists(tmp)) return;
  const s = lstatSync(tmp);
  const mine = s.isFile() && (typeof process.geteuid !== 'function' || s.uid === process.geteuid() || process.geteuid() === 0);
  if (mine && (s.size === 0 || startsWithMagic(tmp))) {
    unlinkSync(tmp);
    return;
  }
  throw new JournalError(`${tmp}: is in the way of the journal and is not one hdd-lens left; move it away (nothing was written)`);
}

function startsWithMagic(path: string): boolean {
  const f = openRegularFile(path, 'read');
  try {
    const head = Buffer.alloc(8);
    readAll(f.fd, head, 0);
    return head.toString('latin1') === MAGIC;
  } finally {
    closeSync(f.fd);
  }
}

// ---- reading a journal ----

export interface Journal {
  path: string;
  fd: number;
  /** The journal file's own stat (owner, mode). */
  stat: Stats;
  oldSize: number;
  newSize: number;
  dev: number;
  ino: number;
  uid: number;
  records: Record[];
}

/** What a file at the journal's name is. */
export type JournalFile = { kind: 'journal'; journal: Journal } | { kind: 'unusable'; reason: string };

/**
 * Opens and verifies the journal at `jpath` (regular file, not a link, never blocking). The caller closes
 * `journal.fd`. Damaged or foreign files come back as `unusable` with the reason; nothing is removed.
 */
export function readJournal(jpath: string): JournalFile {
  let opened;
  try {
    opened = openRegularFile(jpath, 'read');
  } catch (e) {
    if (e instanceof FileKindError) return { kind: 'unusable', reason: `${e.message} (hdd-lens neither reads nor removes it)` };
    throw e;
  }
  const { fd, stat } = opened;
  try {
    const parsed = parse(fd, stat.size);
    if (typeof parsed === 'string') {
      closeSync(fd);
      return { kind: 'unusable', reason: `${jpath}: ${parsed}` };
    }
    return { kind: 'journal', journal: { ...parsed, path: jpath, fd, stat } };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

function parse(fd: number, size: number): Omit<Journal, 'path' | 'fd' | 'stat'> | string {
  const header = Buffer.alloc(HEADER_SIZE);
  readAll(fd, header, 0);
  const magic = header.toString('latin1', 0, 8);
  if (OLD_MAGICS.includes(magic))
    return 'is a journal of an older hdd-lens (0.1), which did not bind journals to their image; it cannot be trusted: kept, not applied';
  if (magic !== MAGIC) return 'is not an hdd-lens journal (no journal header): kept, not applied, not removed';
  if (size < HEADER_SIZE + TRAILER_SIZE) return 'is damaged (shorter than a journal): kept, not applied';
  const body = Number(header.readBigUInt64LE(56));
  if (body + TRAILER_SIZE !== size || header.readUInt32LE(8) !== VERSION) return 'is damaged (its length or version is wrong): kept, not applied';
  const trailer = Buffer.alloc(TRAILER_SIZE);
  readAll(fd, trailer, body);
  if (trailer.toString('latin1', 0, 8) !== COMMIT || !hashOf(fd, 0, body).equals(trailer.subarray(8)))
    return 'is damaged (its checksum does not match): kept, not applied';
  const count = header.readUInt32LE(12);
  if (count > (body - HEADER_SIZE) / RECORD_HEADER) return 'is damaged (record count): kept, not applied';
  const records = readRecords(fd, count);
  const fields = [16, 24, 32, 40].map((o) => header.readBigUInt64LE(o));
  if (fields.some((v) => v > BigInt(Number.MAX_SAFE_INTEGER)) || !recordsSound(records, body))
    return 'is damaged (a size or offset out of range): kept, not applied';
  const [oldSize, newSize, dev, ino] = fields.map(Number);
  return { oldSize, newSize, dev, ino, uid: header.readUInt32LE(48), records };
}

function readRecords(fd: number, count: number): Record[] {
  const out: Record[] = [];
  let at = HEADER_SIZE;
  const head = Buffer.alloc(RECORD_HEADER);
  for (let k = 0; k < count; k++) {
    readAll(fd, head, at);
    const [offset, length, oldLength] = [0, 8, 16].map((o) => head.readBigUInt64LE(o)).map((v) => (v > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(v)));
    out.push({ offset, length, oldLength, oldHash: Buffer.from(head.subarray(24, 56)), newHash: Buffer.from(head.subarray(56, 88)), at: at + RECORD_HEADER });
    at += RECORD_HEADER + Math.max(0, oldLength);
  }
  return out;
}

/** Sorted, disjoint, inside safe integers and inside the journal. */
function recordsSound(records: readonly Record[], body: number): boolean {
  let end = 0;
  for (const r of records) {
    if (r.offset < end || r.length <= 0 || r.oldLength < 0 || r.oldLength > r.length || !Number.isSafeInteger(r.offset + r.length) || r.at + r.oldLength > body)
      return false;
    end = r.offset + r.length;
  }
  return true;
}

// ---- deciding ----

export type Verdict =
  | { kind: 'roll-back'; torn: number }
  | { kind: 'roll-forward' }
  | { kind: 'refuse'; reason: string; /** Whether `recover --force` may roll back anyway. */ forcible: boolean };

/**
 * What recovery would do with `journal` on the image open as `image` (read-only is enough): see the module
 * comment. Reads the covered ranges (hashing), writes nothing.
 */
export function assess(journal: Journal, image: { path: string; fd: number; stat: Stats }, force = false): Verdict {
  const s = image.stat;
  const j = journal;
  if (j.ino !== s.ino)
    return refuse(`the journal was written for another file (inode ${j.ino}; ${image.path} is inode ${s.ino}): the image was replaced or copied since`);
  if (j.uid !== s.uid) return refuse(`the journal names owner ${j.uid} and ${image.path} belongs to ${s.uid}`);
  const owners = [s.uid, 0, typeof process.geteuid === 'function' ? process.geteuid() : s.uid];
  if (!owners.includes(j.stat.uid))
    return refuse(`${j.path} belongs to user ${j.stat.uid}, neither the image's owner nor root nor you: someone else put it there`);
  if ((j.stat.mode & 0o022) !== 0) return refuse(`${j.path} is writable by other users, so anyone could have changed it`);
  if (j.dev !== s.dev && !force)
    return refuse(
      `the journal names device ${j.dev} and the image is on device ${s.dev} (a copy on another disk, or a disk renumbered since a reboot: \`hdd-lens recover --force\` rolls it back if you know it is the same file)`,
      true,
    );
  const size = s.size;
  const hi = Math.max(j.oldSize, j.newSize, ...j.records.map((r) => r.offset + r.length));
  if (size > hi || size < Math.min(j.oldSize, j.newSize))
    return refuse(`${image.path} is ${size} bytes, a size the interrupted write (from ${j.oldSize} to ${j.newSize} bytes) cannot have left`);
  const states = j.records.map((r) => recordState(image.fd, r, size));
  const allNew = states.every((st) => st.isNew);
  if (allNew && size === j.newSize) return { kind: 'roll-forward' };
  // The write goes in record order: new ones, at most one torn (being written at the kill), then old ones.
  let k = 0;
  while (k < states.length && states[k].isNew) k++;
  let torn = 0;
  if (k < states.length && !states[k].isOld) {
    torn = 1;
    k++;
  }
  const stray = states.slice(k).filter((st) => !st.isOld).length;
  if (size < j.oldSize && !allNew)
    return refuse(
      `${image.path} was truncated (${size} bytes, was ${j.oldSize}) but does not hold all the new bytes: its tail is gone and cannot be rolled back`,
    );
  if (stray > 0 && !force) {
    return refuse(
      `${stray + torn} of the ${states.length} ranges the journal covers hold neither their old nor their new bytes: the image changed since the interrupted write, or a power loss lost writes out of order (\`hdd-lens recover --force\` rolls back anyway if nothing else wrote to the image)`,
      true,
    );
  }
  return { kind: 'roll-back', torn: torn + stray };
}

function refuse(reason: string, forcible = false): Verdict {
  return { kind: 'refuse', reason, forcible };
}

function recordState(fd: number, r: Record, size: number): { isOld: boolean; isNew: boolean } {
  const isNew = r.offset + r.length <= size && hashOf(fd, r.offset, r.length).equals(r.newHash);
  const isOld = hashOf(fd, r.offset, r.oldLength, size).equals(r.oldHash);
  return { isOld, isNew };
}

// ---- recovering ----

/**
 * Deals with the journal of the held image (see the module comment): `{recovered: false}` when there is none,
 * `JournalError` when it does not fit the image (it is kept).
 */
export function recover(target: WriteTarget, options: JournalOptions & { force?: boolean } = {}): RecoveryResult {
  return unwrapStops(() => recoverWith(target, stepper(options), options.force === true));
}

function recoverWith(target: WriteTarget, step: (s: JournalStep) => void, force: boolean): RecoveryResult {
  const jpath = findJournal(target.path, target.stat);
  if (jpath === undefined) return { recovered: false, message: '', action: 'none' };
  const file = readJournal(jpath);
  if (file.kind === 'unusable')
    throw new JournalError(`${target.path}: ${file.reason}; the image may be half-written: look at both files before writing to it`);
  const j = file.journal;
  try {
    const verdict = assess(j, target, force);
    if (verdict.kind === 'refuse')
      throw new JournalError(`${target.path}: not recovering from ${jpath}: ${verdict.reason}. Nothing was written; the journal was kept`);
    if (verdict.kind === 'roll-forward') {
      fsyncSync(target.fd);
      removeJournal(jpath, step);
      return { recovered: true, action: 'rolled-forward', message: `an interrupted repair had finished writing; kept the repaired image (journal ${jpath})` };
    }
    rollBack(target.fd, j.fd, j.records, j.oldSize, step);
    removeJournal(jpath, step);
    return { recovered: true, action: 'rolled-back', message: `rolled back an interrupted repair (journal ${jpath})` };
  } finally {
    closeSync(j.fd);
  }
}

function rollBack(fd: number, jfd: number, records: readonly Record[], oldSize: number, step: (s: JournalStep) => void): void {
  const buf = new Uint8Array(CHUNK);
  for (const r of records) {
    for (let done = 0; done < r.oldLength;) {
      const piece = buf.subarray(0, Math.min(CHUNK, r.oldLength - done));
      readAll(jfd, piece, r.at + done);
      writeAll(fd, piece, r.offset + done);
      done += piece.length;
    }
  }
  step({ kind: 'rollback-restored' });
  if (fstatSync(fd).size !== oldSize) ftruncateSync(fd, oldSize);
  fsyncSync(fd);
  step({ kind: 'rollback-resized' });
}

function removeJournal(jpath: string, step: (s: JournalStep) => void): void {
  unlinkSync(jpath);
  fsyncDir(jpath);
  step({ kind: 'journal-removed' });
}

// ---- bytes ----

/** SHA-256 of [offset, offset + length) of a file, bytes at or past `size` (default: none) read as zeros. */
function hashOf(fd: number, offset: number, length: number, size = Infinity): Buffer {
  const h = createHash('sha256');
  const buf = new Uint8Array(Math.min(CHUNK, Math.max(1, length)));
  for (let done = 0; done < length;) {
    const piece = buf.subarray(0, Math.min(buf.length, length - done));
    readAll(fd, piece, offset + done, size);
    h.update(piece);
    done += piece.length;
  }
  return h.digest();
}

/** Writes all of `data` at `position` (writeSync may write less than asked; a bad position is refused). */
function writeAll(fd: number, data: Uint8Array, position: number): void {
  if (!Number.isSafeInteger(position) || position < 0) throw new RangeError(`refusing to write at ${position}`);
  for (let done = 0; done < data.length;) {
    done += writeSync(fd, data, done, Math.min(CHUNK, data.length - done), position + done);
  }
}

/** Reads exactly `target.length` bytes at `position`; bytes past the end of the file (or `size`) read as zeros. */
function readAll(fd: number, target: Uint8Array, position: number, size = Infinity): void {
  if (!Number.isSafeInteger(position) || position < 0) throw new RangeError(`refusing to read at ${position}`);
  const want = Math.max(0, Math.min(target.length, size - position));
  let done = 0;
  while (done < want) {
    const n = readSync(fd, target, done, want - done, position + done);
    if (n === 0) break;
    done += n;
  }
  target.fill(0, done);
}

/**
 * Makes a file's creation or removal durable: fsync of the directory that holds it. Systems that cannot open or
 * sync a directory (Windows; some network file systems) are left to their own ordering.
 */
export function fsyncDir(path: string): void {
  let dfd: number;
  try {
    dfd = openSync(dirname(path), constants.O_RDONLY | (constants.O_DIRECTORY ?? 0));
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

function describeError(e: unknown): string {
  const errno = e as NodeJS.ErrnoException;
  if (errno && typeof errno.code === 'string') return `${errno.code}: ${ERRNO_TEXT[errno.code] ?? errno.message}`;
  return e instanceof Error ? e.message : String(e);
}

const ERRNO_TEXT: { [code: string]: string } = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  EFBIG: 'file too large',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

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
