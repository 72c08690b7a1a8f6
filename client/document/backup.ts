import type { CopyRun, EditSet, Patch } from '../../shared/io/patch';

/**
 * Hot-exit backups: the unsaved edits of a document (never the image itself, which may be a terabyte), with what
 * the file looked like when they were made, so a restore over a file changed since can be refused or flagged.
 *
 * Layout: the magic line, a u32 LE length, that many bytes of JSON (BackupHeader), then per patch a u64 LE offset,
 * a u32 LE length and the bytes, then per copy three u64 LE: offset, length, from (a copy names file bytes, as
 * an edit set's copies do: a plan that moves gigabytes backs up in kilobytes). A backup with copies has magic 2,
 * so that a version that knows no copies refuses it rather than restoring the edits without them.
 */
const MAGIC = 'hdd-lens backup 1\n';
const MAGIC_COPIES = 'hdd-lens backup 2\n';

export interface FileStamp {
  size: number;
  mtimeMs: number;
}

export interface Backup {
  /** The file the edits apply to, as it was when they were made. */
  file: FileStamp;
  /** Labels of the edits, oldest first (shown when restoring). */
  labels: string[];
  edits: EditSet;
}

interface BackupHeader {
  file: FileStamp;
  labels: string[];
  size?: number;
  patches: number;
  copies?: number;
}

const COPY_BYTES = 24;

export function serializeBackup(b: Backup): Uint8Array {
  const copies = b.edits.copies ?? [];
  const header: BackupHeader = { file: b.file, labels: b.labels, patches: b.edits.patches.length };
  if (b.edits.size !== undefined) header.size = b.edits.size;
  if (copies.length > 0) header.copies = copies.length;
  const magic = copies.length > 0 ? MAGIC_COPIES : MAGIC;
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const total = Buffer.byteLength(magic) + 4 + json.length + b.edits.patches.reduce((n, p) => n + 12 + p.data.length, 0) + copies.length * COPY_BYTES;
  const out = Buffer.alloc(total);
  let at = out.write(magic, 0, 'utf8');
  at = out.writeUInt32LE(json.length, at);
  at += json.copy(out, at);
  for (const p of b.edits.patches) {
    at = out.writeBigUInt64LE(BigInt(p.offset), at);
    at = out.writeUInt32LE(p.data.length, at);
    out.set(p.data, at);
    at += p.data.length;
  }
  for (const c of copies) {
    at = out.writeBigUInt64LE(BigInt(c.offset), at);
    at = out.writeBigUInt64LE(BigInt(c.length), at);
    at = out.writeBigUInt64LE(BigInt(c.from), at);
  }
  return out;
}

export function parseBackup(bytes: Uint8Array): Backup {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magicLength = Buffer.byteLength(MAGIC);
  const magic = buf.length >= magicLength + 4 ? buf.toString('utf8', 0, magicLength) : '';
  if (magic !== MAGIC && magic !== MAGIC_COPIES) throw new Error('Not an hdd-lens backup');
  let at = magicLength;
  const jsonLength = buf.readUInt32LE(at);
  at += 4;
  const header = JSON.parse(buf.toString('utf8', at, at + jsonLength)) as BackupHeader;
  at += jsonLength;
  const patches: Patch[] = [];
  for (let i = 0; i < header.patches; i++) {
    if (at + 12 > buf.length) throw new Error('Truncated hdd-lens backup');
    const offset = Number(buf.readBigUInt64LE(at));
    const length = buf.readUInt32LE(at + 8);
    at += 12;
    if (at + length > buf.length) throw new Error('Truncated hdd-lens backup');
    patches.push({ offset, data: new Uint8Array(buf.subarray(at, at + length)) });
    at += length;
  }
  const copies: CopyRun[] = [];
  for (let i = 0; i < (header.copies ?? 0); i++) {
    if (at + COPY_BYTES > buf.length) throw new Error('Truncated hdd-lens backup');
    const [offset, length, from] = [0, 8, 16].map((k) => Number(buf.readBigUInt64LE(at + k)));
    copies.push({ offset, length, from });
    at += COPY_BYTES;
  }
  const edits: EditSet = { patches, copies };
  if (header.size !== undefined) edits.size = header.size;
  return { file: header.file, labels: header.labels, edits };
}
