import type { Bundle } from '../../bundle/bundle';
import { contiguous, imageSectors, storageRanges, topImages } from '../../bundle/layout';
import { defineBundleRule } from '../../bundle/rule';
import { replaceContent } from '../../bundle/textEdits';

export default defineBundleRule({
  code: 'descriptor-disk-size-mismatch',
  title: 'Disk_size differs from the end of the last storage',
  severity: 'error',
  category: 'corruption',
  doc: `Disk_size is the guest disk's size in sectors and equals the End of the last Storage. ploop updates both when
it resizes a disk; a crash in between, or a hand edit, leaves them apart, and readers disagree on the disk's size.
The repair sets Disk_size to the last End, only when the storages are contiguous and every storage's top image
has exactly End - Start sectors (so the images confirm it); otherwise nothing is repaired.`,
  fix: 'set Disk_size to the End of the last storage (when the top images agree with it)',
  check(ctx) {
    const s = mismatch(ctx.bundle);
    if (!s) return [];
    const f = ctx.at(this, `Disk_size is ${s.diskSize} sectors, but the last storage ends at sector ${s.lastEnd}`, s.el);
    return [confirmed(ctx.bundle) ? f : { ...f, repair: undefined, repairMode: undefined }];
  },
  edits(ctx) {
    const s = mismatch(ctx.bundle);
    return s && confirmed(ctx.bundle) ? [replaceContent(s.el, String(s.lastEnd))] : [];
  },
});

function mismatch(b: Bundle) {
  const dp = b.descriptor?.diskParameters;
  const ranges = b.descriptor && storageRanges(b.descriptor.storages);
  const diskSize = dp?.diskSize?.value;
  const lastEnd = ranges?.[ranges.length - 1]?.end;
  if (!dp?.diskSize || diskSize === undefined || lastEnd === undefined || diskSize === lastEnd) return undefined;
  return { el: dp.diskSize.el, diskSize, lastEnd };
}

function confirmed(b: Bundle): boolean {
  const ranges = b.descriptor && storageRanges(b.descriptor.storages);
  if (!ranges || !contiguous(ranges)) return false;
  const tops = topImages(b);
  return ranges.every((r, k) => {
    const t = tops[k];
    return t !== undefined && imageSectors(t) === r.end - r.start;
  });
}
