import { allImages } from '../../bundle/bundle';
import { NULL_GUID } from '../../bundle/descriptor';
import { defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'bundle-plain-label',
  title: 'A delta labelled Plain has a Parallels header (ploop raw mode)',
  severity: 'info',
  category: 'info',
  doc: `When any image of a ploop disk is Plain (a raw base), ploop switches the whole descriptor to raw mode and
writes Type Plain for every image, deltas included, although the deltas are ordinary expandable images. hdd-lens
reads each file by its magic, so such a delta is read as the expandable image it is. Nothing is wrong and nothing
is repaired.`,
  check(ctx) {
    const b = ctx.bundle;
    return allImages(b)
      .filter((i) => i.kind === 'expandable' && i.entry.type?.text === 'Plain' && b.tree.byGuid.get(i.guid)?.shot.parent?.value !== NULL_GUID)
      .map((i) =>
        ctx.at(this, `storage ${i.storage}: ${i.entry.file?.text} is labelled Plain but is an expandable image (ploop's raw-mode labelling)`, i.entry.type?.el),
      );
  },
});
