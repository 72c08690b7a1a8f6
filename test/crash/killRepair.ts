/**
 * Crash safety of `hdd-lens check -r all`, for real: the bundled CLI repairs an image full of duplicate clusters
 * (each one copied to a new cluster, so the write takes a while) and is killed with SIGKILL at a random moment;
 * the next command recovers from the journal, and the image must then be byte-identical either to the original or
 * to the fully repaired image (made by an uninterrupted run on a copy).
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { generateImage } from '../../bench/generate';
import { journalPath } from '../../shared/io/journal';
import { Prng } from '../fuzz/prng';
import { PROJECT_ROOT } from '../oracles';

export const CLI = join(PROJECT_ROOT, 'dist', 'cli.js');

export interface CrashImage {
  path: string;
  /** SHA-256 and size of the original and of the fully repaired image. */
  original: FileDigest;
  repaired: FileDigest;
  /** When the journal's write phase started and ended in the uninterrupted run (ms after spawn). */
  writeStartMs: number;
  writeEndMs: number;
  totalMs: number;
  duplicates: number;
  stepDelayMs: number;
}

export interface FileDigest {
  sha256: string;
  size: number;
}

export interface KillOutcome {
  killAtMs: number;
  /** Whether the kill landed while the journal protocol was under way (not before it, not after it ended). */
  midWrite: boolean;
  /** What the killed process had got to (its last journal step on stderr), if anything. */
  lastStep: string;
  /** Whether the recovering command was killed too (and recovery ran a second time). */
  recoveryKilled: boolean;
  recovery: string;
  result: 'original' | 'repaired' | 'other';
}

export function digest(path: string): FileDigest {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(8 << 20);
  try {
    for (let at = 0; ; ) {
      const n = readSync(fd, buf, 0, buf.length, at);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      at += n;
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest('hex'), size: statSync(path).size };
}

/**
 * An image with `duplicates` entries sharing another entry's cluster, real data in every cluster, and the
 * reference repair of it (timed, with the journal steps traced, to aim the kills at the write).
 */
/**
 * `stepDelayMs` slows each journal step of every run (HDD_LENS_STEP_DELAY_MS: the CLI sleeps after each step, it
 * writes the same bytes), so that short test runs land their random kills inside the write more often.
 */
export async function makeCrashImage(dir: string, entries: number, duplicates: number, seed: number, stepDelayMs = 0): Promise<CrashImage> {
  const path = join(dir, 'crash.hdd');
  generateImage(path, { entries, clusterSize: 64 * 1024, duplicates, data: true, seed });
  const original = digest(path);
  const copy = join(dir, 'reference.hdd');
  copyFileSync(path, copy);
  const t = await traced(['check', '-r', 'all', copy], delayEnv(stepDelayMs));
  if (t.exitCode !== 0) throw new Error(`reference repair failed (exit ${t.exitCode}): ${t.stderr}`);
  if (t.stepTimes.length === 0) throw new Error(`no journal steps traced: ${t.stderr}`);
  const repaired = digest(copy);
  return { path, original, repaired, duplicates, stepDelayMs, totalMs: t.totalMs, writeStartMs: t.stepTimes[0], writeEndMs: t.stepTimes[t.stepTimes.length - 1] };
}

function delayEnv(ms: number): NodeJS.ProcessEnv {
  return ms > 0 ? { HDD_LENS_STEP_DELAY_MS: String(ms) } : {};
}

/** Runs the CLI with the journal steps traced, noting when each reaches stderr (ms after spawn). */
function traced(args: string[], env: NodeJS.ProcessEnv): Promise<{ exitCode: number | null; stderr: string; stepTimes: number[]; totalMs: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env, HDD_LENS_TRACE_JOURNAL: '1' } });
    let stderr = '';
    const stepTimes: number[] = [];
    child.stderr?.on('data', (d: Buffer) => {
      const text = d.toString();
      stderr += text;
      for (const line of text.split('\n')) if (/journal step/.test(line)) stepTimes.push(performance.now() - t0);
    });
    child.on('close', (exitCode) => resolve({ exitCode, stderr, stepTimes, totalMs: performance.now() - t0 }));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts the CLI and kills it with SIGKILL after `ms`; resolves with what it said on stderr. */
async function runAndKill(args: string[], ms: number, env: NodeJS.ProcessEnv = {}): Promise<{ stderr: string; killed: boolean }> {
  const child: ChildProcess = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env, HDD_LENS_TRACE_JOURNAL: '1' } });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const timer = sleep(ms).then(() => 'timer');
  const first = await Promise.race([exited.then(() => 'exit'), timer]);
  const killed = first === 'timer' && child.exitCode === null && child.signalCode === null;
  if (killed) child.kill('SIGKILL');
  await exited;
  return { stderr, killed };
}

/**
 * One kill: copy the original, start `check -r all`, SIGKILL it at a random moment (mostly inside the write
 * window), sometimes kill the recovering command too, then let `check` recover and compare the bytes.
 */
export async function killOnce(img: CrashImage, workDir: string, rng: Prng, index: number): Promise<KillOutcome> {
  const target = join(workDir, `kill-${index}.hdd`);
  copyFileSync(img.path, target);
  // Most kills inside [write start - 20%, write end + 10%]; some anywhere from start-up on.
  const span = img.writeEndMs - img.writeStartMs;
  const killAtMs = rng.chance(0.8)
    ? Math.max(1, img.writeStartMs - span * 0.2 + rng.next() * span * 1.3)
    : rng.next() * img.totalMs;
  const run = await runAndKill(['check', '-r', 'all', target], killAtMs, delayEnv(img.stepDelayMs));
  const lastStep = run.stderr.split('\n').filter((l) => /journal step/.test(l)).pop()?.replace(/^.*journal step \d+: /, '') ?? (run.killed ? 'before any journal step' : 'finished');
  let recoveryKilled = false;
  if (existsSync(journalPath(target)) && rng.chance(0.3)) {
    // Recovery is short: kill it within its first few milliseconds.
    const r = await runAndKill(['check', target], 5 + rng.next() * 60);
    recoveryKilled = r.killed;
  }
  const check = spawnSync(process.execPath, [CLI, 'check', target], { encoding: 'utf8' });
  const recovery = (check.stderr.split('\n').find((l) => /journal|rolled|repair/i.test(l)) ?? 'no journal').trim();
  const d = digest(target);
  const same = (x: FileDigest): boolean => x.sha256 === d.sha256 && x.size === d.size;
  const result = same(img.original) ? 'original' : same(img.repaired) ? 'repaired' : 'other';
  const midWrite = run.killed && lastStep !== 'before any journal step' && lastStep !== 'journal-removed';
  return { killAtMs, midWrite, lastStep, recoveryKilled, recovery, result };
}
