import { join } from 'node:path';
import { PLOOP_TEMP } from '../../bundle/bundleFiles';
import { defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'bundle-descriptor-tmp',
  title: 'DiskDescriptor.xml.tmp is present',
  severity: 'warning',
  category: 'warning',
  doc: `ploop writes the next descriptor to DiskDescriptor.xml.tmp and renames it over DiskDescriptor.xml. The
temporary file left in place means an operation (a snapshot, a merge, a switch) was interrupted; an image it
created may be an orphan, or the descriptor may be one step behind. Nothing is repaired: compare the two
descriptors before replacing either.`,
  check(ctx) {
    const b = ctx.bundle;
    return b.folder.ploopTemp ? [ctx.inFile(this, `${PLOOP_TEMP} is present: a snapshot operation was interrupted`, join(b.dir, PLOOP_TEMP))] : [];
  },
});
