/**
 * The `bundle` object of `check --json` and `info --json` on a bundle (a public contract): the disk, the
 * storages, every snapshot with its parent, its image in each storage (header summary, allocated clusters) and
 * whether it is on the active chain, the resolved top, and the folder's orphan files (its types: bundle/report.ts).
 */
import { basename } from 'node:path';
import { asciiTag } from '../format/le';
import { effectiveSectors } from '../format/header';
import type { CheckReport } from './check';
import type { Bundle, BundleImage } from '../bundle/bundle';
import { NULL_GUID } from '../bundle/descriptor';
import type { BundleSummary, ImageSummary, SnapshotSummary } from '../bundle/report';

export type { BundleSummary, ImageSummary, SnapshotSummary };

export function bundleSummary(b: Bundle, reports: ReadonlyMap<BundleImage, CheckReport> = new Map()): BundleSummary {
  const d = b.descriptor;
  const dp = d?.diskParameters;
  const num = (v: number | undefined): number | null => v ?? null;
  const engine = dp?.encryptionEngine;
  return {
    disk: {
      sectors: num(dp?.diskSize?.value),
      size: dp?.diskSize?.value !== undefined ? dp.diskSize.value * 512 : null,
      cylinders: num(dp?.cylinders?.value),
      heads: num(dp?.heads?.value),
      sectorsPerTrack: num(dp?.sectors?.value),
      padding: num(dp?.padding?.value),
      encrypted: (engine !== undefined && engine.text !== '' && engine.value !== NULL_GUID) || (dp?.encryptionKeyId?.text ?? '') !== '',
    },
    storages: (d?.storages ?? []).map((s) => ({ index: s.index, start: num(s.start?.value), end: num(s.end?.value), blocksize: num(s.blocksize?.value) })),
    top: { guid: b.top.guid ?? null, how: b.top.how, reason: b.top.reason ?? null },
    activeChain: b.chain.guids,
    snapshots: [...b.tree.byGuid.values()].map((s) => ({
      guid: s.guid,
      parent: s.parent ?? null,
      active: b.chain.guids.includes(s.guid),
      top: s.guid === b.chain.guids[0],
      temporary: s.temporary,
      children: s.children,
      images: b.images
        .map((m) => m.get(s.guid))
        .filter((i): i is BundleImage => i !== undefined)
        .map((i) => imageSummary(i, reports.get(i))),
    })),
    orphans: b.folder.orphans,
  };
}

export function imageSummary(i: BundleImage, report?: CheckReport): ImageSummary {
  const h = i.decoded?.geometry ? i.decoded.header : undefined;
  const g = i.decoded?.geometry;
  const raw = i.kind === 'raw';
  return {
    storage: i.storage,
    file: i.entry.file?.text ?? '',
    path: i.file?.path ?? '',
    exists: i.file?.kind === 'file',
    kind: i.kind ?? null,
    version: h ? (h.variant === 'legacy' ? 'v1' : 'v2') : null,
    clusterSize: g ? g.clusterSize : null,
    size: h ? effectiveSectors(h) * 512 : raw ? (i.file?.size ?? null) : null,
    inUse: h ? h.inUse : null,
    inUseTag: h ? (asciiTag(h.inUse) ?? null) : null,
    flags: h ? h.flags : null,
    allocatedClusters: report ? report.allocatedClusters : allocated(i),
  };
}

/** Allocated BAT entries within the disk (what `info` shows without a full check). */
function allocated(i: BundleImage): number | null {
  const g = i.decoded?.geometry;
  const bat = i.decoded?.bat;
  if (!g || !bat) return null;
  let n = 0;
  for (let c = 0, end = Math.min(bat.length, g.diskClusters); c < end; c++) if (bat[c] !== 0) n++;
  return n;
}

/** A short name for an image in human output: its file name. */
export function imageLabel(i: BundleImage): string {
  return basename(i.entry.file?.text ?? i.guid);
}
