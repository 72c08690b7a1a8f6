import { defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'bundle-volume-parent',
  title: 'The chain continues in another folder (ploop volume)',
  severity: 'warning',
  category: 'warning',
  doc: `ploop's volume layout (2017+) names, in StorageData/Volume/Parent, another folder whose descriptor's images
continue this chain. hdd-lens reads only this folder's chain: clusters that fall through to the parent volume read
as zeros. Nothing is repaired, and the parent descriptor is never written.`,
  check(ctx) {
    const p = ctx.bundle.descriptor?.volumeParent;
    return p ? [ctx.at(this, `the chain continues in ${p.text}, which is not read`, p.el)] : [];
  },
});
