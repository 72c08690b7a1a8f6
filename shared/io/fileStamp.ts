import { fstatSync } from 'node:fs';
import type { FileSource } from './fileSource';

/** What tells one state of a file from another: the same inode, size and ctime (any write changes the ctime). */
export interface FileStamp {
  dev: number;
  ino: number;
  size: number;
  ctimeMs: number;
}

/** The stamp of the file an open source reads. */
export function stampOf(src: FileSource): FileStamp {
  const fd = src.descriptor;
  if (fd === undefined) throw new Error(`${src.name}: closed, no stamp`);
  const st = fstatSync(fd);
  return { dev: st.dev, ino: st.ino, size: st.size, ctimeMs: st.ctimeMs };
}

export function sameStamp(a: FileStamp | undefined, b: FileStamp): boolean {
  return a !== undefined && a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.ctimeMs === b.ctimeMs;
}
