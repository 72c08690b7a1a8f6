import { defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'bundle-chain-broken',
  title: 'A snapshot chain has a cycle or a missing parent',
  severity: 'error',
  category: 'corruption',
  doc: `Every Shot's ParentGUID names another Shot, or {00000000-0000-0000-0000-000000000000} for the root, and
following parents from any Shot reaches the root. A ParentGUID that names no Shot, or parents that loop, leave the
images below unknown: ploop says "Can't find snapshot by uuid" or "base image not found". On the active chain the
guest disk cannot be read. Nothing is repaired.`,
  check(ctx) {
    const b = ctx.bundle;
    return b.chainProblems.map((p) => {
      const s = b.tree.byGuid.get(p.guid);
      if (p.kind === 'cycle') return ctx.at(this, `the ParentGUID chain has a cycle at ${p.guid}`, s?.shot.parent?.el);
      if (p.kind === 'dangling') return ctx.at(this, `ParentGUID ${p.parent} of ${p.guid} has no <Shot>`, s?.shot.parent?.el);
      return ctx.at(this, `${p.guid} has no <Shot>`, b.descriptor?.snapshots);
    });
  },
});
