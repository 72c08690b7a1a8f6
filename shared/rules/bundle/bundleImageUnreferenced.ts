import { defineBundleRule, type BundleFinding } from '../../bundle/rule';

export default defineBundleRule({
  code: 'bundle-image-unreferenced',
  title: 'An image belongs to no snapshot',
  severity: 'warning',
  category: 'warning',
  doc: `Every Image's GUID is a Shot's GUID. An Image without a Shot is in no chain: no reader reads it, and it
takes space (ploop refuses such a descriptor). It may be a leftover of an interrupted snapshot operation. Nothing
is repaired and nothing is deleted.`,
  check(ctx) {
    const b = ctx.bundle;
    const out: BundleFinding[] = [];
    for (const m of b.images) {
      for (const img of m.values())
        if (!b.tree.byGuid.has(img.guid))
          out.push(ctx.at(this, `storage ${img.storage}: image ${img.guid} (${img.entry.file?.text ?? 'no file'}) has no <Shot>`, img.entry.el));
    }
    return out;
  },
});
