/**
 * The image rules (header, BAT, space, extension, bitmaps), apart from the bundle rules: checking an image file
 * loads these only (the bundle rules bring the descriptor reader and its XML parser; ./catalogue.ts has both).
 */
import type { Rule } from './rule';
import { provideEntryTests } from '../check/entryTests';
import { BAT_ENTRY_TESTS } from './bat/entryTests';
import badMagic from './header/badMagic';
import badVersion from './header/badVersion';
import headerTruncated from './header/headerTruncated';
import zeroClusterSize from './header/zeroClusterSize';
import clusterSizeTooLarge from './header/clusterSizeTooLarge';
import clusterSizeUnusual from './header/clusterSizeUnusual';
import batTooLarge from './header/batTooLarge';
import batTruncated from './header/batTruncated';
import diskSizeExceedsBat from './header/diskSizeExceedsBat';
import nbSectorsHighBits from './header/nbSectorsHighBits';
import imageUnclean from './header/imageUnclean';
import inUseUnknown from './header/inUseUnknown';
import dataOffInvalid from './header/dataOffInvalid';
import dataOffOffGrid from './header/dataOffOffGrid';
import dataOffMisaligned from './header/dataOffMisaligned';
import flagsEmptyWithData from './header/flagsEmptyWithData';
import flagsReserved from './header/flagsReserved';
import batEntryBeyondEof from './bat/batEntryBeyondEof';
import batEntryBeforeData from './bat/batEntryBeforeData';
import batEntryMisaligned from './bat/batEntryMisaligned';
import batEntryOverlapsMetadata from './bat/batEntryOverlapsMetadata';
import batEntryDuplicate from './bat/batEntryDuplicate';
import batEntryBeyondDisk from './bat/batEntryBeyondDisk';
import leakedTail from './space/leakedTail';
import unreferencedClusters from './space/unreferencedClusters';
import fileSizeMisaligned from './space/fileSizeMisaligned';
import extOffInvalid from './extension/extOffInvalid';
import extBadMagic from './extension/extBadMagic';
import extBadChecksum from './extension/extBadChecksum';
import extFeatureTruncated from './extension/extFeatureTruncated';
import extMissingEnd from './extension/extMissingEnd';
import extEndNotZero from './extension/extEndNotZero';
import extUnknownNecessary from './extension/extUnknownNecessary';
import extUnknownTransit from './extension/extUnknownTransit';
import extUnknownDroppable from './extension/extUnknownDroppable';
import extStale from './extension/extStale';
import bitmapFeatureTooSmall from './bitmap/bitmapFeatureTooSmall';
import bitmapSizeMismatch from './bitmap/bitmapSizeMismatch';
import bitmapGranularityInvalid from './bitmap/bitmapGranularityInvalid';
import bitmapL1SizeMismatch from './bitmap/bitmapL1SizeMismatch';
import bitmapL1ExceedsData from './bitmap/bitmapL1ExceedsData';
import bitmapL1EntryInvalid from './bitmap/bitmapL1EntryInvalid';
import bitmapDuplicateId from './bitmap/bitmapDuplicateId';

// The scans (check layer, below the rules) run the BAT rules' own per-entry predicates.
provideEntryTests(BAT_ENTRY_TESTS);

/**
 * Every rule, in report order. Within a repair phase the order is also precedence: a BAT entry past the end of
 * the file is unmapped before anything tries to copy it, a misaligned one moves before duplicates are judged.
 */
export const RULES: readonly Rule[] = [
  badMagic,
  badVersion,
  headerTruncated,
  zeroClusterSize,
  clusterSizeTooLarge,
  clusterSizeUnusual,
  batTooLarge,
  batTruncated,
  diskSizeExceedsBat,
  nbSectorsHighBits,
  imageUnclean,
  inUseUnknown,
  dataOffInvalid,
  dataOffOffGrid,
  dataOffMisaligned,
  flagsEmptyWithData,
  flagsReserved,
  batEntryBeyondEof,
  batEntryBeforeData,
  batEntryMisaligned,
  batEntryOverlapsMetadata,
  batEntryDuplicate,
  batEntryBeyondDisk,
  leakedTail,
  unreferencedClusters,
  fileSizeMisaligned,
  extOffInvalid,
  extBadMagic,
  extBadChecksum,
  extFeatureTruncated,
  extMissingEnd,
  extEndNotZero,
  extUnknownNecessary,
  extUnknownTransit,
  extUnknownDroppable,
  extStale,
  bitmapFeatureTooSmall,
  bitmapSizeMismatch,
  bitmapGranularityInvalid,
  bitmapL1SizeMismatch,
  bitmapL1ExceedsData,
  bitmapL1EntryInvalid,
  bitmapDuplicateId,
];

const byCode = new Map(RULES.map((r) => [r.code, r]));

export function ruleByCode(code: string): Rule | undefined {
  return byCode.get(code);
}
