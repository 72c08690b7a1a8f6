import { CheckReport, checkExitCode, repairImage } from '../../shared/ops/check';
import { checkReportStreamed } from '../../shared/ops/streamCheck';
import { RepairMode } from '../../shared/repair/repair';
import { UsageError, flag, parseCommand, stringOption } from '../args';
import { printCheckReport, printRepaired } from '../checkText';
import { recoverBeforeUse, journalOptions } from '../journalHooks';
import { complain, stderr, stdout } from '../output';
import { printUsage } from '../help';
import { forFile } from '../../shared/io/fileErrors';
import { commandMain } from '../execute';

export async function runCheck(argv: string[]): Promise<number> {
  const p = parseCommand('check', argv, { json: { type: 'boolean' }, repair: { type: 'string', short: 'r' }, force: { type: 'boolean' } }, { min: 1, max: 1, names: 'IMAGE' });
  if (flag(p, 'help')) return printUsage('check');
  const mode = repairMode(stringOption(p, 'repair'));
  if (flag(p, 'force') && mode === undefined) throw new UsageError('--force only applies to a repair (-r leaks|all)', 'check');
  const path = p.positionals[0];
  const json = flag(p, 'json');
  recoverBeforeUse(path);
  // Without -r, the BAT is scanned while it is read (the fast path for huge images); -r plans on a full decode.
  const force = flag(p, 'force');
  const report = await forFile(path, () => (mode === undefined ? checkReportStreamed(path) : repair(path, mode, force, json)));
  if (json) stdout.line(JSON.stringify(report, null, 2));
  else printCheckReport(stdout, report);
  return checkExitCode(report);
}

function repairMode(v: string | undefined): RepairMode | undefined {
  if (v === undefined || v === 'leaks' || v === 'all') return v;
  throw new UsageError(`-r takes 'leaks' or 'all', not '${v}'`, 'check');
}

/** Plans, says what it will do ("Repairing ..." on stderr), writes through the journal, reports the result. */
function repair(path: string, mode: RepairMode, force: boolean, json: boolean): CheckReport {
  const run = repairImage(path, mode, {
    force,
    ...journalOptions(),
    onPlan(outcome) {
      if (outcome.refused !== undefined) return;
      for (const s of outcome.plan.steps) stderr.line(`Repairing: ${s}`);
      stderr.flush();
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
