/**
 * The CLI's side of the journal: recovery before any command reads an image, and test hooks for crash testing.
 *
 * Environment variables (for tests and stress runs only; they never change what is written):
 *   HDD_LENS_TRACE_JOURNAL=1          print each journal step to stderr ("hdd-lens: journal step 3: patch 1/5")
 *   HDD_LENS_CRASH_AFTER_STEP=N       SIGKILL this process right after the Nth journal step (1-based, counting
 *                                     the steps of recovery and of the write in this process)
 *   HDD_LENS_STEP_DELAY_MS=MS         sleep MS milliseconds after each step (widens the windows for an outside
 *                                     random SIGKILL)
 */
import { JournalOptions, JournalStep, recoverJournal } from '../shared/io/journal';
import { complain } from './output';

let stepCount = 0;

export function journalOptions(): JournalOptions {
  const crashAt = Number(process.env.HDD_LENS_CRASH_AFTER_STEP ?? 0);
  const trace = process.env.HDD_LENS_TRACE_JOURNAL === '1';
  const delay = Number(process.env.HDD_LENS_STEP_DELAY_MS ?? 0);
  if (!crashAt && !trace && !delay) return {};
  return {
    onStep(step) {
      stepCount++;
      if (trace) complain(`journal step ${stepCount}: ${describeStep(step)}`);
      if (delay > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delay);
      if (stepCount === crashAt) process.kill(process.pid, 'SIGKILL');
    },
  };
}

function describeStep(s: JournalStep): string {
  switch (s.kind) {
    case 'patch':
      return `patch ${s.index + 1}/${s.of}`;
    case 'resized':
      return `resized to ${s.size}`;
    default:
      return s.kind;
  }
}

/** Rolls back (or completes) an interrupted write of `path` before it is read, saying so on stderr. */
export function recoverBeforeUse(path: string): void {
  const r = recoverJournal(path, journalOptions());
  if (r.recovered) complain(`${path}: ${r.message}`);
}
