import { defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'bundle-top-unresolved',
  title: 'The top image cannot be resolved',
  severity: 'error',
  category: 'corruption',
  doc: `The top (the image the guest writes to, read first) is the Shot TopGUID names; without TopGUID, the Shot with
the predefined GUID {5fbaabe3-6958-40ff-92a7-860e329aab41}; without that either, hdd-lens takes the only leaf of
the snapshot tree as a guess (bundle-top-guessed). A TopGUID that names no Shot, a temporary one or the backup
GUID, or a tree with several leaves and neither, leaves the current disk unknown: ploop refuses it ("top delta is
not found"), libphdi reads the first Shot, dissect the predefined GUID. hdd-lens does not guess between leaves:
nothing is converted unless a snapshot is named (convert --snapshot GUID). Nothing is repaired.`,
  check(ctx) {
    const b = ctx.bundle;
    if (!b.descriptor || b.top.how !== 'unresolved') return [];
    const leaves = b.top.leaves.length > 0 ? `; leaves: ${b.top.leaves.join(', ')}` : '';
    return [ctx.at(this, `the top is not resolvable: ${b.top.reason}${leaves}`, b.descriptor.topGuid?.el ?? b.descriptor.snapshots)];
  },
});
