import { HEADER_SIZE } from './constants';
import { HEADER_FIELDS, type HeaderFieldSpec, type HeaderValues, MAGIC_EXT, MAGIC_LEGACY, STORED_HEADER_FIELDS, type StoredHeaderValues } from './headerLayout';
import { putU32, putU64, u32, u64 } from './le';
import type { ByteSource } from '../io/byteSource';

export type Variant = 'legacy' | 'ext';

/**
 * The 64-byte header as stored, every field decoded whatever its value (validation is the rules' job). The
 * fields, what they mean and what the format demands of them are in HEADER_FIELDS (headerLayout.ts): tracks is
 * the cluster size in sectors, data_off and ext_off are sectors (0: computed for the legacy variant, no format
 * extension), nbSectors is the whole 64-bit field (see `effectiveSectors` for the legacy variant's low half).
 */
export interface Header extends HeaderValues {
  /** Which magic it is, or undefined for neither. */
  variant: Variant | undefined;
  /** How many of the 64 header bytes the file holds; fields past it read as zero. */
  bytesPresent: number;
}

export function decodeHeader(src: ByteSource): Header {
  const b = new Uint8Array(HEADER_SIZE);
  const bytesPresent = src.readInto(0, b);
  const { magic, ...numbers } = Object.fromEntries(HEADER_FIELDS.map((f) => [f.key, readField(b, f)])) as unknown as HeaderValues;
  return {
    magic,
    variant: magic === MAGIC_EXT ? 'ext' : magic === MAGIC_LEGACY ? 'legacy' : undefined,
    ...numbers,
    bytesPresent,
  };
}

/** The 64 header bytes holding `values` (the halves of nb_sectors are its whole field's bytes). */
export function encodeHeader(values: StoredHeaderValues): Uint8Array {
  const b = new Uint8Array(HEADER_SIZE);
  for (const f of STORED_HEADER_FIELDS) writeField(b, f, values[f.key]);
  return b;
}

function readField(b: Uint8Array, f: HeaderFieldSpec): string | number {
  if (f.type === 'text16') return String.fromCharCode(...b.subarray(f.offset, f.offset + f.size));
  return f.type === 'u64' ? u64(b, f.offset) : u32(b, f.offset);
}

function writeField(b: Uint8Array, f: HeaderFieldSpec, v: string | number): void {
  if (typeof v === 'string') {
    for (let i = 0; i < f.size; i++) b[f.offset + i] = v.charCodeAt(i);
  } else if (f.type === 'u64') putU64(b, f.offset, v);
  else putU32(b, f.offset, v);
}

/** Disk size in sectors as readers use it: the legacy variant only uses the low 32 bits. */
export function effectiveSectors(h: Header): number {
  return h.variant === 'legacy' ? h.nbSectorsLow : h.nbSectors;
}
