import type { CheckContext } from './context';
import { isClusterAligned, overlaps } from './metadata';
import { bitmapName, bitmaps } from './bitmaps';
import { hex } from '../format/words';
import { l1EntryOffset } from '../format/extension';

/**
 * The dirty bitmaps' L1 entries that point where no bitmap cluster can be: what the rule bitmap-l1-entry-invalid
 * reports and what the extension repairs must not fill (repair/extensionEdit.ts), so it is an analysis of the
 * check layer that both use.
 */

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
      const at = l1EntryOffset(b.bitmap, i);
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
