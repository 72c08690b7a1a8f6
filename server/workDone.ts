import type { WorkDoneProgressReporter } from 'vscode-languageserver/node';
import type { ProgressCallback } from '../shared/io/progress';

/**
 * An engine progress callback as LSP work-done reports on `reporter` (begun at 0%): a report for each new whole
 * percentage, never one lower, so a client hears at most 100 of them however often the engine calls.
 */
export function percentReports(reporter: WorkDoneProgressReporter): ProgressCallback {
  let shown = 0;
  return (done, total) => {
    const percent = total > 0 ? Math.min(100, Math.floor((done * 100) / total)) : 100;
    if (percent <= shown) return;
    shown = percent;
    reporter.report(percent);
  };
}
