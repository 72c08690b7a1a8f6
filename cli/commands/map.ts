import { decodeImage } from '../../shared/format/image';
import { requireReadable } from '../../shared/ops/blocker';
import { printMap } from '../../shared/ops/mapPrint';
import { flag, parseCommand } from '../args';
import { printUsage } from '../help';
import { withView } from '../journalHooks';
import { stdout } from '../output';
import { bundleCommands, bundleTarget } from './bundleTarget';
import { commandMain } from '../execute';

/** `qemu-img map` output, JSON (`--json`, byte for byte qemu-img 10's) or its human table. */
export function runMap(argv: string[]): number | Promise<number> {
  const p = parseCommand('map', argv, { json: { type: 'boolean' } }, { min: 1, max: 1, names: 'IMAGE' });
  if (flag(p, 'help')) return printUsage('map');
  const path = p.positionals[0];
  const json = flag(p, 'json');
  const bundle = bundleTarget(path);
  if (bundle) return bundleCommands().bundleMap(bundle, json);
  withView(path, (view) => {
    // The BAT is streamed by printMap, not read here.
    const image = decodeImage(view.source, { bat: false });
    requireReadable(image);
    printMap(view.source, image.geometry, json ? { kind: 'json' } : { kind: 'human', file: path }, (bytes) => stdout.bytes(bytes));
  });
  return 0;
}

/** The entry point the dispatcher loads (dist/commands/map.js). */
export const main = commandMain(runMap);
