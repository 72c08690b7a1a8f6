import type { ByteSource } from '../io/byteSource';
import type { ProgressCallback } from '../io/progress';
import { type BatPass, type BatScan, BatScanner, inMemory } from '../check/batScan';
import { metadataRanges } from '../check/metadata';
import { heldEntries, streamBat } from '../format/batStream';
import { inferDataAreaFrom } from '../format/dataArea';
import { decodeExtension } from '../format/extension';
import { type Geometry, deriveGeometry, geometryBlocker } from '../format/geometry';
import { decodeHeader } from '../format/header';
import type { DecodedImage } from '../format/image';
import { type CheckResult, checkDecoded, checkImage } from './check';

export interface StreamOptions {
  /** Entries per piece read (tests vary it; the default keeps a piece in the CPU's cache). */
  pieceEntries?: number;
  /** Called after each piece with the entries read so far and the entries the file holds. */
  onProgress?: ProgressCallback;
}

/**
 * The BAT scan with the BAT streamed: each piece is scanned as it is read (`BatScanner.feed`), into `into` when
 * given (the whole BAT, for a caller that keeps it) or through one reused buffer. Returns the image with the BAT it
 * was given (`into`), and the scan, whose cross-entry pass reads `into` or streams the file again.
 */
export function scanStreamed(
  source: ByteSource,
  image: DecodedImage,
  g: Geometry,
  options: StreamOptions & { into?: Uint32Array } = {},
): { image: DecodedImage; scan: BatScan } {
  const count = heldEntries(source, g);
  const scanner = new BatScanner(g);
  const pieces = { pieceEntries: options.pieceEntries, buffer: scanner.readBuffer };
  streamBat(
    source,
    g,
    (chunk, from) => {
      scanner.feed(chunk, from);
      options.onProgress?.(from + chunk.length, count);
    },
    { into: options.into, ...pieces },
  );
  const held = options.into ? { ...image, bat: options.into } : image;
  const again: BatPass = options.into ? inMemory(options.into) : (visit) => streamBat(source, g, visit, pieces);
  return { image: held, scan: scanner.finish(metadataRanges(held), again) };
}

/**
 * `check` with the BAT streamed: nothing sized by the BAT is allocated unless a rule needs the whole BAT (an image
 * with a format extension: its metadata and bitmap rules look entries up). The result is exactly `checkImage`'s
 * (same decoders, same scanner, same rules, the same data area inferred from the entries where data_off is damaged).
 */
export function checkStreamed(source: ByteSource, options: StreamOptions = {}): CheckResult {
  const header = decodeHeader(source);
  if (geometryBlocker(header) !== undefined) return checkImage(source);
  const stored = deriveGeometry(header, source.size);
  const pieces = { pieceEntries: options.pieceEntries };
  // A healthy image decides at its first allocated entry; a damaged data_off costs one more streamed pass.
  const g = inferDataAreaFrom(stored, (visit) => streamBat(source, stored, visit, pieces));
  const image: DecodedImage = { source, header, blocker: undefined, geometry: g };
  const hasExtension = g.extOffset > 0 && g.extOffset < source.size;
  if (hasExtension) image.extension = decodeExtension(source, g);
  const into = hasExtension ? new Uint32Array(heldEntries(source, g)) : undefined;
  const scanned = scanStreamed(source, image, g, { ...options, into });
  return checkDecoded(scanned.image, { scan: scanned.scan });
}
