import { FileSource } from '../../shared/io/fileSource';
import { convertToRaw } from '../../shared/ops/convert';
import { flag, parseCommand } from '../args';
import { printUsage } from '../help';
import { recoverBeforeUse } from '../journalHooks';
import { commandMain } from '../execute';

/** The guest disk as a raw file, as `qemu-img convert -f parallels -O raw` writes it. Prints nothing on success. */
export async function runConvert(argv: string[]): Promise<number> {
  const p = parseCommand('convert', argv, { overwrite: { type: 'boolean' } }, { min: 2, max: 2, names: 'IMAGE and OUT.raw' });
  if (flag(p, 'help')) return printUsage('convert');
  const [image, out] = p.positionals;
  recoverBeforeUse(image);
  const src = new FileSource(image);
  try {
    await convertToRaw(src, image, out, { overwrite: flag(p, 'overwrite') });
  } finally {
    src.close();
  }
  return 0;
}

/** The entry point the dispatcher loads (dist/commands/convert.js). */
export const main = commandMain(runConvert);
