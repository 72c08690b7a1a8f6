import { allImages } from '../../bundle/bundle';
import { defineBundleRule } from '../../bundle/rule';

export default defineBundleRule({
  code: 'bundle-blocksize-mismatch',
  title: "An image's cluster size differs from Blocksize",
  severity: 'error',
  category: 'corruption',
  doc: `Every expandable image of a storage has a cluster size (the header's tracks, in sectors) equal to the
storage's Blocksize. ploop refuses such a chain ("Incorrect blocksize", "Wrong blocksize") and so does Parallels
Desktop; QEMU reads at sector granularity and would not notice. hdd-lens reads each image with its own cluster
size. Nothing is repaired: re-clustering an image means rewriting it.`,
  check(ctx) {
    const storages = ctx.bundle.descriptor?.storages ?? [];
    return allImages(ctx.bundle)
      .filter((i) => {
        const bs = storages[i.storage]?.blocksize?.value;
        const tracks = i.kind === 'expandable' && i.decoded?.geometry ? i.decoded.header.tracks : undefined;
        return bs !== undefined && tracks !== undefined && tracks !== bs;
      })
      .map((i) =>
        ctx.at(
          this,
          `storage ${i.storage}: ${i.entry.file?.text} has clusters of ${i.decoded?.header.tracks} sectors, Blocksize is ${storages[i.storage]?.blocksize?.value}`,
          storages[i.storage]?.blocksize?.el,
        ),
      );
  },
});
