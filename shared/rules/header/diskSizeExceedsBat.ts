import type { CheckContext } from '../../check/context';
import { defineRule } from '../rule';
import { batEntryOffset, H, H_SIZE, MAX_BAT_ENTRIES, SECTOR } from '../../format/constants';
import { roundUp } from '../../format/geometry';
import { putU64 } from '../../format/le';
import type { PlanBuilder } from '../../repair/planBuilder';
import { size } from '../../format/words';

/**
 * Whether the BAT can grow to cover the disk in place: the new entries fit before the data area (which does not
 * move: data_off is explicit, or its computed value stays), the file holds them, and they read 0 (unallocated) now.
 */
function batCanGrow(ctx: CheckContext, plan: PlanBuilder): boolean {
  const g = ctx.geometry;
  if (!g || g.diskClusters > MAX_BAT_ENTRIES || !g.storedDataOffsetValid || g.dataOffsetFromEntries) return false;
  const newEnd = batEntryOffset(g.diskClusters);
  const computed = g.variant === 'legacy' && ctx.image.header.dataOff === 0;
  const newMin = roundUp(newEnd, g.variant === 'ext' ? g.clusterSize : SECTOR);
  if (computed ? newMin !== g.dataOffset : newMin > g.dataOffset) return false;
  if (newEnd > plan.state.size) return false;
  return plan.state.read(g.batEnd, newEnd - g.batEnd).every((b) => b === 0);
}

export default defineRule({
  code: 'disk-size-exceeds-bat',
  title: 'Virtual disk larger than the BAT covers',
  severity: 'error',
  category: 'corruption',
  phase: 'header',
  doc: `nb_sectors (the disk size) needs ceil(nb_sectors / tracks) BAT entries; the BAT has fewer. The guest sees
a disk whose tail has no BAT entries: readers that do not check (QEMU does not) index past the BAT. When the space
between the BAT and the data area has room for the missing entries and reads as zeros, the repair raises
nb_bat_entries (a 4-byte change that keeps the guest disk's size; the new entries are unallocated). Otherwise it
shrinks nb_sectors to what the BAT covers; nothing stored is lost, since the tail had nowhere to be stored.`,
  fix: 'raise nb_bat_entries when the BAT area has room for the missing entries, else set nb_sectors to the size the BAT covers',
  check(ctx) {
    const g = ctx.geometry;
    if (!g || g.diskClusters <= g.batEntries) return [];
    return [
      ctx.finding(
        this,
        `nb_sectors says the disk is ${size(g.diskBytes)}, which needs ${g.diskClusters} BAT entries, but the BAT has ${g.batEntries} (${size(g.batEntries * g.clusterSize)})`,
        H.nbSectors,
        H_SIZE.nbSectors,
      ),
    ];
  },
  repair(ctx, plan) {
    const g = ctx.geometry;
    if (!g || !plan.claim('header:batEntries')) return;
    if (batCanGrow(ctx, plan)) {
      plan.writeU32(H.batEntries, g.diskClusters);
      plan.step(`raise nb_bat_entries from ${g.batEntries} to ${g.diskClusters} (the BAT area has room), so that the disk keeps its ${size(g.diskBytes)}`);
      return;
    }
    const sectors = (g.batEntries * g.clusterSize) / SECTOR;
    const b = new Uint8Array(8);
    putU64(b, 0, sectors);
    plan.write(H.nbSectors, b);
    plan.step(`set nb_sectors to ${sectors} (${size(sectors * SECTOR)}), the size the BAT covers`);
  },
});
