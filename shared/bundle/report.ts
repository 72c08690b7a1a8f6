/**
 * The shapes of a bundle's report (`check --json` and `info --json` on a bundle, and the bundle view's wire: public
 * contracts), below the operations that fill them (ops/bundleCheck.ts, ops/bundleSummary.ts) so that the protocol
 * can name them without importing the operations.
 */
import type { FindingReport } from '../check/finding';
import type { TopHow } from './snapshots';

/** A finding of a bundle: the image report's, with the file it is in (and its place in the descriptor). */
export interface BundleFindingReport extends FindingReport {
  file: string;
  line?: number;
  column?: number;
}

export interface ImageSummary {
  storage: number;
  /** `<File>` as written. */
  file: string;
  /** The path read (resolved; the bundle-folder fallback for a relocated absolute path). */
  path: string;
  exists: boolean;
  /** `expandable` (a Parallels header), `raw`, or null when the file cannot be read. */
  kind: 'expandable' | 'raw' | null;
  /** `v1` (WithoutFreeSpace) or `v2` (WithouFreSpacExt); null for raw or unreadable images. */
  version: 'v1' | 'v2' | null;
  clusterSize: number | null;
  /** The size the image describes, in bytes (a raw file's length). */
  size: number | null;
  inUse: number | null;
  /** in_use as ASCII when it is printable ("Ynot", "pd22"). */
  inUseTag: string | null;
  flags: number | null;
  allocatedClusters: number | null;
}

export interface SnapshotSummary {
  guid: string;
  /** null for a root. */
  parent: string | null;
  active: boolean;
  top: boolean;
  temporary: boolean;
  children: string[];
  images: ImageSummary[];
}

export interface BundleSummary {
  disk: {
    sectors: number | null;
    size: number | null;
    cylinders: number | null;
    heads: number | null;
    sectorsPerTrack: number | null;
    padding: number | null;
    encrypted: boolean;
  };
  storages: Array<{ index: number; start: number | null; end: number | null; blocksize: number | null }>;
  top: { guid: string | null; how: TopHow; reason: string | null };
  /** Top first. */
  activeChain: string[];
  snapshots: SnapshotSummary[];
  orphans: string[];
}
