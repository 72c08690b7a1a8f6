import { defineBundleRule, type BundleFinding } from '../../bundle/rule';

export default defineBundleRule({
  code: 'bundle-version-mixed',
  title: 'The chain mixes v1 and v2 images',
  severity: 'warning',
  category: 'warning',
  doc: `ploop keeps every image of a chain in one format version: WithoutFreeSpace (v1, sector BAT entries) or
WithouFreSpacExt (v2, cluster BAT entries); it refuses to merge a mixed chain ("Wrong version") and converts all
images together. A mixed chain is read correctly by hdd-lens and QEMU. Nothing is repaired.`,
  check(ctx) {
    const out: BundleFinding[] = [];
    ctx.bundle.images.forEach((_, k) => {
      const chain = ctx.chainImages(k).filter((i) => i.decoded?.geometry);
      const top = chain[0]?.decoded?.header.variant;
      for (const i of chain.slice(1)) {
        const v = i.decoded?.header.variant;
        if (v !== top) out.push(ctx.inImage(this, `storage ${k}: ${i.entry.file?.text} is ${label(v)}, the top is ${label(top)}`, i, 0, 16));
      }
    });
    return out;
  },
});

function label(v: string | undefined): string {
  return v === 'legacy' ? 'v1 (WithoutFreeSpace)' : 'v2 (WithouFreSpacExt)';
}
