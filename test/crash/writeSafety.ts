/**
 * "Nothing writes outside the image and its journal; the server never writes at all", checked two ways: the
 * folder of the image is listed (names, sizes, mtimes) before and after each command, and, where strace is
 * installed, every system call that can change a file (opens for writing, creations, truncations, renames,
 * removals) is traced and its path compared with what the command may touch.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { PARTIAL_SUFFIX, journalPath } from '../../shared/io/journal';

/** What can change a file. */
const TRACED =
  'openat,open,creat,truncate,ftruncate,rename,renameat,renameat2,unlink,unlinkat,mkdir,mkdirat,link,linkat,symlink,symlinkat,chmod,fchmodat,utimensat';

export function straceAvailable(): boolean {
  return spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;
}

/** One file-changing system call: what it was and the path it changed. */
export interface FileChange {
  call: string;
  path: string;
}

/**
 * The file-changing calls in an strace log. Opens count when their flags can write (O_WRONLY, O_RDWR, O_CREAT,
 * O_TRUNC, O_APPEND) and succeeded; ftruncate, and a reopen through /proc/self/fd/N (convert's O_DIRECT
 * descriptor), are attributed to the path the descriptor was opened on: a reopen cannot launder a write.
 */
export function fileChanges(log: string, cwd: string): FileChange[] {
  const out: FileChange[] = [];
  // Threads of one process share descriptors: the latest open of a number is what it names (numbers are reused).
  const fds = new Map<string, string>();
  const opened = (fd: string | undefined): string => (fd !== undefined ? fds.get(fd) : undefined) ?? `fd ${fd}`;
  for (const line of log.split('\n')) {
    const m = /^(\d+)\s+(\w+)\((.*)\)\s+=\s+(-?\d+)/.exec(line);
    if (!m) continue;
    const [, , call, args, ret] = m;
    const ok = Number(ret) >= 0;
    const paths = [...args.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((p) => {
      const reopen = /^\/proc\/(?:self|\d+)\/fd\/(\d+)$/.exec(p[1]);
      return reopen ? opened(reopen[1]) : resolve(cwd, p[1]);
    });
    if (call === 'openat' || call === 'open' || call === 'creat') {
      if (ok && paths[0]) fds.set(ret, paths[0]);
      if (ok && (call === 'creat' || /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/.test(args))) out.push({ call, path: paths[0] });
    } else if (call === 'ftruncate') {
      if (ok) out.push({ call, path: opened(/^(\d+)/.exec(args)?.[1]) });
    } else if (ok) {
      for (const p of paths) out.push({ call, path: p });
    }
  }
  return out;
}

/** Runs a command under strace; returns its exit code and the file changes it made. */
export function tracedRun(argv: string[], cwd: string): { status: number | null; changes: FileChange[] } {
  const log = join(cwd, '..', `strace-${process.pid}-${Date.now()}.log`);
  const r = spawnSync('strace', ['-f', '-qq', '-e', `trace=${TRACED}`, '-o', log, ...argv], { cwd, stdio: 'ignore' });
  const text = readFileSync(log, 'utf8');
  spawnSync('rm', ['-f', log]);
  return { status: r.status, changes: fileChanges(text, cwd) };
}

/** Names, sizes and modification times of a folder's files. */
export function listing(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    const s = statSync(join(dir, name));
    out.set(name, `${s.size}:${s.mtimeMs}`);
  }
  return out;
}

/** Which entries of a folder were added, removed or changed between two listings. */
export function listingChanges(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [name, v] of after)
    if (!before.has(name)) out.push(`added ${name}`);
    else if (before.get(name) !== v) out.push(`changed ${name}`);
  for (const name of before.keys()) if (!after.has(name)) out.push(`removed ${name}`);
  return out;
}

/** The paths a CLI command may change: none for reads, the image and its journal for repairs, the output. */
export function allowedChanges(args: string[], cwd: string): Set<string> {
  const [command, ...rest] = args;
  const files = rest.filter((a) => !a.startsWith('-') && !['leaks', 'all'].includes(a)).map((a) => resolve(cwd, a));
  // A write: the image, its journal and the journal's temporary name (written, then linked to the real one).
  const write = (f: string): Set<string> => new Set([f, journalPath(f), journalPath(f) + PARTIAL_SUFFIX]);
  if (command === 'check' && (rest.includes('-r') || rest.some((a) => a.startsWith('--repair')))) return write(files[0]);
  if (command === 'recover') return write(files[0]);
  // convert writes a hidden temporary file beside OUT and renames it to OUT when complete.
  if (command === 'convert') return new Set([files[1], join(dirname(files[1]), `.${basename(files[1])}.hdd-lens-partial`)]);
  if (command === 'create') return new Set([files[0]]);
  return new Set();
}

/** Character devices (the terminal, /dev/null) are not files a command could damage. */
function isDevice(path: string): boolean {
  return path.startsWith('/dev/');
}

export function violations(changes: readonly FileChange[], allowed: Set<string>): string[] {
  return changes.filter((c) => !allowed.has(c.path) && !isDevice(c.path)).map((c) => `${c.call} ${c.path}`);
}

/**
 * Attaches strace to a running process (the language server) until `stop` is called; returns the changes it saw.
 * Attaching needs ptrace permission (root, or ptrace_scope 0).
 */
export function attachTrace(pid: number, logPath: string): { ready: Promise<void>; stop: () => Promise<FileChange[]> } {
  const child: ChildProcess = spawn('strace', ['-f', '-qq', '-p', String(pid), '-e', `trace=${TRACED}`, '-o', logPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  // strace prints nothing once attached with -qq; give it a moment (and fail loudly if it exited).
  const ready = new Promise<void>((res, rej) => {
    const t = setTimeout(() => res(), 500);
    child.on('exit', (code) => {
      clearTimeout(t);
      rej(new Error(`strace -p ${pid} exited (${code}): ${stderr}`));
    });
  });
  const stop = (): Promise<FileChange[]> =>
    new Promise((res) => {
      child.removeAllListeners('exit');
      child.on('exit', () => res(fileChanges(readFileSync(logPath, 'utf8'), '/')));
      child.kill('SIGINT');
    });
  return { ready, stop };
}
