import { withFile } from '../../shared/ops/check';
import { convertToRaw } from '../../shared/ops/convert';
import { flag, parseCommand } from '../args';
import { printUsage } from '../help';
import { recoverBeforeUse } from '../journalHooks';
import { progressLine, wantProgress } from '../progress';

/**
 * The guest disk as a raw file, as `qemu-img convert -f parallels -O raw` writes it. Prints nothing on success but
 * its progress on stderr (with -p, or when stderr is a terminal).
 */
export function runConvert(argv: string[]): number {
  const p = parseCommand('convert', argv, { overwrite: { type: 'boolean' }, progress: { type: 'boolean', short: 'p' } }, { min: 2, max: 2, names: 'IMAGE and OUT.raw' });
  if (flag(p, 'help')) return printUsage('convert');
  const [image, out] = p.positionals;
  recoverBeforeUse(image);
  const progress = progressLine(wantProgress(flag(p, 'progress'), false));
  try {
    withFile(image, (src) => convertToRaw(src, image, out, { overwrite: flag(p, 'overwrite'), ...(progress ? { onProgress: progress.update } : {}) }));
  } finally {
    progress?.end();
  }
  return 0;
}
