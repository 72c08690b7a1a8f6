/**
 * Exclusive writers, by the locks QEMU takes (block/file-posix.c): a process using an image holds shared fcntl
 * locks on one byte per permission it uses (100 + bit) and one per permission it does not share with others
 * (200 + bit), and before it starts it tests that nobody else holds the bytes that would conflict. QEMU takes
 * open-file-description locks on Linux (they belong to the open file, not the process) and POSIX locks elsewhere;
 * the addon does the same. The permission bits: consistent read 0, write 1, write unchanged 2, resize 3.
 *
 * An hdd-lens writer (repair, recovery, save) uses read, write and resize and shares nothing: it locks bytes
 * 100-103 and 200-203, so that QEMU refuses the image while hdd-lens writes it ("Failed to get ... lock"), and it
 * refuses an image any QEMU has open (a VM, qemu-img, qemu-io) since their bytes conflict with its own. Two
 * hdd-lens writers would both take those shared locks and then both see the other and both give up; so first an
 * hdd-lens writer takes an exclusive lock on byte 300 (outside QEMU's ranges), which exactly one of them gets.
 *
 * The lock lives as long as the descriptor: the writer reads, plans and writes through that one descriptor (on
 * macOS, POSIX locks drop when the process closes any descriptor of the file, so no other may be opened meanwhile).
 * Readers take no lock (they must work on read-only media and never block a writer), but ask whether a writer
 * holds the image (`writerOf`), to say that what they read may be changing.
 */
import type { Stats } from 'node:fs';
import { type LockAddon, lockAddon, lockAddonMissing } from './lockAddon';
import { describeHolders, holdersOf, locksOn } from './lockHolders';

const PERM_BASE = 100;
const SHARED_BASE = 200;
/** The permissions hdd-lens's writer uses (and shares none of): consistent read, write, write unchanged, resize. */
const PERMS = [0, 1, 2, 3];
const PERM_NAMES = ['consistent read', 'write', 'write unchanged', 'resize'];
/** The hdd-lens writers' own byte: an exclusive lock on it is what one hdd-lens writer holds and a second cannot. */
export const HDD_LENS_WRITER_BYTE = 300;

/** The image is held by someone else (or cannot be locked at all); nothing was written. */
export class LockError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

export interface ImageLock {
  /** Whether a real lock is held (false: the addon is missing and `force` let the writer go on unlocked). */
  readonly held: boolean;
  release(): void;
}

export interface LockOptions {
  /** Write without a lock when none can be taken (the addon is missing) and nobody visibly holds the image. */
  force?: boolean;
}

/**
 * Takes the writer's locks on the open descriptor `fd` of `path`, or throws `LockError` naming who holds the
 * image. Never overridden by `force` while another process holds it: writing under a running VM destroys its disk.
 */
export function lockForWriting(fd: number, path: string, stat: Stats, options: LockOptions = {}): ImageLock {
  const addon = lockAddon();
  if (!addon) return withoutAddon(path, stat, options);
  if (addon.setLock(fd, HDD_LENS_WRITER_BYTE, 1, 2) !== 0) {
    throw new LockError(path, `another hdd-lens is writing this image now (${holderText(stat)}); try again when it has finished`);
  }
  const taken: number[] = [HDD_LENS_WRITER_BYTE];
  const release = (): void => {
    for (const b of taken) addon.setLock(fd, b, 1, 0);
  };
  try {
    for (const bit of PERMS) {
      for (const byte of [PERM_BASE + bit, SHARED_BASE + bit]) {
        if (addon.setLock(fd, byte, 1, 1) !== 0) throw busy(path, stat, byte);
        taken.push(byte);
      }
    }
    const conflict = firstConflict(addon, fd);
    if (conflict !== undefined) throw busy(path, stat, conflict);
  } catch (e) {
    release();
    throw e;
  }
  return { held: true, release };
}

/**
 * Whether a writer (QEMU with the write permission, or an hdd-lens writer) holds the image: a description of it, or
 * undefined. Tested on a read-only descriptor, without taking anything.
 */
export function writerOf(fd: number, stat: Stats): string | undefined {
  const addon = lockAddon();
  if (addon) {
    const held = addon.testLock(fd, HDD_LENS_WRITER_BYTE, 1, 2) !== null || conflicts(addon.testLock(fd, PERM_BASE + 1, 1, 2));
    return held ? holderText(stat) : undefined;
  }
  const locks = locksOn(stat.dev, stat.ino, PERM_BASE + 1, PERM_BASE + 1).concat(locksOn(stat.dev, stat.ino, HDD_LENS_WRITER_BYTE, HDD_LENS_WRITER_BYTE));
  return locks.length > 0 ? describeHolders(holdersOf(stat.dev, stat.ino, locks)) : undefined;
}

/** QEMU's check: nobody else may hold a byte of a permission we unshare, or unshare a permission we use. */
function firstConflict(addon: LockAddon, fd: number): number | undefined {
  for (const bit of PERMS) {
    for (const byte of [SHARED_BASE + bit, PERM_BASE + bit]) if (conflicts(addon.testLock(fd, byte, 1, 2))) return byte;
  }
  return undefined;
}

function conflicts(c: ReturnType<LockAddon['testLock']>): boolean {
  return c !== null && c.errno === undefined;
}

function busy(path: string, stat: Stats, byte: number): LockError {
  const perm = PERM_NAMES[byte % 100] ?? `byte ${byte}`;
  const what = byte >= SHARED_BASE ? `does not share the "${perm}" permission` : `uses the "${perm}" permission`;
  return new LockError(
    path,
    `is in use: ${holderText(stat)} has it open and ${what} (QEMU's lock byte ${byte}); hdd-lens does not write an image another program has open, not even with --force (writing under a running VM destroys its disk). Close it there first`,
  );
}

function holderText(stat: Stats): string {
  const locks = locksOn(stat.dev, stat.ino, PERM_BASE, HDD_LENS_WRITER_BYTE);
  return describeHolders(holdersOf(stat.dev, stat.ino, locks));
}

/**
 * No addon: nothing can be locked. Detect holders where the system tells (Linux /proc/locks) and refuse if any;
 * otherwise refuse unless `force` (then the write goes on unlocked, and says so).
 */
function withoutAddon(path: string, stat: Stats, options: LockOptions): ImageLock {
  const locks = locksOn(stat.dev, stat.ino, PERM_BASE, HDD_LENS_WRITER_BYTE);
  if (locks.length > 0) {
    throw new LockError(
      path,
      `is in use by ${describeHolders(holdersOf(stat.dev, stat.ino, locks))}, which holds locks on it; hdd-lens does not write an image another program has open, not even with --force`,
    );
  }
  if (!options.force) {
    throw new LockError(
      path,
      `cannot be locked for writing: ${lockAddonMissing() ?? 'no lock support'}. No other process visibly holds it; --force writes without a lock`,
    );
  }
  return { held: false, release: () => undefined };
}
