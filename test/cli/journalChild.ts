/**
 * A child process for the journal tests: applies an edit set to a file through `applyJournaled`, or recovers
 * it, with the CLI's crash hooks (HDD_LENS_CRASH_AFTER_STEP, HDD_LENS_TRACE_JOURNAL) so a test can SIGKILL it at
 * every step. Not a test file itself (mocha runs *.test.js only).
 *
 *   node journalChild.js apply FILE EDITS_JSON     EDITS_JSON: {"patches":[{"offset":N,"fill":B,"length":L}],"size":S}
 *   node journalChild.js recover FILE
 */
import { applyJournaled, recoverJournal } from '../../shared/io/imageWriter';
import type { EditSet } from '../../shared/io/patch';
import { journalOptions } from '../../cli/journalHooks';

export interface EditSpec {
  patches: Array<{ offset: number; fill: number; length: number }>;
  /** Copy runs, as EditSet's: `length` bytes of the state before the set at `from`, written at `offset`. */
  copies?: Array<{ offset: number; length: number; from: number }>;
  size?: number;
}

export function editsOf(spec: EditSpec): EditSet {
  const edits: EditSet = { patches: spec.patches.map((p) => ({ offset: p.offset, data: new Uint8Array(p.length).fill(p.fill) })) };
  if (spec.size !== undefined) edits.size = spec.size;
  if (spec.copies) edits.copies = spec.copies;
  return edits;
}

function main(): void {
  const [command, file, json] = process.argv.slice(2);
  if (command === 'apply') {
    try {
      applyJournaled(file, editsOf(JSON.parse(json) as EditSpec), journalOptions());
    } catch (e) {
      // The message on stderr, exit 1 (as the CLI): the tests read it.
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    }
  } else if (command === 'recover') process.stdout.write(JSON.stringify(recoverJournal(file, journalOptions())));
  else throw new Error(`unknown command ${command}`);
}

if (require.main === module) main();
