/**
 * Where `convert` writes: a temporary file in the output's folder (`.OUT.hdd-lens-partial`), renamed to OUT only
 * once it is complete and synced. So OUT is either absent, the file that was there, or the whole conversion:
 * never a full-length sparse file that looks finished and is not. The temporary file gets its final length only at
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

/** A conversion refused before anything was written (existing output, output = input), or one that failed. */
export class ConvertError extends Error {}

export interface OutputOptions {
  overwrite?: boolean;
}

export class ConvertOutput {
  private done = false;
  private readonly flush: FlushBehind;
  /** The copy's writes: direct where they can be, buffered (and flushed behind) elsewhere. */
  readonly writer: RawWriter;
  private readonly onSignal: (signal: NodeJS.Signals) => void;

  private constructor(
    readonly path: string,
    readonly partial: string,
    readonly fd: number,
    private readonly directFd: number | undefined,
    private readonly overwrite: boolean,
  ) {
    this.flush = new FlushBehind(fd, FLUSH_EVERY);
    this.writer = new RawWriter(fd, directFd, (length) => this.flush.wrote(length));
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
    return new ConvertOutput(outPath, partial, fd, openDirect(partial, fd), options.overwrite === true);
  }

  /** Waits for the write-behind flush in flight, if any (before the descriptor is closed). */
  settle(): Promise<void> {
    return this.flush.settle();
  }

  /** Sets the final length, syncs, and gives the file its name (never replacing a file there without --overwrite). */
  commit(size: number): void {
    ftruncateSync(this.fd, size);
    // One fsync covers the file, whichever descriptor wrote.
    fsyncSync(this.fd);
    this.closeDescriptors();
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
    fsyncDir(this.path);
  }

  /** Removes the unfinished output (after a failure or a signal). */
  abort(): void {
    if (this.done) return;
    this.done = true;
    this.unhook();
    this.closeDescriptors();
    unlinkQuietly(this.partial);
  }

  private closeDescriptors(): void {
    for (const fd of [this.fd, this.directFd]) {
      try {
        if (fd !== undefined) closeSync(fd);
      } catch {
        // already closed
      }
    }
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
  let result: T;
  try {
    result = await work(out);
    await out.settle();
  } catch (e) {
    await out.settle().catch(() => undefined);
    out.abort();
    throw withCleanupNote(e, out);
  }
  out.commit(result.size);
  return result;
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
 * The temporary file opened a second time, with O_DIRECT (rawWriter.ts says why); undefined where there is no
 * O_DIRECT (macOS, a file system without it) or the name no longer leads to the file `fd` created.
 */
function openDirect(partial: string, fd: number): number | undefined {
  if (constants.O_DIRECT === undefined) return undefined;
  let direct: number;
  try {
    direct = openSync(partial, constants.O_WRONLY | constants.O_DIRECT | (constants.O_NOFOLLOW ?? 0));
  } catch {
    return undefined;
  }
  const a = fstatSync(fd);
  const b = fstatSync(direct);
  if (a.dev === b.dev && a.ino === b.ino) return direct;
  closeSync(direct);
  return undefined;
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
