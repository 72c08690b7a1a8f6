import type { EntryTests } from '../../check/entryTests';
import { beforeData } from './batEntryBeforeData';
import { beyondDisk } from './batEntryBeyondDisk';
import { beyondEof, startsPastEof } from './batEntryBeyondEof';
import { misaligned } from './batEntryMisaligned';
import { overlapsMetadata } from './batEntryOverlapsMetadata';

/**
 * The per-entry predicates of the BAT rules, each from its rule's module, as the scans take them. Duplicates are a
 * relation between entries, found through the slot bitmap (full scan) and the cluster index (incremental scan)
 * rather than by a test of one value.
 */
export const BAT_ENTRY_TESTS: EntryTests = { beforeData, beyondEof, startsPastEof, misaligned, beyondDisk, overlapsMetadata };
