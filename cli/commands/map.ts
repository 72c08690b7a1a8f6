import { decodeImage } from '../../shared/format/image';
import { MAP_HUMAN_HEADER, MapEntry, mapEntries, mapEntryHuman, mapEntryJson } from '../../shared/ops/map';
import { flag, parseCommand } from '../args';
import { printUsage } from '../help';
import { withView } from '../journalHooks';
import { stdout } from '../output';
import { bundleMap, bundleTarget } from './bundle';

/** `qemu-img map` output, JSON (`--json`, byte for byte qemu-img 10's) or its human table. */
export function runMap(argv: string[]): number {
  const p = parseCommand('map', argv, { json: { type: 'boolean' } }, { min: 1, max: 1, names: 'IMAGE' });
  if (flag(p, 'help')) return printUsage('map');
  const path = p.positionals[0];
  const json = flag(p, 'json');
  const bundle = bundleTarget(path);
  if (bundle) return bundleMap(bundle, json);
  withView(path, (view) => {
    const entries = mapEntries(decodeImage(view.source));
    if (json) printJson(entries);
    else printHuman(entries, path);
  });
  return 0;
}

function printJson(entries: Iterable<MapEntry>): void {
  let first = true;
  for (const e of entries) {
    stdout.text(first ? '[' : ',\n');
    stdout.text(mapEntryJson(e));
    first = false;
  }
  stdout.text(']\n');
}

function printHuman(entries: Iterable<MapEntry>, file: string): void {
  let headerDone = false;
  for (const e of entries) {
    if (!headerDone) stdout.line(MAP_HUMAN_HEADER);
    headerDone = true;
    const line = mapEntryHuman(e, file);
    if (line !== undefined) stdout.line(line);
  }
}
