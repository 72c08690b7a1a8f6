import { join } from 'node:path';
import { defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'bundle-orphan-file',
  title: 'A file in the bundle is referenced by nothing',
  severity: 'warning',
  category: 'warning',
  doc: `Every file of a bundle folder is the descriptor, an image it names, or a known auxiliary file (the
descriptor's .Backup and .lck, ploop's .statfs, IMAGE.idx and IMAGE.mnt, templates/, Parallels Desktop's 0-byte
NAME.hdd placeholder and NAME.hdd.drh). Anything else is often a delta left by an interrupted snapshot or merge:
invisible to the tools, it can hold hundreds of gigabytes (and possibly data). Nothing is repaired and nothing is
ever deleted: look at it with 'hdd-lens info' first.`,
  check(ctx) {
    const b = ctx.bundle;
    // Without a readable descriptor nothing is known to be referenced: every image would look orphaned.
    if (!b.descriptor) return [];
    return b.folder.orphans.map((name) => ctx.inFile(this, `${name} is referenced by no <Image> of the descriptor`, join(b.dir, name)));
  },
});
