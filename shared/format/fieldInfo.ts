import type { RegionKind } from './regionKinds';

/**
 * A described range of the file: what a hover, the structure tree and `hdd-lens info` show for a byte. Every
 * byte the engine understands belongs to one field (a header field, a BAT entry, an extension field, a bitmap L1
 * entry, a data cluster, padding or unused space).
 */
export interface FieldInfo {
  /** Dotted path, stable for tests and links: "header.tracks", "bat[12]", "extension.feature[0].l1[3]". */
  path: string;
  /** Human name: "tracks (cluster size)". */
  name: string;
  offset: number;
  size: number;
  /** The decoded value as shown: "128 sectors = 64 KiB". */
  value: string;
  /** The raw value, when it is a number (64-bit values as decimal strings to keep precision). */
  raw?: number | string;
  /** What the format requires of it, in one or two sentences. */
  requirement: string;
  /** What kind of region it is, for colouring: header, bat, data, extension, bitmap, padding, free, leaked. */
  region: RegionKind;
}
