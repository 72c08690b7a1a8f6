import type { Bundle } from '../../bundle/bundle';
import { imageSectors, storageRanges, topImages } from '../../bundle/layout';
import { type BundleFinding, defineBundleRule, type TextEdit } from '../../bundle/rule';
import { replaceContent } from '../../bundle/textEdits';

export default defineBundleRule({
  code: 'bundle-top-size-mismatch',
  title: "The top image's size differs from its storage's",
  severity: 'warning',
  category: 'warning',
  doc: `The top image of each storage describes End - Start sectors (its nb_sectors, or a raw file's length). ploop
grows the top image first and then writes the new size into the descriptor; a crash in between leaves a top larger
than the descriptor says, and the guest disk's end is not read. hdd-lens reads End - Start sectors. The repair, for
a single-storage disk whose top is larger and whose Disk_size equals End, sets both to the top's size; a smaller top
is not repaired (the descriptor may be right and the image damaged).`,
  fix: "set End (and Disk_size) to the top image's size, for a grown single-storage disk",
  check(ctx) {
    const ranges = ctx.bundle.descriptor && storageRanges(ctx.bundle.descriptor.storages);
    if (!ranges) return [];
    const tops = topImages(ctx.bundle);
    const out: BundleFinding[] = [];
    ranges.forEach((r, k) => {
      const t = tops[k];
      const n = t && imageSectors(t);
      if (!t || n === undefined || n === r.end - r.start) return;
      const f = ctx.at(
        this,
        `storage ${k}: the top image ${t.entry.file?.text ?? t.guid} has ${n} sectors, the storage ${r.end - r.start}`,
        ctx.bundle.descriptor?.storages[k].end?.el,
      );
      out.push(grown(ctx.bundle) ? f : { ...f, repair: undefined, repairMode: undefined });
    });
    return out;
  },
  edits(ctx) {
    const g = grown(ctx.bundle);
    return g ?? [];
  },
});

/** The edits for a grown single-storage disk, or undefined when the repair does not apply. */
function grown(b: Bundle): TextEdit[] | undefined {
  const d = b.descriptor;
  const s = d?.storages.length === 1 ? d.storages[0] : undefined;
  const top = topImages(b)[0];
  const n = top && imageSectors(top);
  const end = s?.end;
  const size = d?.diskParameters?.diskSize;
  if (!s || !end || end.value === undefined || s.start?.value !== 0 || n === undefined || n <= end.value) return undefined;
  if (!size || size.value !== end.value) return undefined;
  return [replaceContent(end.el, String(n)), replaceContent(size.el, String(n))];
}
