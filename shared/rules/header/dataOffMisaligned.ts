import { defineRule } from '../rule';
import { H, H_SIZE, SECTOR } from '../../format/constants';
import { hex, size } from '../../format/words';

export default defineRule({
  code: 'data-off-misaligned',
  title: 'data_off not on a cluster boundary',
  severity: 'error',
  category: 'corruption',
  phase: 'header',
  doc: `For "WithouFreSpacExt" images "data_off must be non-zero and aligned to cluster size": QEMU accepts a
misaligned one and then reports false duplicates. For "WithoutFreeSpace" images alignment is only recommended, and
reported as information (moving data_off there would misalign every entry, so it is left alone). The repair rounds
an ext image's data_off down to a cluster boundary when the BAT still fits, else up.`,
  fix: 'round data_off to a cluster boundary (WithouFreSpacExt only)',
  check(ctx) {
    const g = ctx.geometry;
    const h = ctx.image.header;
    // An out-of-range data_off is data-off-invalid's (its repair also aligns it).
    if (!g || h.dataOff === 0 || g.dataOffset !== g.storedDataOffset || g.dataOffset % g.clusterSize === 0) return [];
    const msg = `data_off ${h.dataOff} (${hex(g.dataOffset)}) is not a multiple of the cluster size (${size(g.clusterSize)})`;
    if (g.variant === 'ext') return [ctx.finding(this, msg, H.dataOff, H_SIZE.dataOff)];
    return [
      ctx.finding(this, `${msg}; the format recommends it for WithoutFreeSpace images`, H.dataOff, H_SIZE.dataOff, {
        severity: 'info',
        category: 'info',
        repair: undefined,
        repairMode: undefined,
      }),
    ];
  },
  repair(ctx, plan) {
    if (!plan.claim('header:dataOff')) return;
    const g = ctx.geometry;
    if (!g || g.variant !== 'ext') return;
    const down = Math.floor(g.dataOffset / g.clusterSize) * g.clusterSize;
    const to = down >= g.minDataOffset ? down : Math.ceil(g.dataOffset / g.clusterSize) * g.clusterSize;
    plan.writeU32(H.dataOff, to / SECTOR);
    plan.step(`set data_off to ${to / SECTOR} sectors (${hex(to)}), a cluster boundary`);
  },
});
