import { forFile } from '../../shared/io/fileErrors';
import { recoverJournal } from '../../shared/io/imageWriter';
import { flag, parseCommand } from '../args';
import { printUsage } from '../help';
import { commandMain } from '../execute';
import { journalOptions } from '../journalHooks';
import { stdout } from '../output';

/**
 * `hdd-lens recover IMAGE`: finishes an interrupted write of IMAGE from its journal (rolls it back, or keeps the
 * completed new state), under the image's lock. Exit 0 when the image is whole (recovered, or nothing to do), 1
 * when the journal does not fit the image (it is kept) or another process holds the image. `--force` rolls back
 * where only the device number differs or several ranges are torn (a power loss); never for another inode or owner.
 */
export function runRecover(argv: string[]): number {
  const p = parseCommand('recover', argv, { force: { type: 'boolean' } }, { min: 1, max: 1, names: 'IMAGE' });
  if (flag(p, 'help')) return printUsage('recover');
  const path = p.positionals[0];
  const r = forFile(path, () => recoverJournal(path, { ...journalOptions(), force: flag(p, 'force') }));
  stdout.line(r.recovered ? `${path}: ${r.message}` : `${path}: no interrupted write to recover`);
  return 0;
}

/** The entry point the dispatcher loads (dist/commands/recover.js). */
export const main = commandMain(runRecover);
