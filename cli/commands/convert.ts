import { convertToRaw } from '../../shared/ops/convert';
import { flag, parseCommand } from '../args';
import { printUsage } from '../help';
import { openForReading } from '../journalHooks';
import { forFile } from '../../shared/io/fileErrors';
import { UsageError, stringOption } from '../args';
import { progressLine, wantProgress } from '../progress';
import { commandMain } from '../execute';
import { bundleCommands, bundleTarget } from './bundleTarget';

/**
 * The guest disk as a raw file, as `qemu-img convert -f parallels -O raw` writes it. Prints nothing on success but
 * its progress on stderr (with -p, or when stderr is a terminal).
 */
export async function runConvert(argv: string[]): Promise<number> {
  const p = parseCommand(
    'convert',
    argv,
    { overwrite: { type: 'boolean' }, 'no-sync': { type: 'boolean' }, snapshot: { type: 'string' }, progress: { type: 'boolean', short: 'p' } },
    { min: 2, max: 2, names: 'IMAGE and OUT.raw' },
  );
  if (flag(p, 'help')) return printUsage('convert');
  const [image, out] = p.positionals;
  const bundle = bundleTarget(image);
  const progress = progressLine(wantProgress(flag(p, 'progress'), false));
  const output = { overwrite: flag(p, 'overwrite'), sync: !flag(p, 'no-sync') };
  if (bundle) {
    try {
      return await bundleCommands().bundleConvert(bundle, out, {
        snapshot: stringOption(p, 'snapshot'),
        ...output,
        ...(progress ? { onProgress: progress.update } : {}),
      });
    } finally {
      progress?.end();
    }
  }
  if (stringOption(p, 'snapshot') !== undefined) throw new UsageError('--snapshot applies to a bundle; IMAGE is a single image', 'convert');
  const view = openForReading(image);
  try {
    await forFile(image, () => convertToRaw(view.source, image, out, { ...output, ...(progress ? { onProgress: progress.update } : {}) }));
  } finally {
    progress?.end();
    view.source.close();
  }
  return 0;
}

/** The entry point the dispatcher loads (dist/commands/convert.js). */
export const main = commandMain(runConvert);
