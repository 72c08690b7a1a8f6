/**
 * Who holds byte-range locks on a file, from Linux's /proc: /proc/locks lists every lock with the file's device
 * and inode; an open-file-description lock (QEMU's) shows pid -1 there, so the holders are found by the `lock:`
 * lines of /proc/PID/fdinfo/FD, and named by /proc/PID/cmdline. Used to say who holds an image, and, where the
 * lock addon is missing, to detect a holder at all. Elsewhere (macOS, Windows) nothing is known: empty answers.
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface LockEntry {
  kind: string;
  type: 'READ' | 'WRITE';
  pid: number;
  start: number;
  /** Inclusive end; Infinity for "to the end of the file" (EOF). */
  end: number;
}

export interface Holder {
  pid: number;
  /** The holder's command line, when readable. */
  command?: string;
}

/** The locks /proc/locks lists on the file (device, inode), overlapping [from, to]. */
export function locksOn(dev: number, ino: number, from = 0, to = Infinity): LockEntry[] {
  return parseLocks(readQuiet('/proc/locks'), dev, ino).filter((l) => l.start <= to && l.end >= from);
}

/** The processes holding the locks of `locks` (by pid for POSIX locks, through fdinfo for OFD locks). */
export function holdersOf(dev: number, ino: number, locks: readonly LockEntry[]): Holder[] {
  const pids = new Set<number>();
  for (const l of locks) if (l.pid > 0) pids.add(l.pid);
  if (locks.some((l) => l.pid <= 0)) for (const pid of fdinfoHolders(dev, ino)) pids.add(pid);
  pids.delete(process.pid);
  return [...pids].sort((a, b) => a - b).map((pid) => ({ pid, ...commandOf(pid) }));
}

/** "process 123 (qemu-system-x86_64 -drive ...)", or a sentence saying the holder cannot be seen. */
export function describeHolders(holders: readonly Holder[]): string {
  if (holders.length === 0) return 'another process (gone since, or not visible from here: another user, container or machine)';
  return holders.map((h) => `process ${h.pid}${h.command ? ` (${h.command})` : ''}`).join(', ');
}

/** The /proc/locks identity of a file: "MAJOR:MINOR:INODE", major and minor in hex. */
function lockKey(dev: number, ino: number): string {
  // Linux's dev_t encoding (glibc's major()/minor()).
  const major = ((dev >>> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
  const minor = (dev & 0xff) | ((dev >>> 12) & ~0xff & 0xfffff);
  return `${hex2(major)}:${hex2(minor)}:${ino}`;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** Lines like "1: OFDLCK ADVISORY  READ -1 fe:00:2146430 100 101" (optionally after "lock:\t"). */
function parseLocks(text: string, dev: number, ino: number): LockEntry[] {
  const key = lockKey(dev, ino);
  const out: LockEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line
      .replace(/^lock:\s*/, '')
      .trim()
      .split(/\s+/);
    // id, kind, ADVISORY/MANDATORY, type, pid, key, start, end; a "->" marks a waiter (it holds nothing yet).
    if (f.length < 8 || f[1] === '->') continue;
    if (f[5] !== key) continue;
    const type = f[3] === 'WRITE' ? 'WRITE' : 'READ';
    out.push({ kind: f[1], type, pid: Number(f[4]), start: Number(f[6]), end: f[7] === 'EOF' ? Infinity : Number(f[7]) });
  }
  return out;
}

/** Pids whose open files hold a lock on (dev, ino): their fdinfo lists it. Bounded by the processes we may read. */
function fdinfoHolders(dev: number, ino: number): number[] {
  const key = lockKey(dev, ino);
  const out: number[] = [];
  for (const name of readdirQuiet('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    for (const fd of readdirQuiet(`/proc/${name}/fdinfo`)) {
      if (readQuiet(`/proc/${name}/fdinfo/${fd}`).includes(` ${key} `)) {
        out.push(Number(name));
        break;
      }
    }
  }
  return out;
}

function commandOf(pid: number): { command?: string } {
  const raw = readQuiet(`/proc/${pid}/cmdline`);
  const command = raw
    .split('\0')
    .filter((s) => s !== '')
    .join(' ');
  return command ? { command: command.length > 200 ? `${command.slice(0, 200)}...` : command } : {};
}

function readQuiet(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function readdirQuiet(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
