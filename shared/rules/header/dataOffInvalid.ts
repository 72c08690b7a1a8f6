import { defineRule } from '../../check/rule';
import { H, SECTOR } from '../../format/constants';
import { hex } from '../words';

export default defineRule({
  code: 'data-off-invalid',
  title: 'data_off out of range',
  severity: 'error',
  category: 'corruption',
  phase: 'header',
  doc: `data_off (in sectors) must not start the data area inside the header or BAT (for "WithouFreSpacExt" it
must also be non-zero and rounded up to a cluster), and not past the end of the file. qemu-img 8.2+ reports "data_off
field has incorrect value"; qemu-img 7.2 does not check, and with 0xffffffff inflates the file to 2 TiB on a write.
The repair sets the smallest valid value, as qemu-img does.`,
  fix: 'set data_off to the end of the BAT rounded up to a sector (legacy) or cluster (ext)',
  check(ctx) {
    const g = ctx.geometry;
    const h = ctx.image.header;
    if (!g) return [];
    const why =
      g.variant === 'ext' && h.dataOff === 0
        ? 'is 0, which a WithouFreSpacExt image does not allow'
        : g.storedDataOffset < g.minDataOffset
          ? `puts the data area at ${hex(g.storedDataOffset)}, inside the header/BAT (which need ${hex(g.minDataOffset)})`
          : g.storedDataOffset > g.fileSize
            ? `puts the data area at ${hex(g.storedDataOffset)}, past the end of the file (${hex(g.fileSize)})`
            : undefined;
    return why ? [ctx.finding(this, `data_off ${h.dataOff} ${why}`, H.dataOff, 4)] : [];
  },
  repair(ctx, plan) {
    if (!plan.claim('header:dataOff')) return;
    const g = ctx.geometry;
    if (!g) return;
    plan.writeU32(H.dataOff, g.minDataOffset / SECTOR);
    plan.step(`set data_off to ${g.minDataOffset / SECTOR} sectors (${hex(g.minDataOffset)}), the end of the BAT`);
    // A file that ends before that data area gets the zero padding it lacks, as qemu-img create leaves a new
    // image; otherwise data_off would still point past the end and the repair would never converge.
    if (plan.state.size < g.minDataOffset) {
      plan.resize(g.minDataOffset);
      plan.step(`extend the file with zeros to ${hex(g.minDataOffset)}, where the data area starts`);
    }
  },
});
