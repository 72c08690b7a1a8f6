import { EntryFlag } from '../../check/batScan';
import { defineRule } from '../rule';
import { type MetadataRange, overlaps } from '../../check/metadata';
import { entryFindings, relocate, repairEntries } from './entryRule';

/** The rule's predicate: the host range [host, end) of an allocated entry shares bytes with format metadata. */
export function overlapsMetadata(host: number, end: number, metadata: readonly MetadataRange[]): boolean {
  for (const m of metadata) if (overlaps(host, end, m.start, m.end)) return true;
  return false;
}

export default defineRule({
  code: 'bat-entry-overlaps-metadata',
  title: 'BAT entry overlaps the format extension or a bitmap cluster',
  severity: 'error',
  category: 'corruption',
  phase: 'bat',
  doc: `Clusters "allocated by ext_off and extensions should meet the same requirements as clusters specified by
BAT entries": a data cluster must not share bytes with the format extension cluster or a dirty bitmap's data
cluster. A guest write there corrupts the extension (its checksum fails, the bitmaps are lost) and the metadata
shows up as guest data. The repair copies the bytes into a new cluster for the entry and the metadata stays put:
this holds for the extension cluster, and for a bitmap cluster a (misaligned) entry overlaps in part. An entry that
maps a bitmap's data cluster exactly is not reported here: those bytes are the guest's (every guest write through
the entry lands there, and every reader serves them as disk data), so the entry keeps them where they are and the
bitmap's L1 entry becomes 1, all dirty (bitmap-l1-entry-invalid). That keeps more: the guest data does not move,
and no dirty bit is lost (all dirty covers any bits), whereas bits read from guest-written bytes could say "clean"
where the disk changed.`,
  fix: 'copy the bytes the entry maps into a new cluster (in the leaked tail, a free all-zero hole, or at the end of the file) and point the entry there',
  check(ctx) {
    const g = ctx.geometry;
    if (!g) return [];
    return entryFindings(ctx, this, EntryFlag.OverlapsMetadata, (p) => {
      const what = ctx.metadata.filter((m) => overlaps(p.host, p.host + g.clusterSize, m.start, m.end)).map((m) => m.what);
      return `overlaps the ${what.join(' and ') || 'format metadata'}`;
    });
  },
  repair(ctx, plan, only) {
    repairEntries(ctx, plan, EntryFlag.OverlapsMetadata, only, (p) => relocate(plan, p, 'it overlaps format metadata'));
  },
});
