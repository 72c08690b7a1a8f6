/**
 * Where `convert` writes: a temporary file in the output's folder (`.OUT.hdd-lens-partial`), renamed to OUT only
 * once it is complete and synced. So OUT is either absent, the file that was there, or the whole conversion:
 * never a full-length sparse file that looks finished and is not (with --no-sync, only until a power loss). The temporary file gets its final length only at
 * the end, so even one left behind by a kill is visibly short, and the next convert to the same OUT removes it.
 * On a failure (ENOSPC, EIO) or SIGINT/SIGTERM it is removed and the message says so.
 *
 * OUT itself: refused if it is the input image; replaced only with --overwrite, and then the rename replaces the
 * name (a symbolic link at OUT is replaced by the new file, its target is never written); a directory or a
 * special file at OUT is refused.
 */
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  linkSync,
  lstatSync,
  openSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fsyncDir } from '../io/journal';
import { kindOf, pathExists } from '../io/openFile';
import { FlushBehind } from './flushBehind';
import { RawWriter } from './rawWriter';

/** Bytes written between two write-behind flushes (flushBehind.ts): 64 MiB flushed too often, 128 MiB won. */
const FLUSH_EVERY = 128 << 20;
/**
 * Bytes of each way's sample (writeWayProbe.ts): the buffered one spans three flushes behind. The window between two
 * looks at the ways' paces: a quarter of the direct sample, so that a way that slowed down costs little before the
 * other takes over (on the Xeon a 128 MiB window paid 400 ms for 128 MiB that direct writes in 100).
 */
const WAY_SAMPLE = { direct: FLUSH_EVERY, buffered: 3 * FLUSH_EVERY, window: FLUSH_EVERY / 4 };
/**
 * Without syncing there are no flushes for the samples to span, and a sample is only the copies' or the disk's
 * pace: a window direct and two buffered. Long samples cost where the other way is much faster: direct writes at
 * 2.5 ms per MiB on the EPYC against copies into the page cache at 1 ms, and on the Xeon copies into fresh pages
 * at 2-3.7 ms against direct writes at 0.8.
 */
const WAY_SAMPLE_UNSYNCED = { direct: WAY_SAMPLE.window, buffered: 2 * WAY_SAMPLE.window, window: WAY_SAMPLE.window };

/** A conversion refused before anything was written (existing output, output = input), or one that failed. */
export class ConvertError extends Error {}

export interface OutputOptions {
  overwrite?: boolean;
  /**
   * false: OUT is neither synced nor flushed behind (`--no-sync`, qemu-img convert's default). A killed convert
   * still leaves OUT absent or whole, but after a power loss or a kernel crash OUT may be incomplete.
   */
  sync?: boolean;
}

export class ConvertOutput {
  private done = false;
  /** Set once the output has its name: a failure after that (syncing the folder) removes nothing. */
  private named = false;
  /** Set when the temporary name no longer leads to our file (another convert to OUT removed it): never unlink it. */
  private nameLost = false;
  private fdOpen = true;
  private directFd: number | undefined;
  private madeWriter: RawWriter | undefined;
  private readonly flush: FlushBehind;
  private readonly onSignal: (signal: NodeJS.Signals) => void;

  private constructor(
    readonly path: string,
    readonly partial: string,
    readonly fd: number,
    private readonly overwrite: boolean,
    private readonly sync: boolean,
  ) {
    this.flush = new FlushBehind(fd, sync ? FLUSH_EVERY : Infinity, (bytes, ns) => this.madeWriter?.flushed(bytes, ns));
    this.onSignal = (signal) => {
      this.abort();
      process.stderr.write(`hdd-lens: ${path}: convert interrupted (${signal}); removed the unfinished output ${partial}, nothing was written to ${path}\n`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  /** Checks OUT and opens the temporary file beside it. */
  static open(imagePath: string, outPath: string, options: OutputOptions = {}): ConvertOutput {
    refuseOutput(imagePath, outPath, options);
    const partial = join(dirname(outPath), `.${basename(outPath)}.hdd-lens-partial`);
    removeStalePartial(partial);
    const fd = openSync(partial, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o644);
    return new ConvertOutput(outPath, partial, fd, options.overwrite === true, options.sync !== false);
  }

  /**
   * The copy's writes: the faster of direct (the file reopened with O_DIRECT on first use) and buffered, flushed
   * behind, once a sample of each is timed. A writer that writes with writeSync on `fd` instead (bundle convert)
   * opens nothing.
   */
  get writer(): RawWriter {
    this.madeWriter ??= new RawWriter(
      this.fd,
      (this.directFd = reopenDirect(this.fd)),
      (length, sampling) => this.flush.wrote(length, sampling),
      this.sync ? WAY_SAMPLE : WAY_SAMPLE_UNSYNCED,
    );
    return this.madeWriter;
  }

  /** Waits for the write-behind flush in flight, if any (before the descriptor is closed). */
  settle(): Promise<void> {
    return this.flush.settle();
  }

  /** Whether the output got its name (then nothing is removed on a later failure). */
  get hasName(): boolean {
    return this.named;
  }

  /**
   * Sets the final length, syncs (unless told not to), and gives the file its name (never replacing a file there
   * without --overwrite).
   */
  commit(size: number): void {
    // The direct descriptor is closed first and its error is fatal: a file system that keeps a descriptor's data
    // until close (FUSE, some network ones) reports its failure there, before the sync and the name.
    this.closeDirect();
    ftruncateSync(this.fd, size);
    // One fsync covers the file, whichever descriptor wrote.
    if (this.sync) fsyncSync(this.fd);
    this.requireOwnName();
    this.fdOpen = false;
    closeSync(this.fd);
    this.done = true;
    this.unhook();
    try {
      if (this.overwrite) renameSync(this.partial, this.path);
      else {
        linkSync(this.partial, this.path);
        unlinkSync(this.partial);
      }
    } catch (e) {
      unlinkQuietly(this.partial);
      if ((e as NodeJS.ErrnoException).code === 'EEXIST')
        throw new ConvertError(`${this.path}: appeared while converting (use --overwrite to replace it); the output was removed`);
      throw e;
    }
    this.named = true;
    if (this.sync) fsyncDir(this.path);
  }

  /** Removes the unfinished output (after a failure or a signal). */
  abort(): void {
    if (this.done) return;
    this.done = true;
    this.unhook();
    try {
      this.closeDirect();
    } catch {
      // removed below anyway
    }
    if (this.fdOpen) {
      this.fdOpen = false;
      closeQuietly(this.fd);
    }
    if (!this.nameLost) unlinkQuietly(this.partial);
  }

  private closeDirect(): void {
    const direct = this.directFd;
    this.directFd = undefined;
    if (direct !== undefined) closeSync(direct);
  }

  /**
   * The temporary name still leads to the file we wrote. Another convert to the same OUT removes a partial file it
   * takes for a killed convert's, and makes its own under the name: renaming that would publish its unfinished file.
   */
  private requireOwnName(): void {
    const ours = fstatSync(this.fd);
    let there: ReturnType<typeof lstatSync> | undefined;
    try {
      there = lstatSync(this.partial);
    } catch {
      there = undefined;
    }
    if (there && there.dev === ours.dev && there.ino === ours.ino) return;
    this.nameLost = true;
    throw new ConvertError(
      `${this.partial}: was removed or replaced while converting (another convert to ${this.path}?); ${this.path} was not written by this convert`,
    );
  }

  private unhook(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}

/** Runs `work` on a new output, committing it on success and removing it (and saying so) on failure. */
export async function withOutput<T extends { size: number }>(
  imagePath: string,
  outPath: string,
  options: OutputOptions,
  work: (out: ConvertOutput) => Promise<T> | T,
): Promise<T> {
  const out = ConvertOutput.open(imagePath, outPath, options);
  try {
    const result = await work(out);
    await out.settle();
    out.commit(result.size);
    return result;
  } catch (e) {
    await out.settle().catch(() => undefined);
    out.abort();
    // Once the output has its name, only the folder's sync failed: nothing was removed.
    throw out.hasName ? e : withCleanupNote(e, out);
  }
}

function withCleanupNote(e: unknown, out: ConvertOutput): unknown {
  const errno = e as NodeJS.ErrnoException;
  if (errno && typeof errno.code === 'string') {
    return new ConvertError(
      `${errno.path ?? out.path}: ${errno.code === 'ENOSPC' ? 'no space left on device' : errno.message}; convert failed, removed the unfinished output (${out.path} was not written)`,
    );
  }
  return e;
}

/**
 * The temporary file opened a second time, with O_DIRECT (rawWriter.ts says why), through its descriptor
 * (/proc/self/fd: no name to race with); undefined where there is no O_DIRECT (macOS), no /proc, or the file system
 * refuses it.
 */
function reopenDirect(fd: number): number | undefined {
  if (constants.O_DIRECT === undefined || process.platform !== 'linux') return undefined;
  let direct: number;
  try {
    direct = openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_DIRECT);
  } catch {
    return undefined;
  }
  try {
    const a = fstatSync(fd);
    const b = fstatSync(direct);
    if (b.isFile() && a.dev === b.dev && a.ino === b.ino) return direct;
  } catch {
    // not ours after all
  }
  closeQuietly(direct);
  return undefined;
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

function refuseOutput(imagePath: string, outPath: string, options: OutputOptions): void {
  if (!pathExists(outPath)) return;
  if (sameFile(imagePath, outPath)) throw new ConvertError(`${outPath}: is the input image itself; refusing to overwrite it`);
  if (!options.overwrite) throw new ConvertError(`${outPath}: already exists (use --overwrite to replace it)`);
  const l = lstatSync(outPath);
  if (!l.isFile() && !l.isSymbolicLink()) throw new ConvertError(`${outPath}: ${kindOf(l)}; only a regular file is replaced`);
}

function sameFile(a: string, b: string): boolean {
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return (sa.dev === sb.dev && sa.ino === sb.ino) || realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/** A partial output of a convert that was killed: ours if it is a regular file (it is removed), else refused. */
function removeStalePartial(partial: string): void {
  if (!pathExists(partial)) return;
  if (!lstatSync(partial).isFile()) throw new ConvertError(`${partial}: is in the way of the output and is not a file hdd-lens left; move it away`);
  unlinkSync(partial);
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already
  }
}
