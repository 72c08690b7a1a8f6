import { allImages, type BundleImage, type Bundle } from '../../bundle/bundle';
import { defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'bundle-type-mismatch',
  title: "An image's content disagrees with its Type",
  severity: 'error',
  category: 'corruption',
  doc: `Compressed images start with a Parallels header (magic WithoutFreeSpace or WithouFreSpacExt); Plain images
are raw, and only the root (base) of a chain may be Plain. A Compressed image without a header, a delta without
one, or a Plain base that has a header (ploop would read the header as guest data) cannot be read as the
descriptor says. hdd-lens reads each file by its magic, and refuses to convert a chain with such an image. Nothing
is repaired.`,
  check(ctx) {
    return allImages(ctx.bundle)
      .map((i) => [i, problem(ctx.bundle, i)] as const)
      .filter((p): p is readonly [BundleImage, string] => p[1] !== undefined)
      .map(([i, why]) => ctx.at(this, `storage ${i.storage}: ${i.entry.file?.text}: ${why}`, i.entry.type?.el ?? i.entry.el));
  },
});

function problem(b: Bundle, i: BundleImage): string | undefined {
  if (i.kind === undefined) return undefined;
  const type = i.entry.type?.text ?? 'Compressed';
  const isRoot = b.tree.byGuid.get(i.guid)?.shot.parent?.value === '{00000000-0000-0000-0000-000000000000}';
  if (i.kind === 'raw' && !isRoot) return 'has no Parallels header, but only the base of a chain may be raw';
  if (i.kind === 'raw' && type === 'Compressed') return 'Type is Compressed, but the file has no Parallels header';
  if (i.kind === 'expandable' && type === 'Plain' && isRoot) return 'Type is Plain (raw), but the file has a Parallels header';
  return undefined;
}
