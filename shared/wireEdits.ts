/**
 * Edit sets on the wire (hddLens/didChange, the arguments of a fix): base64 patches, copies, an optional size.
 * One encoder and one decoder for client and server; the decoder checks every number (shared/io/editCheck.ts)
 * before anything is allocated for the edits.
 */
import { EditSetError, type EditShape, checkEditShape } from './io/editCheck';
import type { CopyRun, EditSet, Patch } from './io/patch';
import type { WireCopy, WireEdit } from './protocol';

export interface WireEditSet {
  edits: WireEdit[];
  copies?: WireCopy[];
  size?: number;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function toWirePatches(patches: readonly Patch[]): WireEdit[] {
  return patches.map((p) => ({ offset: p.offset, data: Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength).toString('base64') }));
}

/** An edit set in wire form; `copies` only when there are some (older peers ignore nothing they get). */
export function encodeEditSet(e: EditSet): WireEditSet {
  const out: WireEditSet = { edits: toWirePatches(e.patches) };
  if (e.copies && e.copies.length > 0) out.copies = e.copies.map((c) => ({ offset: c.offset, length: c.length, from: c.from }));
  if (e.size !== undefined) out.size = e.size;
  return out;
}

/**
 * The edit set of a wire form, checked against a state of `currentSize` bytes: throws EditSetError (naming
 * `what`) for anything that is not a list of patches with base64 data, copies and a size that make sense
 * (`planned`: a fix, see checkEditSet).
 */
export function decodeEditSet(w: Partial<WireEditSet>, currentSize: number, what: string, planned = false): EditSet {
  if (!Array.isArray(w.edits)) throw new EditSetError(`${what}: the edits are not a list; nothing was applied`);
  if (w.copies !== undefined && !Array.isArray(w.copies)) throw new EditSetError(`${what}: the copies are not a list; nothing was applied`);
  // The numbers first: no base64 is decoded for a set that is refused anyway.
  const shape: EditShape = {
    patches: w.edits.map((e) => ({ offset: e?.offset, length: base64Length(e?.data, what) })),
    copies: (w.copies ?? []).map((c): CopyRun => ({ offset: c?.offset, length: c?.length, from: c?.from })),
  };
  if (w.size !== undefined) shape.size = w.size;
  checkEditShape(shape, currentSize, what, planned);
  const patches: Patch[] = w.edits.map((e) => ({ offset: e.offset, data: new Uint8Array(Buffer.from(e.data, 'base64')) }));
  const out: EditSet = { patches, copies: [...shape.copies] };
  if (shape.size !== undefined) out.size = shape.size;
  return out;
}

/** The length of the bytes a base64 string holds; EditSetError when it is not base64. */
function base64Length(data: unknown, what: string): number {
  if (typeof data !== 'string' || data.length % 4 !== 0 || !BASE64.test(data)) {
    throw new EditSetError(`${what}: patch data is not base64; nothing was applied`);
  }
  return (data.length / 4) * 3 - (data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0);
}
