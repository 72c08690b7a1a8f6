import type { ByteSource } from '../../shared/io/byteSource';
import { EditSet, Patch, mergePatches } from '../../shared/io/patch';

/**
 * One undoable edit of a document: what it writes and what it overwrote. Both directions are plain edit sets
 * (patches, then an optional size), so undo is "apply `before`" and redo is "apply `after`", exactly, and the
 * same sets go to the language server as didChange edits.
 */
export interface EditRecord {
  /** Unique per document, increasing: identifies the save point in the history. */
  readonly id: number;
  readonly label: string;
  /** The edit as applied: disjoint sorted patches and the size after it. */
  readonly after: Required<EditSet>;
  /**
   * The bytes and size before it. `exact` is false only when a truncation cut off more than
   * `MAX_TRUNCATED_BYTES` (those are not kept in memory): then `before` restores the size but not the cut bytes,
   * and undo must replay the history from the file instead.
   */
  readonly before: Required<EditSet>;
  readonly exact: boolean;
}

/** Bytes cut off by a truncation that are kept for undo; beyond this the tail is read back from the file. */
export const MAX_TRUNCATED_BYTES = 256 * 1024 * 1024;

/**
 * Captures the record of `edits` applied to `state`: reads the bytes each patch overwrites and, for a truncation,
 * the bytes cut off. Must run before the edit is applied.
 */
export function recordEdit(id: number, label: string, state: ByteSource, edits: EditSet): EditRecord {
  const patches = mergePatches(edits.patches);
  const sizeBefore = state.size;
  const grown = patches.reduce((end, p) => Math.max(end, p.offset + p.data.length), sizeBefore);
  const sizeAfter = edits.size ?? grown;
  const old: Patch[] = [];
  for (const p of patches) {
    // Bytes a patch writes past the old end did not exist before: undo drops them by restoring the size.
    const data = state.read(p.offset, p.data.length);
    if (data.length > 0) old.push({ offset: p.offset, data });
  }
  let exact = true;
  if (sizeAfter < sizeBefore) {
    const cut = sizeBefore - sizeAfter;
    if (cut <= MAX_TRUNCATED_BYTES) old.push({ offset: sizeAfter, data: state.read(sizeAfter, cut) });
    else exact = false;
  }
  return {
    id,
    label,
    after: { patches, copies: [], size: sizeAfter },
    before: { patches: mergePatches(old), copies: [], size: sizeBefore },
    exact,
  };
}

/** Byte ranges an edit set touches, plus the range between the old and new size: what a view must re-read. */
export function touchedRanges(edits: Required<EditSet>, sizeBefore: number): Array<{ offset: number; length: number }> {
  const ranges = edits.patches.map((p) => ({ offset: p.offset, length: p.data.length }));
  if (edits.size !== sizeBefore) {
    const lo = Math.min(edits.size, sizeBefore);
    ranges.push({ offset: lo, length: Math.max(edits.size, sizeBefore) - lo });
  }
  return ranges;
}
