/**
 * What a path given to the CLI names: an image file, one bundle (its folder or its DiskDescriptor.xml), or a
 * Parallels Desktop VM (`X.pvm/`: every disk bundle in it). Notes §13.1.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BundleError } from './bundleError';
import { DESCRIPTOR_NAME, fileState } from './bundleFiles';

export type Target = { kind: 'image'; path: string } | { kind: 'bundle'; dir: string } | { kind: 'vm'; dir: string; bundles: string[] };

export function locate(path: string): Target {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    return { kind: 'image', path };
  }
  if (!isDir) return basename(path) === DESCRIPTOR_NAME ? { kind: 'bundle', dir: dirname(path) } : { kind: 'image', path };
  if (fileState(join(path, DESCRIPTOR_NAME)).kind === 'file') return { kind: 'bundle', dir: path };
  const bundles = diskBundles(path);
  if (bundles.length > 0) return { kind: 'vm', dir: path, bundles };
  if (fileState(join(path, 'root.hdd')).kind === 'file') {
    throw new BundleError(`${path}: holds root.hdd, a Virtuozzo 9 qcow2 image without a descriptor; not a Parallels bundle (read it with qemu-img)`);
  }
  // The message starts as it did before bundles were read ("is a directory"): scripts match it.
  throw new BundleError(`${path}: is a directory, not a Parallels image nor a disk bundle (no ${DESCRIPTOR_NAME} in it, nor in a NAME.hdd folder inside)`);
}

/** The sub-folders of a VM folder that are disk bundles, sorted by name. */
function diskBundles(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && fileState(join(dir, e.name, DESCRIPTOR_NAME)).kind === 'file')
      .map((e) => join(dir, e.name))
      .sort();
  } catch {
    return [];
  }
}
