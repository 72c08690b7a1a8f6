import { allImages } from '../../bundle/bundle';
import { defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'bundle-file-outside',
  title: 'An image the descriptor names is outside the bundle folder',
  severity: 'warning',
  category: 'warning',
  doc: `A <File> is normally a name inside the bundle folder. An absolute path (ploop before 2017) or a relative one
with '..' can name a file elsewhere: in a copied or moved bundle that is the original's image, which other VMs
may still use. The file is read as the descriptor says, but 'check -r' and Fix Bundle Problems do not repair it
unless it is named ('--image PATH', or Repair… in the bundle view). Nothing is repaired here: a descriptor fix
would have to guess which copy is meant.`,
  check(ctx) {
    return allImages(ctx.bundle)
      .filter((i) => i.file?.kind === 'file' && i.file.outside)
      .map((i) =>
        ctx.at(
          this,
          `storage ${i.storage}: ${i.file?.path} is outside the bundle folder ${ctx.bundle.dir}; it is read, but repaired only when named`,
          i.entry.file?.el,
        ),
      );
  },
});
