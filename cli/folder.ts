import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What to say when a command is given a folder: a Parallels disk bundle (`harddisk.hdd/` with DiskDescriptor.xml
 * and its .hds images) is a folder, and so is a ploop container's `root.hdd/`; anything else is just not an image.
 */
export function folderMessage(path: string): string {
  if (existsSync(join(path, 'DiskDescriptor.xml'))) {
    return `${path}: is a directory with DiskDescriptor.xml: a Parallels disk bundle, not one image file. check, info, map and convert take the folder itself; this command takes one of its image files (the .hds files its descriptor lists), e.g. ${join(path, '<image>.hds')}`;
  }
  return `${path}: is a directory, not a Parallels image nor a disk bundle (no DiskDescriptor.xml in it)`;
}
