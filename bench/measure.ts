/**
 * Whole-process measurements: wall time (from spawn to exit, as a user waits for it), CPU time and peak RSS
 * (from GNU time, when installed), over several runs after a warm-up run, with a timeout that is reported as
 * "> N s" rather than hidden.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../test/oracles';

const GNU_TIME = '/usr/bin/time';

export interface RunResult {
  wallMs: number;
  /** User + system CPU time, when GNU time is there. */
  cpuMs?: number;
  /** Peak resident set size in KiB, when GNU time is there. */
  peakRssKb?: number;
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

export interface Measurement {
  label: string;
  runs: RunResult[];
  /** Median wall time of the runs that finished (undefined when none did). */
  medianMs?: number;
  medianCpuMs?: number;
  peakRssKb?: number;
  timedOut: boolean;
  timeoutMs: number;
  exitCode: number | null;
}

export interface MeasureOptions {
  runs?: number;
  /** Runs before the measured ones (page cache, JIT-less warm-up of the binary's pages). */
  warmup?: number;
  timeoutMs?: number;
  /** Keep stdout (otherwise discarded: a 16M-entry map prints hundreds of MB). */
  captureStdout?: boolean;
}

export const hasGnuTime = existsSync(GNU_TIME);

/** Runs a command once, timed, killed with SIGKILL after the timeout. */
export function runOnce(cmd: string, args: readonly string[], timeoutMs: number, captureStdout = false, env?: NodeJS.ProcessEnv): RunResult {
  const dir = mkdtempSync(join(tmpdir(), 'hdd-lens-bench-'));
  const timeFile = join(dir, 'time');
  // GNU time runs the command as its child: killing time on a timeout would leave the command running (and taking
  // a core from every later measurement), so coreutils' timeout, the command's parent, kills the command itself.
  const limited = ['timeout', '--signal=KILL', `${Math.ceil(timeoutMs / 1000)}s`, cmd, ...args];
  const argv = hasGnuTime ? ['-f', '%e %U %S %M', '-o', timeFile, ...limited] : limited.slice(1);
  const t = process.hrtime.bigint();
  const r = spawnSync(hasGnuTime ? GNU_TIME : 'timeout', argv, {
    timeout: timeoutMs + 10000,
    killSignal: 'SIGKILL',
    stdio: ['ignore', captureStdout ? 'pipe' : 'ignore', 'pipe'],
    maxBuffer: 1 << 30,
    encoding: 'utf8',
    env: env ?? process.env,
  });
  const wallMs = Number(process.hrtime.bigint() - t) / 1e6;
  // timeout(1) exits 137 when it had to kill the command.
  const timedOut = (r.error !== undefined && /ETIMEDOUT/.test(String(r.error))) || r.signal === 'SIGKILL' || r.status === 137;
  const out: RunResult = { wallMs, exitCode: r.status, timedOut, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  if (hasGnuTime && !timedOut && existsSync(timeFile)) {
    const fields = readFileSync(timeFile, 'utf8').trim().split('\n').pop()?.split(' ').map(Number) ?? [];
    if (fields.length === 4) {
      out.cpuMs = (fields[1] + fields[2]) * 1000;
      out.peakRssKb = fields[3];
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return out;
}

/**
 * Measures a command: a warm-up run, then `runs` timed runs. If a run times out, the rest are skipped: the
 * figure is then "> timeout".
 */
export function measure(label: string, cmd: string, args: readonly string[], options: MeasureOptions = {}): Measurement {
  const runs = options.runs ?? 5;
  const timeoutMs = options.timeoutMs ?? 120000;
  const results: RunResult[] = [];
  for (let k = 0; k < (options.warmup ?? 1); k++) {
    const w = runOnce(cmd, args, timeoutMs, options.captureStdout);
    if (w.timedOut) return summarize(label, [w], timeoutMs);
  }
  for (let k = 0; k < runs; k++) {
    const r = runOnce(cmd, args, timeoutMs, options.captureStdout);
    results.push(r);
    if (r.timedOut) break;
  }
  return summarize(label, results, timeoutMs);
}

/** One command of a side-by-side measurement. */
export interface Contender {
  label: string;
  cmd: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/**
 * Measures commands side by side: `warmup` rounds, then `runs` rounds, each running every command once in turn
 * (A B C, B C A, C A B: not A A A B B B), so that a change in the machine's load affects all of them alike. Each
 * round starts one command further on, so that no command always runs first: in a fixed order, the same hdd-lens
 * convert took 7.50 s run first in each round and 4.52 s run second (16:51 UTC on 2026-12-03): the order was a
 * figure. A command that times out is left out of later rounds (its figure is "> timeout"). `settle` runs before
 * each command, untimed.
 */
export function measureInterleaved(
  contenders: readonly Contender[],
  options: { runs?: number; warmup?: number; settle?: (next: Contender) => void } = {},
): Measurement[] {
  const runs = options.runs ?? 5;
  const warmup = options.warmup ?? 1;
  const results: RunResult[][] = contenders.map(() => []);
  for (let round = 0; round < warmup + runs; round++) {
    contenders.forEach((_, turn) => {
      // The first measured round starts with the first command (with fewer rounds than commands, the last ones
      // never run first).
      const k = (turn + round - warmup + contenders.length * warmup) % contenders.length;
      const c = contenders[k];
      const done = results[k];
      if (done.some((r) => r.timedOut)) return;
      options.settle?.(c);
      const r = runOnce(c.cmd, c.args, c.timeoutMs ?? 120000, false, c.env);
      if (round >= warmup || r.timedOut) done.push(r);
    });
  }
  return contenders.map((c, k) => summarize(c.label, results[k], c.timeoutMs ?? 120000));
}

/** Why a measured command's time is not a figure: it crashed (a signal, an assertion) or failed. */
export function failureOf(m: Measurement, allowedExits: readonly number[]): string | undefined {
  if (m.timedOut) return undefined;
  const bad = m.runs.find((r) => r.exitCode === null || !allowedExits.includes(r.exitCode));
  if (!bad) return undefined;
  const signal = bad.exitCode !== null && bad.exitCode > 128 ? ` (signal ${bad.exitCode - 128}${bad.exitCode === 134 ? ', an assertion failed' : ''})` : '';
  const first =
    bad.stderr
      .trim()
      .split('\n')
      .find((l) => l.trim() !== '' && !/^Command (exited|terminated)/.test(l)) ?? '';
  return `crashed: exit ${bad.exitCode ?? 'by a signal'}${signal}${first ? `: "${first.replace(/[`|]/g, "'").slice(0, 120)}"` : ''}`;
}

/** The machine's load average now (1, 5 and 15 minutes). */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

function summarize(label: string, runs: RunResult[], timeoutMs: number): Measurement {
  const done = runs.filter((r) => !r.timedOut);
  const cpu = done.map((r) => r.cpuMs).filter((v): v is number => v !== undefined);
  const rss = done.map((r) => r.peakRssKb).filter((v): v is number => v !== undefined);
  return {
    label,
    runs,
    medianMs: done.length > 0 ? median(done.map((r) => r.wallMs)) : undefined,
    medianCpuMs: cpu.length > 0 ? median(cpu) : undefined,
    peakRssKb: rss.length > 0 ? Math.max(...rss) : undefined,
    timedOut: runs.some((r) => r.timedOut),
    timeoutMs,
    exitCode: runs[runs.length - 1]?.exitCode ?? null,
  };
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** "0.61 s", "> 120 s", "n/a". */
export function formatTime(m: Pick<Measurement, 'medianMs' | 'timedOut' | 'timeoutMs'>): string {
  if (m.timedOut) return `> ${(m.timeoutMs / 1000).toFixed(0)} s`;
  if (m.medianMs === undefined) return 'n/a';
  return m.medianMs < 1000 ? `${m.medianMs.toFixed(0)} ms` : `${(m.medianMs / 1000).toFixed(2)} s`;
}

export function formatRss(kb: number | undefined): string {
  return kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(0)} MiB`;
}

/** How many times slower `a` is than `b` ("3.6x"), or a lower bound when `a` timed out. */
export function ratio(a: Measurement, b: Measurement): string {
  if (b.medianMs === undefined) return 'n/a';
  if (a.timedOut) return `> ${(a.timeoutMs / b.medianMs).toFixed(0)}x`;
  if (a.medianMs === undefined) return 'n/a';
  const r = a.medianMs / b.medianMs;
  return r >= 10 ? `${r.toFixed(0)}x` : `${r.toFixed(2)}x`;
}

/**
 * A fresh folder under bench/work (gitignored, beside the generated images: the same file system, so sparse files
 * and renames behave as on the images' disk). Made here so that one benchmark run alone (`node out/bench/X.js`)
 * works on a fresh clone, where bench/work does not exist yet.
 */
export function benchWorkDir(prefix: string): string {
  const parent = join(PROJECT_ROOT, 'bench', 'work');
  mkdirSync(parent, { recursive: true });
  return mkdtempSync(join(parent, `${prefix}-`));
}
