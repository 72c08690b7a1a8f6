import { defineRule } from '../rule';
import { tailIsLeak } from '../../check/metadata';
import { hex, size } from '../../format/words';

export default defineRule({
  code: 'leaked-tail',
  title: 'Space leaked at the end of the image',
  severity: 'warning',
  category: 'leak',
  phase: 'space',
  doc: `The file goes on past the last cluster anything uses (BAT entries, the format extension, bitmap clusters):
left by a writer that crashed between growing the file and updating the BAT, or by a shrink. qemu-img reports
"space leaked at the end of the image" and counts it in clusters. Unlike qemu-img, hdd-lens counts the extension
and bitmap clusters as used (qemu-img calls them leaks and its repair cuts them off while ext_off still points
there). The repair truncates the file after the last used cluster. Not reported while the extension holds a dirty
bitmap feature too short to say which clusters it uses (bitmap-feature-too-small): the space may be its, and is
reclaimed once that feature is dropped.`,
  fix: 'truncate the file after the last used cluster',
  check(ctx) {
    const scan = ctx.scan;
    const g = ctx.geometry;
    if (!scan || !g || g.fileSize <= scan.usedEnd || !tailIsLeak(ctx.image)) return [];
    const bytes = g.fileSize - scan.usedEnd;
    const clusters = Math.ceil(bytes / g.clusterSize);
    return [
      ctx.finding(
        this,
        `${size(bytes)} (${clusters} cluster${clusters === 1 ? '' : 's'}) leaked at the end of the image, from ${hex(scan.usedEnd)} to ${hex(g.fileSize)}`,
        scan.usedEnd,
        bytes,
        {
          count: clusters,
        },
      ),
    ];
  },
  repair(ctx, plan) {
    const scan = ctx.scan;
    if (!scan || plan.state.size <= scan.usedEnd) return;
    plan.resize(scan.usedEnd);
    plan.step(`truncate the file to ${hex(scan.usedEnd)}, the end of the last used cluster`);
  },
});
