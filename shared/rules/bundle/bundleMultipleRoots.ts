import { defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'bundle-multiple-roots',
  title: 'More than one root snapshot',
  severity: 'warning',
  category: 'warning',
  doc: `QEMU's description says there should be only one root snapshot (a Shot whose ParentGUID is the null GUID).
A second root is an unrelated disk state kept in the same bundle; only the chain of the top is the guest disk.
Nothing is repaired.`,
  check(ctx) {
    const roots = ctx.bundle.tree.roots;
    if (roots.length < 2) return [];
    return roots.slice(1).map((g) => ctx.at(this, `${g} is another root (the first is ${roots[0]})`, ctx.bundle.tree.byGuid.get(g)?.shot.el));
  },
});
