import { pathExists } from '../../shared/io/openFile';
import { journalPath } from '../../shared/io/journal';
import { CreateError, createImage } from '../../shared/ops/create';
import { UsageError, flag, parseCommand, stringOption } from '../args';
import { printUsage } from '../help';
import { parseSize } from '../size';
import { stdout } from '../output';
import { commandMain } from '../execute';

/** A new empty image, byte for byte `qemu-img create -f parallels` (or the WithoutFreeSpace variant). */
export function runCreate(argv: string[]): number {
  const p = parseCommand(
    'create',
    argv,
    { 'cluster-size': { type: 'string' }, legacy: { type: 'boolean' }, overwrite: { type: 'boolean' } },
    { min: 2, max: 2, names: 'IMAGE and SIZE' },
  );
  if (flag(p, 'help')) return printUsage('create');
  const [path, sizeText] = p.positionals;
  const size = sizeArg(sizeText, 'SIZE');
  const cluster = stringOption(p, 'cluster-size');
  const clusterSize = cluster === undefined ? undefined : sizeArg(cluster, '--cluster-size');
  // A journal beside the path belongs to an image that was being repaired: replacing that image would let a
  // later recovery write the old image's bytes into the new one.
  if (pathExists(journalPath(path))) {
    throw new CreateError(`${path}: ${journalPath(path)} exists (an interrupted repair); run 'hdd-lens recover ${path}' to recover it first`);
  }
  const legacy = flag(p, 'legacy');
  const layout = createImage(path, { size, clusterSize, legacy }, { overwrite: flag(p, 'overwrite') });
  // qemu-img's line, so that the two tools read alike.
  stdout.line(`Formatting '${path}', fmt=parallels size=${size} cluster_size=${layout.clusterSize}${legacy ? ' (WithoutFreeSpace)' : ''}`);
  return 0;
}

function sizeArg(text: string, what: string): number {
  const v = parseSize(text);
  if (v === undefined) {
    throw new UsageError(`invalid ${what} '${text}': use bytes or a number with a k, M, G, T, P or E suffix (e.g. 64k, 1.5G)`, 'create');
  }
  return v;
}

/** The entry point the dispatcher loads (dist/commands/create.js). */
export const main = commandMain(runCreate);
