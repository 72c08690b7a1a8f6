import { SECTOR } from './constants';
import type { Geometry } from './geometry';

/**
 * Where a WithoutFreeSpace image's data area starts, when its BAT says so and data_off does not. Sector-addressed
 * entries fix the cluster grid themselves: "(cluster offset - data offset) must be aligned to cluster size". When
 * every allocated entry inside the file (and ext_off) lies on one grid and the data offset derived from data_off
 * is off it (data_off damaged, 0, or out of range), the damage is data_off, not every entry: the data area starts at
 * the first grid line at or after the end of the BAT. Judging the entries against it reports one broken field
 * (whose repair is a 4-byte write) instead of every entry misaligned (whose repair would copy all the data).
 *
 * WithouFreSpacExt entries count clusters from the start of the file, so data_off cannot misalign them: the
 * geometry is returned as it is. So it is when no entry is allocated, or the entries disagree among themselves.
 */
export function inferDataArea(g: Geometry, bat: Uint32Array): Geometry {
  return inferDataAreaFrom(g, (visit) => {
    visit(bat);
  });
}

/**
 * The same, over a BAT handed out in chunks (`pass` calls `visit` with each chunk in order and stops when it
 * returns false): a streamed check infers without holding the BAT, and a healthy image stops at its first entry.
 */
export function inferDataAreaFrom(g: Geometry, pass: (visit: (entries: Uint32Array) => boolean) => void): Geometry {
  if (g.variant !== 'legacy') return g;
  const tracks = g.clusterSize / SECTOR;
  const minSectors = g.minDataOffset / SECTOR;
  const endSectors = g.fileSize / SECTOR;
  // Residues in sectors (entries are sector numbers below 2^32): integer arithmetic in the loop.
  const current = (g.dataOffset / SECTOR) % tracks;
  let residue = -1;
  let lowest = Infinity;
  const consider = (sector: number): boolean => {
    if (sector < minSectors || sector >= endSectors) return true;
    const r = sector % tracks;
    // One entry on the current grid means the entries do not all disagree with it: nothing to infer (healthy
    // images stop at their first entry).
    if (r === current || (residue >= 0 && r !== residue)) return false;
    residue = r;
    if (sector < lowest) lowest = sector;
    return true;
  };
  let agree = true;
  pass((entries) => {
    for (let i = 0; i < entries.length; i++) if (entries[i] !== 0 && !consider(entries[i])) return (agree = false);
    return true;
  });
  if (!agree) return g;
  if (g.extOffset > 0 && !consider(g.extOffset / SECTOR)) return g;
  if (residue < 0) return g;
  const start = minSectors + ((residue - (minSectors % tracks) + tracks) % tracks);
  return { ...g, dataOffset: Math.min(start, lowest) * SECTOR, dataOffsetFromEntries: true };
}
