import { CheckContext } from '../../check/context';
import { defineRule } from '../rule';
import { isClusterAligned, overlaps } from '../../check/metadata';
import { u64Bytes } from '../../format/le';
import { storeChecksum } from '../../repair/extensionEdit';
import { bitmapName, bitmaps } from './bitmaps';
import { hex } from '../../format/words';

export interface BadEntry {
  at: number;
  what: string;
  why: string;
}

/** L1 entries that point where a bitmap cluster cannot be: past the file, off the cluster grid, onto other data. */
export function badEntries(ctx: CheckContext): BadEntry[] {
  const g = ctx.geometry;
  if (!g) return [];
  const out: BadEntry[] = [];
  const taken = new Map<number, string>();
  const ext = ctx.image.extension;
  for (const b of bitmaps(ctx)) {
    b.bitmap.l1.forEach((entry, i) => {
      if (entry <= 1) return;
      const host = entry * 512;
      const what = `${bitmapName(b)} L1 entry ${i}`;
      const at = b.bitmap.l1Offset + i * 8;
      const why =
        host < g.dataOffset
          ? `points below the data area (${hex(g.dataOffset)})`
          : !isClusterAligned(g, host)
            ? 'is not on a cluster boundary'
            : host + g.clusterSize > g.fileSize
              ? `points past the end of the file (${hex(g.fileSize)})`
              : ext && overlaps(host, host + g.clusterSize, ext.offset, ext.offset + g.clusterSize)
                ? 'points at the format extension cluster'
                : taken.has(host)
                  ? `points at the same cluster as ${taken.get(host)}`
                  : usedByBat(ctx, host)
                    ? 'points at a cluster the BAT maps to guest data'
                    : undefined;
      if (why) out.push({ at, what, why: `${why} (${hex(entry)} sectors = ${hex(host)})` });
      else taken.set(host, what);
    });
  }
  return out;
}

/**
 * Whether a BAT entry maps the cluster at `host` (a bitmap cluster inside the file: one of the metadata
 * candidates, which the context indexed in its one pass over the BAT). A set lookup: never a pass per L1 entry.
 */
function usedByBat(ctx: CheckContext, host: number): boolean {
  return ctx.mappedMetadata.has(host);
}

export default defineRule({
  code: 'bitmap-l1-entry-invalid',
  title: 'Dirty bitmap L1 entry points to an impossible cluster',
  severity: 'error',
  category: 'corruption',
  phase: 'extension',
  doc: `An L1 entry other than 0 (all clean) or 1 (all dirty) is the sector offset of one bitmap data cluster,
which must meet the same requirements as data clusters: inside the file and data area, on a cluster boundary,
used by nothing else. A bad entry gives the bitmap random bits. The repair sets it to 1, "all dirty": never to 0,
since a wrong "clean" makes backups miss changed data.`,
  fix: 'set the L1 entry to 1 (all dirty)',
  check(ctx) {
    return badEntries(ctx).map((e) => ctx.finding(this, `${e.what} ${e.why}`, e.at, 8));
  },
  repair(ctx, plan, only) {
    const bad = badEntries(ctx).filter((e) => !only || e.at === only.offset);
    for (const e of bad) {
      plan.write(e.at, u64Bytes(1));
      plan.step(`set ${e.what} to 1 (all dirty)`);
    }
    if (bad.length > 0) storeChecksum(ctx, plan);
  },
});
