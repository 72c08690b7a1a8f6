import { defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'bundle-temporary-snapshot',
  title: 'A snapshot is marked temporary',
  severity: 'warning',
  category: 'warning',
  doc: `ploop marks a snapshot <Temporary/> while it merges or backs it up (and <TemporaryZero/>,
<TemporaryZeroSwap/> during an online reverse merge), and merges temporary snapshots automatically the next time
it mounts the disk. One left in the descriptor means the operation was interrupted. The data is read as the chain
says. Nothing is repaired: ploop finishes the merge itself.`,
  check(ctx) {
    const out = [];
    for (const s of ctx.bundle.tree.byGuid.values()) {
      for (const t of s.shot.temporary) out.push(ctx.at(this, `snapshot ${s.guid} is marked <${t.name}/>: an operation on it was interrupted`, t));
    }
    return out;
  },
});
