/**
 * The native lock addon (native/lock.c, built by node-gyp during `npm ci`; the extension package carries it in
 * dist/native/). Loaded once, lazily; where it is missing or does not load, `lockAddon()` says why and the callers
 * fall back to detecting other holders (lockHolders.ts) and refusing.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface LockAddon {
  /** 0, or the errno (EAGAIN / EACCES: a conflicting lock is held). Never waits. */
  setLock(fd: number, start: number, length: number, type: LockType): number;
  /** null when `type` could be taken on the range, else the conflicting lock (or `{errno}` when F_GETLK failed). */
  testLock(fd: number, start: number, length: number, type: LockType): LockConflict | null;
  /** Whether the locks are Linux open-file-description locks (QEMU's on Linux) rather than POSIX process locks. */
  readonly ofd: boolean;
}

/** 0 unlock, 1 shared (F_RDLCK), 2 exclusive (F_WRLCK). */
export type LockType = 0 | 1 | 2;

export interface LockConflict {
  type?: 1 | 2;
  /** -1 for an OFD lock (the kernel does not say whose). */
  pid?: number;
  start?: number;
  length?: number;
  errno?: number;
}

const FILE = 'hdd_lens_lock.node';

let loaded: { addon?: LockAddon; why?: string } | undefined;

export function lockAddon(): LockAddon | undefined {
  loaded ??= load();
  return loaded.addon;
}

/** Why the addon is not there (for messages), or undefined when it loaded. */
export function lockAddonMissing(): string | undefined {
  loaded ??= load();
  return loaded.why;
}

function load(): { addon?: LockAddon; why?: string } {
  if (process.platform === 'win32') return { why: 'Windows has no byte-range locks QEMU would see' };
  if (process.env.HDD_LENS_NO_LOCK_ADDON === '1') return { why: 'the lock addon is disabled (HDD_LENS_NO_LOCK_ADDON=1)' };
  const candidates = places();
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    try {
      // A computed path: bundlers leave it to node's own require at run time.
      const addon = (module.require as (id: string) => unknown)(file) as LockAddon;
      if (typeof addon.setLock === 'function' && typeof addon.testLock === 'function') return { addon };
      return { why: `${file} is not the hdd-lens lock addon` };
    } catch (e) {
      return { why: `${file} does not load (${e instanceof Error ? e.message : String(e)})` };
    }
  }
  return { why: `the native lock addon is not built (${FILE}; run \`npm rebuild\` or \`npm ci\` in the hdd-lens folder)` };
}

/**
 * Where the addon may be: dist/native/PLATFORM-ARCH/ (the packaged extension and the bundled CLI) or node-gyp's
 * build/Release/ at the project root, looked up from this file's folder (dist/, or out/shared/io/ under tsc).
 */
function places(): string[] {
  const out: string[] = [];
  let dir = __dirname;
  for (let up = 0; up < 5; up++) {
    out.push(
      join(dir, 'native', `${process.platform}-${process.arch}`, FILE),
      join(dir, 'dist', 'native', `${process.platform}-${process.arch}`, FILE),
      join(dir, 'build', 'Release', FILE),
    );
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return out;
}
