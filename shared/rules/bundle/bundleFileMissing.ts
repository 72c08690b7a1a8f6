import { allImages } from '../../bundle/bundle';
import { defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'bundle-file-missing',
  title: 'An image file is missing or not a regular file',
  severity: 'error',
  category: 'corruption',
  doc: `Every Image's File exists: relative to the bundle folder, or an absolute path (older ploop wrote those; when
it is gone, the file of the same name in the bundle folder is used, see bundle-file-relocated). A missing file, an
empty File, or a path that names a folder, a device or a FIFO (never opened: a hostile descriptor could name one)
leaves the image unreadable. Nothing is repaired.`,
  check(ctx) {
    return allImages(ctx.bundle)
      .filter((i) => i.entry.file !== undefined && (i.file?.kind !== 'file' || i.error !== undefined))
      .map((i) => {
        const what = i.error ?? (i.file === undefined ? 'is empty' : i.file.kind === 'missing' ? 'does not exist' : 'is not a regular file');
        return ctx.at(this, `storage ${i.storage}: image ${i.guid}: ${i.file?.given ?? '<File>'} ${what}`, i.entry.file?.el);
      });
  },
});
