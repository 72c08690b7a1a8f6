/**
 * Crash safety of `hdd-lens check -r all`, for real: the bundled CLI repairs an image full of duplicate clusters
 * (each one copied to a new cluster, so the write takes a while) and is killed with SIGKILL at a random moment;
 * the next command recovers from the journal, and the image must then be byte-identical either to the original or
 * to the fully repaired image (made by an uninterrupted run on a copy).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { generateImage } from '../../bench/generate';
import { journalPath } from '../../shared/io/journal';
import type { Prng } from '../fuzz/prng';
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
  /** Whether the kill landed inside the journaled write (the next command found a journal to recover from). */
  midWrite: boolean;
  /** Where the kill landed: before the write (no journal), inside it (journal present), or after the process ended. */
  when: string;
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
    for (let at = 0; ;) {
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
 * `leakClusters` unused clusters at the end: when they outnumber the copies, the repair ends by truncating the file
 * (the step after which recovery rolls forward). `stepDelayMs` slows each journal step of every run (HDD_LENS_STEP_DELAY_MS: the CLI sleeps after each step, it
 * writes the same bytes), so that random kills land inside the write more often.
 */
export async function makeCrashImage(dir: string, entries: number, duplicates: number, seed: number, stepDelayMs = 0, leakClusters = 0): Promise<CrashImage> {
  const path = join(dir, `crash-${seed}.hdd`);
  generateImage(path, { entries, clusterSize: 64 * 1024, duplicates, leakClusters, data: true, seed });
  const original = digest(path);
  const copy = join(dir, `reference-${seed}.hdd`);
  copyFileSync(path, copy);
  const t = await watchedRepair(copy, delayEnv(stepDelayMs));
  if (t.exitCode !== 0) throw new Error(`reference repair failed (exit ${t.exitCode})`);
  if (t.journalFirstMs === undefined || t.journalLastMs === undefined) throw new Error('the reference repair wrote no journal that could be seen');
  const repaired = digest(copy);
  return { path, original, repaired, duplicates, stepDelayMs, totalMs: t.totalMs, writeStartMs: t.journalFirstMs, writeEndMs: t.journalLastMs };
}

function delayEnv(ms: number): NodeJS.ProcessEnv {
  return ms > 0 ? { HDD_LENS_STEP_DELAY_MS: String(ms) } : {};
}

/**
 * Runs `check -r all` and watches for its journal beside the image (every millisecond): the journal exists from
 * the start of the write to its end, which is the window the kills aim at. (The CLI's stderr cannot time it: the
 * process writes it while busy, and it arrives at exit.)
 */
function watchedRepair(
  image: string,
  env: NodeJS.ProcessEnv,
): Promise<{ exitCode: number | null; journalFirstMs?: number; journalLastMs?: number; totalMs: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, 'check', '-r', 'all', image], { stdio: 'ignore', env: { ...process.env, ...env } });
    let first: number | undefined;
    let last: number | undefined;
    const watch = setInterval(() => {
      if (!existsSync(journalPath(image))) return;
      const now = performance.now() - t0;
      first ??= now;
      last = now;
    }, 1);
    child.on('close', (exitCode) => {
      clearInterval(watch);
      resolve({ exitCode, journalFirstMs: first, journalLastMs: last, totalMs: performance.now() - t0 });
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts the CLI and kills it with SIGKILL after `ms`; says whether it was killed and whether its journal existed then. */
async function runAndKill(args: string[], ms: number, journal: string, env: NodeJS.ProcessEnv = {}): Promise<{ killed: boolean; journalAtKill: boolean }> {
  const child: ChildProcess = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore', env: { ...process.env, ...env } });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const first = await Promise.race([exited.then(() => 'exit'), sleep(ms).then(() => 'timer')]);
  const killed = first === 'timer' && child.exitCode === null && child.signalCode === null;
  const journalAtKill = killed && existsSync(journal);
  if (killed) child.kill('SIGKILL');
  await exited;
  return { killed, journalAtKill };
}

/**
 * One kill: copy the original, start `check -r all`, SIGKILL it at a random moment (mostly inside the write
 * window), sometimes kill the recovering command too, then let `recover` recover and compare the bytes.
 */
export async function killOnce(img: CrashImage, workDir: string, rng: Prng, index: number): Promise<KillOutcome> {
  const target = join(workDir, `kill-${index}.hdd`);
  copyFileSync(img.path, target);
  // Most kills inside [write start - 20%, write end + 10%]; some anywhere from start-up on.
  const span = img.writeEndMs - img.writeStartMs;
  const killAtMs = rng.chance(0.8) ? Math.max(1, img.writeStartMs - span * 0.2 + rng.next() * span * 1.3) : rng.next() * img.totalMs;
  const journal = journalPath(target);
  const run = await runAndKill(['check', '-r', 'all', target], killAtMs, journal, delayEnv(img.stepDelayMs));
  const journalLeft = existsSync(journal);
  const when = !run.killed
    ? 'finished before the kill'
    : run.journalAtKill
      ? 'inside the write (journal present)'
      : journalLeft
        ? 'as the journal was created'
        : 'before or after the write (no journal)';
  let recoveryKilled = false;
  if (existsSync(journal) && rng.chance(0.3)) {
    // Recovery is short: kill it within its first few milliseconds.
    const r = await runAndKill(['recover', target], 5 + rng.next() * 60, journal);
    recoveryKilled = r.killed;
  }
  // Only a command asked to write recovers (a plain check reads through the journal and writes nothing).
  const check = spawnSync(process.execPath, [CLI, 'recover', target], { encoding: 'utf8' });
  const recovery = ((check.stdout + check.stderr).split('\n').find((l) => /journal|rolled|repair/i.test(l)) ?? 'no journal').trim();
  const d = digest(target);
  const same = (x: FileDigest): boolean => x.sha256 === d.sha256 && x.size === d.size;
  const result = same(img.original) ? 'original' : same(img.repaired) ? 'repaired' : 'other';
  const midWrite = run.killed && journalLeft;
  return { killAtMs, midWrite, when, recoveryKilled, recovery, result };
}
