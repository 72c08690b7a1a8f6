/**
 * The one way hdd-lens opens an image or a journal (CLI, language server, extension): nothing but a regular file
 * is ever opened, no open can block (a FIFO or a device would hang the process), and writes never follow a link.
 *
 *  - The path is lstat'ed first. A FIFO, socket, device or directory is refused before any open(): opening a tape
 *    or a FIFO can block or have effects of its own.
 *  - A symbolic link is followed only for a read the caller allows it for (the CLI's reads: the user named the
 *    link; the editor's reads). Writes (repairs, recovery, saves, journals) open with O_NOFOLLOW and refuse a link,
 *    so that `disk.hdd -> .git/config` can never make hdd-lens write .git/config.
 *  - Every open is O_NONBLOCK (a FIFO swapped in after the lstat opens at once instead of waiting for a writer),
 *    then fstat'ed: the descriptor must be a regular file, the same one the lstat saw.
 * Errors name the file (`FileKindError`, or node's own errors, which carry the path of an open).
 */
import { type Stats, closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, statSync } from 'node:fs';

/** Flags node lacks on some platforms (Windows has neither) are 0 there: the lstat checks still hold. */
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

export type OpenPurpose = 'read' | 'write';

export interface OpenOptions {
  /** Reads only: follow a symbolic link the caller chose to trust (writes never do). */
  followLinks?: boolean;
}

export interface OpenedFile {
  fd: number;
  path: string;
  /** fstat of the open descriptor. */
  stat: Stats;
}

/** A path that is not something hdd-lens opens (a FIFO, a device, a link for a write, ...); the message names it. */
export class FileKindError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** Opens a regular file for reading or for reading and writing (see the module comment). */
export function openRegularFile(path: string, purpose: OpenPurpose, options: OpenOptions = {}): OpenedFile {
  const follow = purpose === 'read' && options.followLinks === true;
  const seen = regularFileStat(path, purpose, follow);
  const flags = (purpose === 'write' ? constants.O_RDWR : constants.O_RDONLY) | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW);
  const fd = openSync(path, flags);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new FileKindError(path, `${kindOf(stat)}, not a regular file`);
    if (stat.ino !== seen.ino || stat.dev !== seen.dev) throw new FileKindError(path, 'was replaced while it was being opened; try again');
    return { fd, path, stat };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** The stat of `path` if it is a regular file (through a link only when `follow`), else a `FileKindError`. */
export function regularFileStat(path: string, purpose: OpenPurpose, follow: boolean): Stats {
  const l = lstatSync(path);
  if (l.isSymbolicLink()) {
    if (!follow)
      throw new FileKindError(
        path,
        `is a symbolic link (to ${linkTarget(path)}); hdd-lens ${purpose === 'write' ? 'never writes through a link' : 'does not follow it here'}: name the file itself`,
      );
    const s = statSync(path);
    if (!s.isFile()) throw new FileKindError(path, `is a symbolic link to ${kindOf(s)} (${linkTarget(path)}), not to a regular file`);
    return s;
  }
  if (!l.isFile()) throw new FileKindError(path, `${kindOf(l)}, not a regular file`);
  return l;
}

/** Whether `path` exists as anything at all (a dangling link counts): lstat, never following. */
export function pathExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw e;
  }
}

export function kindOf(s: Stats): string {
  if (s.isFile()) return 'is a regular file';
  if (s.isDirectory()) return 'is a directory';
  if (s.isFIFO()) return 'is a FIFO (named pipe)';
  if (s.isSocket()) return 'is a socket';
  if (s.isCharacterDevice()) return 'is a character device';
  if (s.isBlockDevice()) return 'is a block device';
  if (s.isSymbolicLink()) return 'is a symbolic link';
  return 'is a special file';
}

function linkTarget(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '?';
  }
}
