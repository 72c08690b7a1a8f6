import type { EditSet } from '../../shared/io/patch';
import type { ApplyFixArgs, WireEdit } from '../../shared/protocol';

/** What a fix is checked against: the document as it is now. */
export interface FixTarget {
  uri: string;
  path: string;
  version: number;
  /** The version the document had when it opened. */
  openedVersion: number;
  dirty: boolean;
  readOnly: boolean;
}

export type FixVerdict = { ok: true; edits: EditSet } | { ok: false; level: 'info' | 'warning' | 'error'; message: string };

/**
 * Whether a fix planned by the server may be applied now. A fix is planned against one version of the document;
 * if the document changed since, its bytes may no longer fit, so it is refused. `openedForFix`: the editor was
 * opened just now to apply it, so the fix was planned on the file as on disk, which is what the document holds
 * while it has no edits.
 */
export function checkFix(fix: ApplyFixArgs, doc: FixTarget, openedForFix: boolean): FixVerdict {
  if (fix.uri !== doc.uri) return { ok: false, level: 'error', message: `the fix "${fix.title}" is for another file (${fix.uri}).` };
  if (doc.readOnly) return { ok: false, level: 'warning', message: `${doc.path} is open read-only; the fix "${fix.title}" was not applied.` };
  const untouched = openedForFix && doc.version === doc.openedVersion && !doc.dirty;
  if (fix.version !== doc.version && !untouched) {
    return {
      ok: false,
      level: 'warning',
      message: `the fix "${fix.title}" was planned for version ${fix.version} of the image, which has changed since (now version ${doc.version}). Nothing was applied: ask for the fix again.`,
    };
  }
  const patches = fromWire(fix.edits);
  if (patches.length === 0 && fix.size === undefined) return { ok: false, level: 'info', message: `"${fix.title}" changes nothing.` };
  return { ok: true, edits: fix.size === undefined ? { patches } : { patches, size: fix.size } };
}

/** Patches as the protocol carries them (base64 data). */
export function toWire(edits: EditSet): WireEdit[] {
  return edits.patches.map((p) => ({ offset: p.offset, data: Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength).toString('base64') }));
}

export function fromWire(edits: readonly WireEdit[]): EditSet['patches'] {
  return edits.map((e) => ({ offset: e.offset, data: new Uint8Array(Buffer.from(e.data, 'base64')) }));
}
