import { defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'descriptor-type-invalid',
  title: 'Image Type is neither Compressed nor Plain',
  severity: 'error',
  category: 'corruption',
  doc: `An Image's Type is Compressed (an expandable image with a Parallels header) or Plain (a raw file). ploop
reads a missing Type as Compressed. Any other value is unknown to every reader; hdd-lens reads the file by its
magic instead. Nothing is repaired.`,
  check(ctx) {
    const d = ctx.bundle.descriptor;
    if (!d) return [];
    return d.storages.flatMap((s) =>
      s.images
        .filter((i) => i.type !== undefined && i.type.text !== 'Compressed' && i.type.text !== 'Plain')
        .map((i) => ctx.at(this, `<Type> "${i.type?.text}" is neither Compressed nor Plain`, i.type?.el)),
    );
  },
});
