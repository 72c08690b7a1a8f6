import type { OverlaySource } from '../../shared/io/overlaySource';
import { type CopyRun, type EditSet, PatchRuns, type Run, isLiteral, mergePatches, runLength } from '../../shared/io/patch';

/**
 * One undoable edit of a document: what it writes and what it overwrote. Redo is "apply `after`" (an edit set
 * whose copies read the state before it, as any edit set's do), undo is "restore `before`", exactly, and the same
 * sets go to the language server as didChange edits.
 */
export interface EditRecord {
  /** Unique per document, increasing: identifies the save point in the history. */
  readonly id: number;
  readonly label: string;
  /** The edit as applied: disjoint sorted patches, its copies (sorted by target) and the size after it. */
  readonly after: Required<EditSet>;
  /**
   * What the edit's targets and the bytes it cut off held before it, and the size: runs of literal bytes, zeros
   * or ranges of the file under the document (a copy target inside the file whose old bytes were the file's own,
   * a truncation of gigabytes). Ranges of the file are read into bytes when they are small (MAX_KEPT_BYTES);
   * larger ones are kept as ranges, valid while the document reads the same file (`fileEpoch`).
   */
  readonly before: Restore;
  /** Set when `before` holds ranges of the file: the ImageModel file epoch they refer to. */
  readonly fileEpoch?: number;
}

export interface Restore {
  runs: readonly Run[];
  size: number;
}

/** Old bytes of the file (and zeros) up to this many are kept as bytes in a record: undo then needs no file. */
export const MAX_KEPT_BYTES = 16 * 1024 * 1024;

/**
 * Captures the record of `edits` applied to `state`: what each target and, for a truncation, the cut-off part
 * held. Must run before the edit is applied. Reads at most MAX_KEPT_BYTES; never copies a run.
 */
export function recordEdit(id: number, label: string, state: OverlaySource, edits: EditSet, fileEpoch: number): EditRecord {
  const patches = mergePatches(edits.patches);
  const copies = [...(edits.copies ?? [])].sort((a, b) => a.offset - b.offset);
  const sizeBefore = state.size;
  const targets = [...patches.map((p) => ({ offset: p.offset, length: p.data.length })), ...copies];
  const grown = targets.reduce((end, t) => Math.max(end, t.offset + t.length), sizeBefore);
  const sizeAfter = edits.size ?? grown;
  const old = new PatchRuns();
  // Bytes past the old end did not exist before: undo drops them by restoring the size.
  const keep = (offset: number, end: number): void => {
    if (Math.min(end, sizeBefore) > offset) for (const r of state.contentOf(offset, Math.min(end, sizeBefore) - offset)) old.writeRun(r);
  };
  for (const t of targets) keep(t.offset, t.offset + t.length);
  if (sizeAfter < sizeBefore) keep(sizeAfter, sizeBefore);
  const loose = old.list.reduce((n, r) => n + (isLiteral(r) ? 0 : runLength(r)), 0);
  const runs = loose <= MAX_KEPT_BYTES ? old.list.map((r) => (isLiteral(r) ? r : { offset: r.offset, data: state.read(r.offset, runLength(r)) })) : old.list;
  const record: EditRecord = { id, label, after: { patches, copies, size: sizeAfter }, before: { runs, size: sizeBefore } };
  return runs.every(isLiteral) ? record : { ...record, fileEpoch };
}

/** `before` as an edit set for the server, when it is literal bytes only (else the server must resync). */
export function restoreAsEdits(before: Restore): Required<EditSet> | undefined {
  if (!before.runs.every(isLiteral)) return undefined;
  return { patches: before.runs.filter(isLiteral), copies: [], size: before.size };
}

/** Byte ranges some runs touch, plus the range between the old and new size: what a view must re-read. */
export function touchedRanges(targets: ReadonlyArray<Run | CopyRun>, sizeBefore: number, sizeAfter: number): Array<{ offset: number; length: number }> {
  const ranges = targets.map((t) => ({ offset: t.offset, length: runLength(t) }));
  if (sizeAfter !== sizeBefore) {
    const lo = Math.min(sizeAfter, sizeBefore);
    ranges.push({ offset: lo, length: Math.max(sizeAfter, sizeBefore) - lo });
  }
  return ranges;
}

/** The targets of an edit set, as runs (for touchedRanges). */
export function targetsOf(edits: Required<EditSet>): Array<Run | CopyRun> {
  return [...edits.patches, ...edits.copies];
}
