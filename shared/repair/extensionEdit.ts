import { EntryFlag } from '../check/batScan';
import type { CheckContext } from '../check/context';
import { overlaps } from '../check/metadata';
import { EXT_HEADER, FEATURE_HEADER_SIZE } from '../format/extensionLayout';
import { EXT_PARSE_CAP, type Feature, extensionChecksum, l1EntryOffset, sectionEnd } from '../format/extension';
import { hex, u64Bytes } from '../format/le';
import { badEntries } from '../check/bitmapEntries';
import { bitmaps } from '../check/bitmaps';
import { entriesWith } from '../check/entryProblems';
import type { PlanBuilder } from './planBuilder';

/** Edits of the format extension cluster; each leaves a correct checksum behind. */

/** Recomputes the MD5 of the extension cluster as the plan's state has it now and stores it. */
export function storeChecksum(ctx: CheckContext, plan: PlanBuilder): void {
  const g = ctx.geometry;
  const ext = ctx.image.extension;
  if (!g || !ext) return;
  // As decodeExtension: a cut-short cluster above the parse cap is not hashed; it is verified once completed.
  if (plan.state.size < ext.offset + g.clusterSize && g.clusterSize > EXT_PARSE_CAP) return;
  const head = new Uint8Array(Math.min(g.clusterSize, EXT_PARSE_CAP));
  plan.state.readInto(ext.offset, head);
  plan.write(ext.offset + EXT_HEADER.checksum.offset, extensionChecksum(plan.state, ext.offset, g.clusterSize, head));
}

/**
 * Marks every dirty bitmap "all dirty", which is always safe: a backup made from it copies more, never less.
 * L1 entries 0 (clean) become 1 (dirty); stored bitmap clusters inside the file are filled with ones, so the
 * layout (and what counts as used space) does not change; entries that point nowhere usable become 1.
 */
export function markBitmapsDirty(ctx: CheckContext, plan: PlanBuilder, why: string): void {
  const g = ctx.geometry;
  // Only an extension with its magic holds bitmaps: without it the cluster may be anything (guest data even).
  const found = bitmaps(ctx);
  if (!g || found.length === 0) return;
  const unsafe = unfillableEntries(ctx);
  for (const { bitmap: bm } of found) {
    bm.l1.forEach((entry, i) => {
      const at = l1EntryOffset(bm, i);
      if (entry > 1 && entry * 512 + g.clusterSize <= plan.state.size && !unsafe.has(at)) {
        plan.write(entry * 512, new Uint8Array(g.clusterSize).fill(0xff));
      } else if (entry !== 1) plan.write(at, u64Bytes(1));
    });
  }
  storeChecksum(ctx, plan);
  plan.step(`mark ${found.length} dirty bitmap(s) all dirty (${why}); the next backup from them copies everything`);
}

/**
 * L1 entries (by file offset) whose cluster must not be filled: an invalid entry (onto the header, the BAT, guest
 * data, the extension), or one a BAT entry overlaps. Filling those would overwrite bytes that are not the bitmap's
 * before the BAT repairs copy them away (the header phase runs first): they become 1 instead.
 */
function unfillableEntries(ctx: CheckContext): Set<number> {
  const g = ctx.geometry;
  const out = new Set(badEntries(ctx).map((e) => e.at));
  if (!g) return out;
  const overlapping = [...entriesWith(ctx, EntryFlag.OverlapsMetadata)];
  if (overlapping.length === 0) return out;
  for (const { bitmap } of bitmaps(ctx)) {
    bitmap.l1.forEach((entry, i) => {
      const host = entry * 512;
      if (entry > 1 && overlapping.some((p) => overlaps(p.host, p.host + g.clusterSize, host, host + g.clusterSize))) out.add(l1EntryOffset(bitmap, i));
    });
  }
  return out;
}

/**
 * Removes one feature section: later sections move down, the freed tail is zeroed, the checksum is redone.
 * What the section referenced (bitmap clusters) becomes unused space.
 */
export function dropFeature(ctx: CheckContext, plan: PlanBuilder, feature: Feature, why: string): void {
  const g = ctx.geometry;
  const ext = ctx.image.extension;
  if (!g || !ext || !plan.claim('extension-layout')) return;
  const clusterEnd = ext.offset + Math.min(g.clusterSize, EXT_PARSE_CAP);
  const restStart = Math.min(clusterEnd, sectionEnd(feature));
  const rest = plan.state.read(restStart, clusterEnd - restStart);
  const moved = new Uint8Array(clusterEnd - feature.offset);
  moved.set(rest);
  plan.write(feature.offset, moved);
  storeChecksum(ctx, plan);
  plan.step(`drop the feature section at ${hex(feature.offset)} (${why})`);
}

/** Writes an End-of-features section at `offset` (24 zero bytes) and redoes the checksum. */
export function writeEnd(ctx: CheckContext, plan: PlanBuilder, offset: number, why: string): void {
  if (!plan.claim('extension-layout')) return;
  plan.write(offset, new Uint8Array(FEATURE_HEADER_SIZE));
  storeChecksum(ctx, plan);
  plan.step(`write an End-of-features section at ${hex(offset)} (${why})`);
}
