/**
 * The CLI's side of the journal: how read-only commands open an image (never recovering: a pending journal is
 * reported, and the image described as recovery would leave it), and test hooks for crash testing.
 *
 * Environment variables (for tests and stress runs only; they never change what is written):
 *   HDD_LENS_TRACE_JOURNAL=1          print each journal step to stderr ("hdd-lens: journal step 3: patch 1/5")
 *   HDD_LENS_CRASH_AFTER_STEP=N       SIGKILL this process right after the Nth journal step (1-based, counting
 *                                     the steps of recovery and of the write in this process)
 *   HDD_LENS_STEP_DELAY_MS=MS         sleep MS milliseconds after each step (widens the windows for an outside
 *                                     random SIGKILL)
 */
import type { JournalOptions, JournalStep } from '../shared/io/journal';
import { type ImageView, openImageView } from '../shared/io/pendingJournal';
import { forFile } from '../shared/io/fileErrors';
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
    case 'journal-body':
    case 'journal-committed':
    case 'image-synced':
    case 'journal-removed':
    case 'rollback-restored':
    case 'rollback-resized':
      return s.kind;
  }
}

/** Opens an image for a read-only command; a pending journal or a writer at work is said on stderr. */
export function openForReading(path: string): ImageView {
  const view = forFile(path, () => openImageView(path));
  if (view.notice) complain(view.notice);
  return view;
}

/** Runs `f` on the image opened for reading, closing it afterwards; system errors name the file. */
export function withView<T>(path: string, f: (view: ImageView) => T): T {
  const view = openForReading(path);
  try {
    return forFile(path, () => f(view));
  } finally {
    view.source.close();
  }
}
