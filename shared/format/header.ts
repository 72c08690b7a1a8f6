import { HEADER_SIZE, MAGIC_EXT, MAGIC_LEGACY } from './constants';
import { u32, u64 } from './le';
import type { ByteSource } from '../io/byteSource';

export type Variant = 'legacy' | 'ext';

/** The 64-byte header as stored, every field decoded whatever its value (validation is the rules' job). */
export interface Header {
  /** The 16 magic bytes as Latin-1 text. */
  magic: string;
  /** Which magic it is, or undefined for neither. */
  variant: Variant | undefined;
  version: number;
  heads: number;
  cylinders: number;
  /** Cluster size in sectors. */
  tracks: number;
  batEntries: number;
  /** The whole 64-bit field; see `effectiveSectors` for the legacy variant's low half. */
  nbSectors: number;
  nbSectorsLow: number;
  nbSectorsHigh: number;
  inUse: number;
  /** Sectors; 0 means "computed" for the legacy variant. */
  dataOff: number;
  flags: number;
  /** Sectors; 0 means no format extension. */
  extOff: number;
  /** How many of the 64 header bytes the file holds; fields past it read as zero. */
  bytesPresent: number;
}

export function decodeHeader(src: ByteSource): Header {
  const b = new Uint8Array(HEADER_SIZE);
  const bytesPresent = src.readInto(0, b);
  const magic = String.fromCharCode(...b.subarray(0, 16));
  return {
    magic,
    variant: magic === MAGIC_EXT ? 'ext' : magic === MAGIC_LEGACY ? 'legacy' : undefined,
    version: u32(b, 16),
    heads: u32(b, 20),
    cylinders: u32(b, 24),
    tracks: u32(b, 28),
    batEntries: u32(b, 32),
    nbSectors: u64(b, 36),
    nbSectorsLow: u32(b, 36),
    nbSectorsHigh: u32(b, 40),
    inUse: u32(b, 44),
    dataOff: u32(b, 48),
    flags: u32(b, 52),
    extOff: u64(b, 56),
    bytesPresent,
  };
}

/** Disk size in sectors as readers use it: the legacy variant only uses the low 32 bits. */
export function effectiveSectors(h: Header): number {
  return h.variant === 'legacy' ? h.nbSectorsLow : h.nbSectors;
}
