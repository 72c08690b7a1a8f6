import { IN_USE_DIRTY, H, H_SIZE } from '../../format/constants';
import { defineBundleRule, type BundleFinding } from '../../bundle/rule';

export default defineBundleRule({
  code: 'bundle-lower-in-use',
  title: 'A lower image is marked in use',
  severity: 'error',
  category: 'corruption',
  doc: `Only the top of a chain is ever written; lower images are opened read-only and are closed (in_use 0,
"v2.1" or a Parallels Desktop tag). A lower image with in_use "Ynot" means a crash during a snapshot operation
(ploop marks the new top in use before it clears the old one) or a writer that opened a snapshot read-write, which
changes every branch above it. hdd-lens never writes a lower image while checking: repair it explicitly with
'check -r all --image FILE' after making sure nothing has the disk open.`,
  check(ctx) {
    const out: BundleFinding[] = [];
    ctx.bundle.images.forEach((_, k) => {
      for (const img of ctx.chainImages(k).filter((i) => i.guid !== ctx.bundle.chain.guids[0])) {
        if (img.decoded?.geometry && img.decoded.header.inUse === IN_USE_DIRTY) {
          out.push(ctx.inImage(this, `storage ${k}: the lower image ${img.entry.file?.text} is marked in use (in_use "Ynot")`, img, H.inUse, H_SIZE.inUse));
        }
      }
    });
    return out;
  },
});
