import { convertToRaw } from '../../shared/ops/convert';
import { flag, parseCommand } from '../args';
import { printUsage } from '../help';
import { withView } from '../journalHooks';

/** The guest disk as a raw file, as `qemu-img convert -f parallels -O raw` writes it. Prints nothing on success. */
export function runConvert(argv: string[]): number {
  const p = parseCommand('convert', argv, { overwrite: { type: 'boolean' } }, { min: 2, max: 2, names: 'IMAGE and OUT.raw' });
  if (flag(p, 'help')) return printUsage('convert');
  const [image, out] = p.positionals;
  withView(image, (view) => convertToRaw(view.source, image, out, { overwrite: flag(p, 'overwrite') }));
  return 0;
}
