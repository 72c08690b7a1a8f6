import type { CopyRun, EditSet } from './patch';

/**
 * Growth an edit set may make beyond what it writes: a repair extends a file whose BAT (up to 2^32 entries of 4
 * bytes) or first cluster is cut short without writing those bytes, so 32 GiB, or the file's own size if larger.
 */
export const GROWTH_ALLOWANCE = 2 ** 35;

/** An edit set that must not be applied: an offset, length or size that is not a position in a file. */
export class EditSetError extends Error {}

/**
 * Checks every number of an edit set that came from elsewhere (the wire, the webview, a backup) before it reaches
 * a write or an allocation: offsets, lengths and sizes are safe non-negative integers; copy targets are disjoint;
 * with a size, every target lies within it; and the file may not end past what the set carries (its literal bytes,
 * what its copies read inside the current state) plus GROWTH_ALLOWANCE. `planned`: a plan of the engine's (a fix),
 * whose targets all lie within its size (OverlaySource.edits cuts them), so one past it is refused; edits in
 * general may write past a size they then cut off. Throws EditSetError naming the offender.
 */
export function checkEditSet(edits: EditSet, currentSize: number, what: string, planned = false): void {
  if (!Array.isArray(edits.patches) || !edits.patches.every((p) => p?.data instanceof Uint8Array)) {
    throw new EditSetError(`${what}: the edits are not a list of patches; nothing was applied`);
  }
  const shape: EditShape = { patches: edits.patches.map((p) => ({ offset: p.offset, length: p.data.length })), copies: edits.copies ?? [] };
  if (edits.size !== undefined) shape.size = edits.size;
  checkEditShape(shape, currentSize, what, planned);
}

/** The numbers of an edit set: patches by their length (checked before their bytes are decoded). */
export interface EditShape {
  patches: Array<{ offset: number; length: number }>;
  copies: readonly CopyRun[];
  size?: number;
}

export function checkEditShape(edits: EditShape, currentSize: number, what: string, planned = false): void {
  const fail = (why: string): never => {
    throw new EditSetError(`${what}: ${why}; nothing was applied`);
  };
  let carried = 0;
  let end = 0;
  for (const p of edits.patches) {
    position(p.offset, `patch offset`, fail);
    position(p.offset + p.length, `end of the patch at ${p.offset}`, fail);
    carried += p.length;
    end = Math.max(end, p.offset + p.length);
  }
  const copies = [...edits.copies].sort((a, b) => a.offset - b.offset);
  let copiedEnd = 0;
  for (const c of copies) {
    position(c.offset, 'copy target', fail);
    position(c.length, `length of the copy to ${c.offset}`, fail);
    position(c.from, `source of the copy to ${c.offset}`, fail);
    position(c.offset + c.length, `end of the copy to ${c.offset}`, fail);
    position(c.from + c.length, `end of the source of the copy to ${c.offset}`, fail);
    if (c.offset < copiedEnd) fail(`the copy to ${c.offset} overlaps another copy (copy targets must be disjoint)`);
    copiedEnd = c.offset + c.length;
    carried += Math.max(0, Math.min(c.length, currentSize - c.from));
    end = Math.max(end, copiedEnd);
  }
  if (edits.size !== undefined) {
    position(edits.size, 'size', fail);
    if (planned && end > edits.size) fail(`an edit ends at ${end}, past the new size ${edits.size}`);
  }
  const finalSize = edits.size ?? Math.max(currentSize, end);
  const limit = currentSize + carried + Math.max(currentSize, GROWTH_ALLOWANCE);
  // Targets count too: a patch past a size that cuts it off is still written (and allocated) first.
  if (Math.max(end, finalSize) > limit) {
    fail(`the file would end at ${Math.max(end, finalSize)}, far past its size ${currentSize} and what the edits carry (at most ${limit})`);
  }
}

function position(n: unknown, what: string, fail: (why: string) => never): void {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) fail(`${what} ${String(n)} is not a safe non-negative integer`);
}
