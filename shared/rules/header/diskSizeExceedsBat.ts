import { defineRule } from '../../check/rule';
import { H, SECTOR } from '../../format/constants';
import { putU64 } from '../../format/le';
import { size } from '../words';

export default defineRule({
  code: 'disk-size-exceeds-bat',
  title: 'Virtual disk larger than the BAT covers',
  severity: 'error',
  category: 'corruption',
  phase: 'header',
  doc: `nb_sectors (the disk size) needs ceil(nb_sectors / tracks) BAT entries; the BAT has fewer. The guest sees
a disk whose tail has no BAT entries: readers that do not check (QEMU does not) index past the BAT. The repair
shrinks nb_sectors to what the BAT covers; nothing stored is lost, since the tail had nowhere to be stored.`,
  fix: 'set nb_sectors to the size the BAT covers (the cut-off tail had no storage)',
  check(ctx) {
    const g = ctx.geometry;
    if (!g || g.diskClusters <= g.batEntries) return [];
    return [
      ctx.finding(this, `nb_sectors says the disk is ${size(g.diskBytes)}, which needs ${g.diskClusters} BAT entries, but the BAT has ${g.batEntries} (${size(g.batEntries * g.clusterSize)})`, H.nbSectors, 8),
    ];
  },
  repair(ctx, plan) {
    const g = ctx.geometry;
    if (!g) return;
    const sectors = (g.batEntries * g.clusterSize) / SECTOR;
    const b = new Uint8Array(8);
    putU64(b, 0, sectors);
    plan.write(H.nbSectors, b);
    plan.step(`set nb_sectors to ${sectors} (${size(sectors * SECTOR)}), the size the BAT covers`);
  },
});
