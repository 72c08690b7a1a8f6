import { allImages } from '../../bundle/bundle';
import { defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'bundle-file-relocated',
  title: 'An absolute image path is gone; the file in the bundle is used',
  severity: 'warning',
  category: 'warning',
  doc: `ploop wrote absolute File paths before 2017. When a container folder is moved or copied they no longer exist;
like dissect, hdd-lens then reads the file of the same name in the bundle folder. ploop itself would fail to open
the disk. Nothing is repaired (a relative path would fix ploop, but the descriptor may be shared with the old
location).`,
  check(ctx) {
    return allImages(ctx.bundle)
      .filter((i) => i.file?.relocated)
      .map((i) => ctx.at(this, `storage ${i.storage}: ${i.file?.given} does not exist; reading ${i.file?.path}`, i.entry.file?.el));
  },
});
