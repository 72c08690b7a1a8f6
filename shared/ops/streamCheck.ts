/**
 * `check` of a file with the BAT streamed: each piece is scanned as it is read into one reused buffer
 * (`BatScanner.feed`), and nothing sized by the BAT is allocated unless a rule needs the whole BAT (an image with
 * a format extension: its metadata and bitmap rules look entries up). The result is exactly `checkReport`'s (same
 * decoders, same scanner, same rules, the same data area inferred from the entries where data_off is damaged).
 */
import { FileSource } from '../io/fileSource';
import { BatPass, BatScanner, inMemory } from '../check/batScan';
import { CheckContext } from '../check/context';
import { metadataRanges } from '../check/metadata';
import { applyRules } from '../engine/check';
import { heldEntries, streamBat } from '../format/batStream';
import { inferDataAreaFrom } from '../format/dataArea';
import { decodeExtension } from '../format/extension';
import { deriveGeometry, geometryBlocker } from '../format/geometry';
import { decodeHeader } from '../format/header';
import { DecodedImage } from '../format/image';
import { CheckReport, assembleReport, checkReport } from './check';
import type { ProgressCallback } from './progress';

export function checkReportStreamed(path: string, options: { pieceEntries?: number; onProgress?: ProgressCallback } = {}): CheckReport {
  const source = new FileSource(path);
  try {
    const header = decodeHeader(source);
    if (geometryBlocker(header) !== undefined) return checkReport(source);
    const stored = deriveGeometry(header, source.size);
    const pieces = { pieceEntries: options.pieceEntries };
    // A healthy image decides at its first allocated entry; a damaged data_off costs one more streamed pass.
    const g = inferDataAreaFrom(stored, (visit) => streamBat(source, stored, visit, pieces));
    const image: DecodedImage = { source, header, blocker: undefined, geometry: g };
    const hasExtension = g.extOffset > 0 && g.extOffset < source.size;
    const count = heldEntries(source, g);
    const bat = hasExtension ? new Uint32Array(count) : undefined;
    const scanner = new BatScanner(g);
    streamBat(source, g, (chunk, from) => {
      scanner.feed(chunk, from);
      options.onProgress?.(from + chunk.length, count);
    }, { into: bat, ...pieces });
    let again: BatPass = (visit) => streamBat(source, g, visit, pieces);
    if (bat) {
      image.bat = bat;
      image.extension = decodeExtension(source, g);
      again = inMemory(bat);
    }
    const context = new CheckContext(image, undefined, scanner.finish(metadataRanges(image), again));
    return assembleReport(source, image, context, applyRules(context));
  } finally {
    source.close();
  }
}
