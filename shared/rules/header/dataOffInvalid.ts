import { defineRule } from '../rule';
import { H, H_SIZE } from '../../format/constants';
import { setDataOffset } from './setDataOffset';
import { hex } from '../../format/words';

export default defineRule({
  code: 'data-off-invalid',
  title: 'data_off out of range',
  severity: 'error',
  category: 'corruption',
  phase: 'header',
  doc: `data_off (in sectors) must not start the data area inside the header or BAT (for "WithouFreSpacExt" it
must also be non-zero and rounded up to a cluster), and not past the end of the file. qemu-img 8.2+ reports "data_off
field has incorrect value"; qemu-img 7.2 does not check, and with 0xffffffff inflates the file to 2 TiB on a write.
The repair sets the smallest valid value, as qemu-img does; in a "WithoutFreeSpace" image whose BAT entries all lie
on one cluster grid, the first line of that grid at or after the end of the BAT instead (what the entries imply, so
that no entry becomes misaligned and no data moves).`,
  fix: 'set data_off to the end of the BAT rounded up to a sector (legacy) or cluster (ext), or to where every BAT entry puts the data area',
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
    const inferred = g.dataOffsetFromEntries ? `; every BAT entry puts it at ${hex(g.dataOffset)}` : '';
    return why ? [ctx.finding(this, `data_off ${h.dataOff} ${why}${inferred}`, H.dataOff, H_SIZE.dataOff)] : [];
  },
  repair(ctx, plan) {
    setDataOffset(ctx, plan, ctx.geometry?.dataOffsetFromEntries ? 'where every BAT entry puts the data area' : 'the end of the BAT');
  },
});
