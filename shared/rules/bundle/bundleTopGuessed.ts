import { type BundleContext, defineBundleRule } from '../../bundle/rule';
import { insertFirstChild } from '../../bundle/textEdits';

export default defineBundleRule({
  code: 'bundle-top-guessed',
  title: 'The top is the only leaf, named nowhere',
  severity: 'warning',
  category: 'warning',
  doc: `The descriptor has no TopGUID and no Shot with the predefined top GUID {5fbaabe3-...}, so which image is
current is not written anywhere. The snapshot tree has one leaf whose chain reaches the root, and hdd-lens reads it
as the top; ploop would add a compatibility Shot instead and libphdi would read the first Shot. The repair writes
<TopGUID> with that leaf's GUID as the first element of <Snapshots>, so that every reader agrees.`,
  fix: 'add <TopGUID> naming the only leaf of the snapshot tree',
  check(ctx) {
    const b = ctx.bundle;
    if (b.top.how !== 'unique-leaf' || !b.descriptor?.snapshots) return [];
    return [ctx.at(this, `no TopGUID and no ${'{5fbaabe3-…}'} Shot: the top is taken to be the only leaf, ${b.top.guid}`, b.descriptor.snapshots)];
  },
  edits(ctx: BundleContext) {
    const b = ctx.bundle;
    const snapshots = b.descriptor?.snapshots;
    if (b.top.how !== 'unique-leaf' || !snapshots || b.top.guid === undefined) return [];
    return [insertFirstChild(b.text, snapshots, 'TopGUID', b.top.guid)];
  },
});
