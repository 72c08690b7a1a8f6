/**
 * Writes a fixed DiskDescriptor.xml atomically, as ploop and Parallels Desktop do: the new text goes to a
 * temporary file beside it (created exclusively, so a second writer fails), is fsynced, and is renamed over the
 * descriptor; the folder is fsynced so the rename is durable. The previous descriptor is kept as
 * DiskDescriptor.xml.Backup (written the same way first), as Parallels Desktop keeps its previous copy. A crash
 * leaves either the old descriptor or the new one, never a mix.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BundleError } from './bundle';
import { DESCRIPTOR_BACKUP, DESCRIPTOR_TEMP } from './bundleFiles';
import { parseDescriptor } from './descriptor';

/**
 * Replaces the descriptor of the bundle in `dir` by `next`, provided it still holds `expected` (the text that was
 * checked: a descriptor changed under us is not overwritten) and `next` parses.
 */
export function writeDescriptor(dir: string, descriptorPath: string, expected: string, next: string): void {
  const parsed = parseDescriptor(next);
  if (parsed.error) throw new BundleError(`${descriptorPath}: the fixed descriptor would not parse (${parsed.error.message}); nothing was written`);
  if (readFileSync(descriptorPath, 'utf8') !== expected) throw new BundleError(`${descriptorPath}: changed since it was checked; nothing was written`);
  replaceAtomically(dir, join(dir, DESCRIPTOR_BACKUP), expected);
  replaceAtomically(dir, descriptorPath, next);
}

function replaceAtomically(dir: string, target: string, text: string): void {
  const temp = join(dir, DESCRIPTOR_TEMP);
  let fd: number;
  try {
    fd = openSync(temp, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new BundleError(`${temp}: exists: another hdd-lens is writing this descriptor, or one crashed (remove the file if none runs)`);
    throw e;
  }
  try {
    const bytes = Buffer.from(text, 'utf8');
    for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at, at);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(temp);
    throw e;
  }
  closeSync(fd);
  renameSync(temp, target);
  syncFolder(dir);
}

function syncFolder(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
