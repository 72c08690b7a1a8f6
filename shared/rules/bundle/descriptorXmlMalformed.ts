import { defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'descriptor-xml-malformed',
  title: 'DiskDescriptor.xml is not well-formed XML',
  severity: 'error',
  category: 'corruption',
  doc: `DiskDescriptor.xml must be well-formed XML 1.0: every reader (Parallels Desktop, ploop's libxml2) refuses
it otherwise, and the chain of images it describes cannot be known. A descriptor larger than 4 MiB, nested deeper
than 32 levels, with more than 100,000 elements or with a DOCTYPE is refused too (real ones are a few KiB, and DTD
entities are never expanded). The check of the bundle cannot complete. Nothing is repaired: the previous copy,
DiskDescriptor.xml.Backup (Parallels Desktop), may be restored by hand after comparing it with the images.`,
  check(ctx) {
    const e = ctx.bundle.xmlError;
    if (!e) return [];
    const f = ctx.at(this, `the descriptor does not parse: ${e.message}`, undefined);
    return [
      {
        ...f,
        line: e.at.line,
        column: e.at.column,
        offset: Buffer.byteLength(ctx.bundle.text.slice(0, e.at.offset), 'utf8'),
        textStart: e.at.offset,
        textEnd: e.at.offset,
      },
    ];
  },
});
