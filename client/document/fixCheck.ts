import { EditSetError } from '../../shared/io/editCheck';
import type { EditSet } from '../../shared/io/patch';
import { type ApplyFixArgs, type FileStamp, sameFile } from '../../shared/protocol';
import { decodeEditSet } from '../../shared/wireEdits';

/** What a fix is checked against: the document as it is now. */
export interface FixTarget {
  uri: string;
  path: string;
  version: number;
  /** The version the document had when it opened. */
  openedVersion: number;
  dirty: boolean;
  readOnly: boolean;
  /** The document's size now (the fix's numbers are checked against it). */
  size: number;
  /** The file on disk now (undefined when it cannot be stat'ed). */
  disk?: FileStamp;
  /** Another program wrote the file since the document read it (the editor has not reloaded yet). */
  changedOnDisk: boolean;
}

export type FixVerdict = { ok: true; edits: EditSet } | { ok: false; level: 'info' | 'warning' | 'error'; message: string };

/**
 * Whether a fix planned by the server may be applied now. A fix is planned against one state of the document: a
 * version of its edits over the file as it was on disk (the fix names both). If either changed since, its bytes
 * may no longer fit (another program may have written guest data where it puts a cluster), so it is refused.
 * `openedForFix`: the editor was opened just now to apply it, so the fix was planned on the file as on disk, which
 * is what the document holds while it has no edits. Every offset and size it carries is checked before use.
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
  const planned = fix.state?.file;
  if (doc.changedOnDisk || (planned && (!doc.disk || !sameFile(planned, doc.disk)))) {
    return {
      ok: false,
      level: 'warning',
      message: `the fix "${fix.title}" was planned on ${doc.path} as it was on disk, and the file has changed since (another program wrote it). Nothing was applied: ask for the fix again once the editor shows the file as it is now.`,
    };
  }
  let edits: EditSet;
  try {
    edits = decodeEditSet(fix, doc.size, `the fix "${fix.title}"`, true);
  } catch (e) {
    if (e instanceof EditSetError) return { ok: false, level: 'error', message: e.message };
    throw e;
  }
  if (edits.patches.length === 0 && (edits.copies?.length ?? 0) === 0 && edits.size === undefined) {
    return { ok: false, level: 'info', message: `"${fix.title}" changes nothing.` };
  }
  return { ok: true, edits };
}
