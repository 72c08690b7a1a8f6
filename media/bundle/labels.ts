/** How the bundle view names snapshots and images (text only: the server decoded everything). */
import type { ImageSummary, SnapshotSummary } from '../../shared/bundle/report';
import { hex, sizeText } from '../numbers';

/** "{5fbaabe3…}": enough of a GUID to tell the snapshots of a bundle apart. */
export function shortGuid(guid: string): string {
  return guid.length > 10 ? `${guid.slice(0, 9)}…}` : guid;
}

export function roleText(s: SnapshotSummary): string {
  return s.top ? 'top' : s.active ? 'active chain' : 'inactive';
}

/** The last part of a path (a `<File>` may be absolute). */
export function fileName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

/** "v1 · cluster 1 MiB · 64 GiB · 4 allocated · in_use "pd22"", or why there is no header to summarise. */
export function imageText(i: ImageSummary): string {
  if (!i.exists) return 'missing';
  if (i.kind === 'raw') return `raw (Plain) · ${sizeText(i.size ?? 0)}`;
  if (i.kind === null || i.version === null) return 'unreadable header';
  const inUse = i.inUseTag !== null ? `"${i.inUseTag}"` : hex(i.inUse ?? 0);
  const parts = [
    i.version,
    `cluster ${sizeText(i.clusterSize ?? 0)}`,
    sizeText(i.size ?? 0),
    `${(i.allocatedClusters ?? 0).toLocaleString('en-US')} allocated`,
    `in_use ${inUse}`,
  ];
  return parts.join(' · ');
}
