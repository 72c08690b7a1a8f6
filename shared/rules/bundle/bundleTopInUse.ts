import { IN_USE_DIRTY, H, H_SIZE } from '../../format/constants';
import { defineBundleRule, type BundleFinding } from '../../bundle/rule';

export default defineBundleRule({
  code: 'bundle-top-in-use',
  title: 'The top image is open or was not closed (VM running or crashed)',
  severity: 'warning',
  category: 'warning',
  doc: `The top image has in_use "Ynot": a virtual machine or container has the disk open now, or crashed with it
open (the image's own finding is image-unclean). Do not repair or convert a disk a VM is running on: stop the VM
first. Parallels Desktop's in_use tags (pd17, pd22) are not this and are never reported. Nothing is repaired by
this rule; 'check -r all' repairs the top's image-unclean when asked.`,
  check(ctx) {
    const out: BundleFinding[] = [];
    ctx.bundle.images.forEach((_, k) => {
      const top = ctx.chainImages(k)[0];
      if (top?.decoded?.geometry && top.decoded.header.inUse === IN_USE_DIRTY && top.guid === ctx.bundle.chain.guids[0]) {
        out.push(
          ctx.inImage(
            this,
            `storage ${k}: the top ${top.entry.file?.text} is marked in use: a VM may be running on the disk, or it crashed`,
            top,
            H.inUse,
            H_SIZE.inUse,
          ),
        );
      }
    });
    return out;
  },
});
