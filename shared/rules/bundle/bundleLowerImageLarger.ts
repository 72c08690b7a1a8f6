import { imageSectors } from '../../bundle/layout';
import { defineBundleRule, type BundleFinding } from '../../bundle/rule';

export default defineBundleRule({
  code: 'bundle-lower-image-larger',
  title: 'A lower image is larger than the image above it',
  severity: 'warning',
  category: 'warning',
  doc: `Along a chain, sizes only grow upwards: ploop grows the top when a disk is resized and leaves the lower
images as they were, so a lower image is as large as or smaller than each image above it (the part past a lower
image's end reads as zeros from it). A lower image larger than one above it is abnormal: the guest sees only the
top's size. Nothing is repaired.`,
  check(ctx) {
    const out: BundleFinding[] = [];
    ctx.bundle.images.forEach((_, k) => {
      const chain = ctx.chainImages(k);
      for (let i = 1; i < chain.length; i++) {
        const upper = imageSectors(chain[i - 1]);
        const lower = imageSectors(chain[i]);
        if (upper !== undefined && lower !== undefined && lower > upper) {
          out.push(
            ctx.inImage(
              this,
              `storage ${k}: ${chain[i].entry.file?.text} has ${lower} sectors, more than the ${upper} of ${chain[i - 1].entry.file?.text} above it`,
              chain[i],
              36,
              8,
            ),
          );
        }
      }
    });
    return out;
  },
});
