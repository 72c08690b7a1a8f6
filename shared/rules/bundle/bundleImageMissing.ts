import { defineBundleRule, type BundleFinding } from '../../bundle/rule';

export default defineBundleRule({
  code: 'bundle-image-missing',
  title: 'A snapshot has no image in a storage',
  severity: 'error',
  category: 'corruption',
  doc: `Images are tied to snapshots by GUID: every Shot has one Image with its GUID in every Storage (each piece of
a split disk has its own chain). ploop refuses a descriptor whose images and snapshots do not match. A snapshot
without its image cannot be read; on the active chain, the guest disk cannot. Nothing is repaired.`,
  check(ctx) {
    const b = ctx.bundle;
    const out: BundleFinding[] = [];
    for (const [k, m] of b.images.entries()) {
      for (const g of b.tree.byGuid.keys()) {
        if (!m.has(g))
          out.push(ctx.at(this, `storage ${k}: ${b.chain.guids.includes(g) ? 'chain ' : ''}GUID ${g} has no <Image>`, b.descriptor?.storages[k].el));
      }
    }
    return out;
  },
});
