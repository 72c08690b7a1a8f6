import { type CheckReport, checkExitCode, checkReport, repairImage } from '../../shared/ops/check';
import type { ProgressCallback } from '../../shared/io/progress';
import { checkReportStreamed } from '../../shared/ops/streamCheck';
import type { RepairMode } from '../../shared/engine/repair';
import { UsageError, flag, parseCommand, stringOption, stringsOption } from '../args';
import { notAnImage, printCheckReport, printRepaired } from '../checkText';
import { journalOptions, openForReading } from '../journalHooks';
import { complain, stderr, stdout } from '../output';
import { type ProgressLine, progressLine, wantProgress } from '../progress';
import { printUsage } from '../help';
import { forFile } from '../../shared/io/fileErrors';
import { bundleCommands, bundleTarget } from './bundleTarget';
import { commandMain } from '../execute';

export async function runCheck(argv: string[]): Promise<number> {
  const p = parseCommand(
    'check',
    argv,
    {
      json: { type: 'boolean' },
      repair: { type: 'string', short: 'r' },
      force: { type: 'boolean' },
      image: { type: 'string', multiple: true },
      progress: { type: 'boolean', short: 'p' },
    },
    { min: 1, max: 1, names: 'IMAGE' },
  );
  if (flag(p, 'help')) return printUsage('check');
  const mode = repairMode(stringOption(p, 'repair'));
  if (flag(p, 'force') && mode === undefined) throw new UsageError('--force only applies to a repair (-r leaks|all)', 'check');
  const path = p.positionals[0];
  const json = flag(p, 'json');
  const bundle = bundleTarget(path);
  if (bundle) return bundleCommands().bundleCheck(bundle, { json, mode, force: flag(p, 'force'), images: stringsOption(p, 'image') });
  if (stringsOption(p, 'image').length > 0) throw new UsageError('--image names an image of a bundle; IMAGE is not a bundle', 'check');
  // Without -r, the BAT is scanned while it is read (the fast path for huge images); -r plans on a full decode.
  const force = flag(p, 'force');
  const progress = progressLine(wantProgress(flag(p, 'progress'), json));
  let report: CheckReport;
  try {
    report = await forFile(path, () => (mode === undefined ? readOnlyCheck(path, progress?.update) : repair(path, mode, force, json, progress)));
  } finally {
    progress?.end();
  }
  if (json) {
    stdout.line(JSON.stringify(report, null, 2));
  } else {
    // Not a Parallels image (or empty): that is all there is to say; a report of one "error" would suggest damage.
    const notImage = notAnImage(report);
    if (notImage) complain(`${path}: ${notImage.message}`);
    else printCheckReport(stdout, report);
  }
  return checkExitCode(report);
}

/** check without -r: never writes; a pending journal is reported and the image checked as recovery would leave it. */
async function readOnlyCheck(path: string, onProgress: ProgressCallback | undefined): Promise<CheckReport> {
  const view = openForReading(path);
  try {
    if (view.rolledBack) return checkReport(view.source);
  } finally {
    view.source.close();
  }
  return checkReportStreamed(path, onProgress ? { onProgress } : {});
}

function repairMode(v: string | undefined): RepairMode | undefined {
  if (v === undefined || v === 'leaks' || v === 'all') return v;
  throw new UsageError(`-r takes 'leaks' or 'all', not '${v}'`, 'check');
}

/**
 * Plans, says what it will do ("Repairing ..." on stderr), writes through the journal, reports the result. With
 * progress on, the stages show while they run: planning (a full check and the repair's passes, with the planner's
 * percentage), then writing and checking the repaired image.
 */
function repair(path: string, mode: RepairMode, force: boolean, json: boolean, progress: ProgressLine | undefined): CheckReport {
  const stage = (text: string): void => {
    if (!progress) return;
    progress.end();
    stderr.line(`hdd-lens: ${text}`);
    stderr.flush();
  };
  stage(`${path}: checking and planning the repair...`);
  const run = repairImage(path, mode, {
    force,
    ...journalOptions(),
    onRecovered: (r) => complain(`${path}: ${r.message}`),
    ...(progress ? { onPlanProgress: progress.update } : {}),
    onPlan(outcome) {
      if (outcome.refused !== undefined) return;
      for (const s of outcome.plan.steps) stderr.line(`Repairing: ${s}`);
      stderr.flush();
      if (outcome.plan.steps.length > 0) stage(`${path}: writing the repair through the journal, then checking the repaired image...`);
    },
  });
  const refused = run.outcome.refused;
  if (refused !== undefined) complain(`${path}: ${refused}`);
  if (run.applied && !json) {
    printRepaired(stdout, Math.max(0, run.before.leaks - run.after.leaks), Math.max(0, run.before.corruptions - run.after.corruptions));
  }
  return run.after;
}

/** The entry point the dispatcher loads (dist/commands/check.js). */
export const main = commandMain(runCheck);
