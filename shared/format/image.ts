import type { ByteSource } from '../io/byteSource';
import type { ProgressCallback } from '../io/progress';
import { readBat } from './bat';
import { inferDataArea } from './dataArea';
import { type Extension, decodeExtension } from './extension';
import { type Geometry, deriveGeometry, geometryBlocker } from './geometry';
import { type Header, decodeHeader } from './header';

/**
 * Everything the engine decodes from an image, as far as it can be decoded. A header too broken to locate the
 * BAT still yields the header (and `blocker` says why the rest is missing): decoding never throws on content.
 */
export interface DecodedImage {
  source: ByteSource;
  header: Header;
  blocker: ReturnType<typeof geometryBlocker>;
  geometry?: Geometry;
  /** The BAT entries the file holds. */
  bat?: Uint32Array;
  /** Decoded when ext_off is non-zero and the cluster starts inside the file. */
  extension?: Extension;
}

/**
 * Decodes an image. `bat: false` leaves the BAT unread (the language server reads a 64 MiB BAT in its worker
 * thread, not on the thread that answers hovers); `bat` is then undefined although the geometry is known.
 * `onBatRead(entries read, entries)` is called by pieces of the BAT read (a long planner says how far it is).
 */
export function decodeImage(source: ByteSource, options: { bat?: boolean; onBatRead?: ProgressCallback } = {}): DecodedImage {
  const header = decodeHeader(source);
  const blocker = geometryBlocker(header);
  if (blocker !== undefined) return { source, header, blocker };
  const geometry = deriveGeometry(header, source.size);
  const extension = geometry.extOffset > 0 && geometry.extOffset < source.size ? decodeExtension(source, geometry) : undefined;
  const image: DecodedImage = { source, header, blocker, geometry, extension };
  return options.bat === false ? image : withBat(image, readBat(source, geometry, options.onBatRead));
}

/**
 * The image with its BAT, read now or elsewhere (a worker thread, a stream): the geometry then takes the data area
 * the entries imply (inferDataArea), so every reader of one state judges the entries against the same data area.
 */
export function withBat(image: DecodedImage, bat: Uint32Array): DecodedImage {
  const g = image.geometry;
  return { ...image, bat, geometry: g ? inferDataArea(g, bat) : g };
}
