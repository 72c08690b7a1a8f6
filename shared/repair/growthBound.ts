import { USUAL_CLUSTER_MAX } from '../format/constants';
import type { Geometry } from '../format/geometry';
import { size } from '../format/words';

/**
 * How much a repair may grow a file beyond the clusters it copies: max(64 MiB, the file's own size). A repair
 * grows a file for two reasons: room for the copies it makes (real data, always allowed), and bytes the header
 * says should exist (the padding up to data_off, the rest of a cluster the end of the file cuts). The second kind
 * is small on a real image: less than a cluster, and usual clusters are at most 64 MiB. When it is larger than the
 * file itself and than any usual cluster, the header field that demands it (a cluster of 2 GiB on a 1 KiB file) is
 * far more likely the damage than the file: growing the file to satisfy it would only hide that.
 */
export function growthAllowance(originalSize: number): number {
  return Math.max(USUAL_CLUSTER_MAX, originalSize);
}

/** A size in words that reads at a glance: "1 KiB", "about 2.0 GiB". */
function roughly(bytes: number): string {
  const exact = size(bytes);
  if (!/bytes$/.test(exact) || bytes < 1024) return exact;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `about ${v.toFixed(1)} ${units[u]}`;
}

/** Why a planned state may not be written (it outgrows the bound), or undefined when it may. */
export function growthRefusal(originalSize: number, plannedSize: number, copiedClusters: number, g: Geometry): string | undefined {
  const copies = copiedClusters * g.clusterSize;
  if (plannedSize <= originalSize + copies + growthAllowance(originalSize)) return undefined;
  const copied = copiedClusters > 0 ? ` beyond the ${size(copies)} of clusters it copies` : '';
  return (
    `refusing to write: the repair would grow the file from ${roughly(originalSize)} to ${roughly(plannedSize)}${copied}, by more than ` +
    `${roughly(growthAllowance(originalSize))} (the larger of 64 MiB and the file's size), to make room for what the header describes ` +
    `(clusters of ${roughly(g.clusterSize)}, the data area at ${roughly(g.dataOffset)}): a header field is more likely damaged than the file; ` +
    'correct it by hand (--force overrides)'
  );
}
