import { defineBundleRule } from '../../bundle/rule';

const ROOTS = ['Parallels_disk_image', 'Virtuozzo_disk_image'];

export default defineBundleRule({
  code: 'descriptor-root-unknown',
  title: 'Unknown root element or Version',
  severity: 'warning',
  category: 'warning',
  doc: `The root element is Parallels_disk_image (Parallels Desktop, QEMU's description, ploop before 2020) or
Virtuozzo_disk_image (ploop since 2020); its Version attribute, when present, is "1.0" (ploop writes none, which
means 1.0). ploop ignores the root's name, but libphdi and Parallels Desktop refuse other names. The rest of the
descriptor is still read. Nothing is repaired: which writer made it cannot be told.`,
  check(ctx) {
    const root = ctx.bundle.descriptor?.root;
    if (!root) return [];
    const out = [];
    if (!ROOTS.includes(root.name)) out.push(ctx.at(this, `root element <${root.name}>, expected <${ROOTS.join('> or <')}>`, root));
    const v = root.attributes.find((a) => a.name === 'Version');
    if (v && v.value.trim() !== '1.0') out.push(ctx.at(this, `Version="${v.value}", expected "1.0"`, root));
    return out;
  },
});
