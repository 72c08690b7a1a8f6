/**
 * The files of a bundle folder: which an `<Image>` names (resolved as readers resolve them), which are known
 * auxiliary files, and which are referenced by nothing (orphans, reported, never deleted). Notes §1, §9.1 R-file.
 */
import { type Dirent, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { JOURNAL_SUFFIX } from '../io/journal';

export const DESCRIPTOR_NAME = 'DiskDescriptor.xml';
/** Where a descriptor fix is written before it is renamed over the descriptor (ours: not ploop's `.tmp`). */
export const DESCRIPTOR_TEMP = `${DESCRIPTOR_NAME}.hdd-lens-tmp`;
export const DESCRIPTOR_BACKUP = `${DESCRIPTOR_NAME}.Backup`;
/** ploop writes the next descriptor here and renames it: present after a crash in the middle of an operation. */
export const PLOOP_TEMP = `${DESCRIPTOR_NAME}.tmp`;

export type FileKind = 'file' | 'missing' | 'not-a-file';

export interface ResolvedFile {
  /** The path the descriptor gives, resolved against the bundle folder. */
  given: string;
  /** The path that is read: `given`, or the fallback that exists. */
  path: string;
  kind: FileKind;
  /** An absolute path that does not exist, found instead as its base name in the bundle (a moved container). */
  relocated: boolean;
  /** The file read is not inside the bundle folder (links resolved): a copied bundle may name its original's files. */
  outside: boolean;
  size: number;
}

/** Resolves `<File>`: relative to the bundle folder; an absolute path that is gone falls back to its base name there. */
export function resolveImageFile(dir: string, file: string): ResolvedFile {
  const given = isAbsolute(file) ? file : resolve(dir, file);
  const direct = fileState(given);
  const outside = !isInside(dir, given);
  if (direct.kind !== 'missing' || !isAbsolute(file)) return { given, path: given, relocated: false, outside, ...direct };
  const fallback = join(dir, basename(file));
  const there = fileState(fallback);
  if (there.kind === 'missing') return { given, path: given, relocated: false, outside, ...direct };
  return { given, path: fallback, relocated: true, outside: !isInside(dir, fallback), ...there };
}

/** Whether `path` is inside the folder `dir`, both with their links resolved (a missing file: as written). */
export function isInside(dir: string, path: string): boolean {
  const real = (p: string): string => {
    try {
      return realpathSync.native(p);
    } catch {
      return resolve(p);
    }
  };
  const rel = relative(real(dir), real(path));
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/** Whether `path` is a regular file (opening a FIFO or a device named by a hostile descriptor would block or lie). */
export function fileState(path: string): { kind: FileKind; size: number } {
  try {
    const st = statSync(path);
    return st.isFile() ? { kind: 'file', size: st.size } : { kind: 'not-a-file', size: 0 };
  } catch {
    return { kind: 'missing', size: 0 };
  }
}

export interface FolderListing {
  /** Entries of the folder referenced by nothing and not known as auxiliary. */
  orphans: string[];
  /** Known auxiliary entries (ignored). */
  auxiliary: string[];
  /** ploop's `DiskDescriptor.xml.tmp`, when present. */
  ploopTemp: boolean;
}

/**
 * Sorts the folder's entries. `referenced` holds the resolved paths of every `<File>`. Auxiliary: the
 * descriptor's backup and lock, ploop's `.statfs`, `<image>.idx` and `<image>.mnt`, `templates/`, the 0-byte
 * `NAME.hdd` placeholder and `NAME.hdd.drh` of Parallels Desktop, and hdd-lens's own journals and temporary file.
 */
export function listFolder(dir: string, referenced: ReadonlySet<string>): FolderListing {
  const placeholder = basename(dir);
  const out: FolderListing = { orphans: [], auxiliary: [], ploopTemp: false };
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  const names = entries.map((e) => e.name).sort();
  for (const name of names) {
    if (name === DESCRIPTOR_NAME || referenced.has(resolve(dir, name))) continue;
    if (name === PLOOP_TEMP) out.ploopTemp = true;
    if (isAuxiliary(name, placeholder, referenced, dir)) out.auxiliary.push(name);
    else out.orphans.push(name);
  }
  return out;
}

function isAuxiliary(name: string, placeholder: string, referenced: ReadonlySet<string>, dir: string): boolean {
  const fixed = [DESCRIPTOR_BACKUP, `${DESCRIPTOR_NAME}.lck`, DESCRIPTOR_TEMP, PLOOP_TEMP, '.statfs', 'templates', placeholder, `${placeholder}.drh`];
  if (fixed.includes(name)) return true;
  for (const suffix of ['.idx', '.mnt', JOURNAL_SUFFIX]) {
    if (name.endsWith(suffix) && referenced.has(resolve(dir, name.slice(0, -suffix.length)))) return true;
  }
  return false;
}
