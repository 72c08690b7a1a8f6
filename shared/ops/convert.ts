/**
 * `convert` to raw: the guest disk as a plain file, byte for byte what `qemu-img convert -f parallels -O raw`
 * writes. The output is sized with ftruncate (a sparse file) and only allocated runs are copied, in bounded chunks,
 * skipping all-zero blocks: a 1 TiB image with little data costs little time, memory and disk.
 */
import { closeSync, existsSync, ftruncateSync, openSync, realpathSync, statSync, writeSync } from 'node:fs';
import { ByteSource } from '../io/byteSource';
import { forFile } from '../io/fileErrors';
import { guestRuns } from '../format/guestMap';
import { decodeImage } from '../format/image';
import { requireReadable } from './blocker';
import type { ProgressCallback } from './progress';

/** Bytes read from the image at a time. */
const CHUNK = 4 * 1024 * 1024;
/** Zero detection granularity (qemu-img convert's default -S is 4 KiB too). */
const BLOCK = 4096;

export interface ConvertOptions {
  overwrite?: boolean;
  /** Bytes of allocated guest data copied so far, of all there are to copy; called after each chunk. */
  onProgress?: ProgressCallback;
}

export interface ConvertResult {
  /** Size of the raw output: the virtual disk size. */
  size: number;
  /** Bytes actually written (allocated, non-zero data). */
  written: number;
}

/** A conversion refused before anything was written (existing output, output = input). */
export class ConvertError extends Error {}

/** Writes the guest disk of `source` to `outPath` as raw. Throws `ImageError` for an unreadable image. */
export function convertToRaw(source: ByteSource, imagePath: string, outPath: string, options: ConvertOptions = {}): ConvertResult {
  refuseOutput(imagePath, outPath, options);
  const image = forFile(imagePath, () => decodeImage(source));
  requireReadable(image);
  const g = image.geometry;
  // 'wx' fails if the file appeared since the check above; 'w' truncates an existing file the user let us replace.
  const fd = openSync(outPath, options.overwrite ? 'w' : 'wx');
  let written = 0;
  try {
    forFile(outPath, () => ftruncateSync(fd, g.diskBytes));
    const buf = Buffer.alloc(CHUNK);
    const progress = options.onProgress;
    const total = progress ? allocatedBytes(g.clusterSize, g.diskBytes, image.bat) : 0;
    let copied = 0;
    progress?.(0, total);
    for (const run of guestRuns(g, image.bat)) {
      const host = run.hostOffset;
      if (host === undefined) continue;
      for (let done = 0; done < run.length; done += buf.length) {
        const length = Math.min(buf.length, run.length - done);
        // A cluster past the end of the file reads as zeros (as QEMU reads it).
        const got = forFile(imagePath, () => source.readInto(host + done, buf.subarray(0, length)));
        if (got < length) buf.fill(0, got, length);
        written += forFile(outPath, () => writeNonZero(fd, buf, length, run.start + done));
        copied += length;
        progress?.(copied, total);
      }
    }
  } finally {
    closeSync(fd);
  }
  return { size: g.diskBytes, written };
}

/** Guest bytes the allocated entries hold (the last cluster may pass the disk's end): what convert copies. */
function allocatedBytes(clusterSize: number, diskBytes: number, bat: Uint32Array): number {
  let total = 0;
  for (let i = 0; i < bat.length; i++) if (bat[i] !== 0) total += Math.max(0, Math.min(clusterSize, diskBytes - i * clusterSize));
  return total;
}

function refuseOutput(imagePath: string, outPath: string, options: ConvertOptions): void {
  if (!existsSync(outPath)) return;
  if (sameFile(imagePath, outPath)) throw new ConvertError(`${outPath}: is the input image itself; refusing to overwrite it`);
  if (!options.overwrite) throw new ConvertError(`${outPath}: already exists (use --overwrite to replace it)`);
  if (statSync(outPath).isDirectory()) throw new ConvertError(`${outPath}: is a directory`);
}

function sameFile(a: string, b: string): boolean {
  const sa = statSync(a);
  const sb = statSync(b);
  return (sa.dev === sb.dev && sa.ino === sb.ino) || realpathSync(a) === realpathSync(b);
}

/** Writes the non-zero 4 KiB blocks of `data[0, length)` at `position`, coalescing neighbours; returns bytes written. */
function writeNonZero(fd: number, data: Buffer, length: number, position: number): number {
  let written = 0;
  let runStart = -1;
  for (let at = 0; at < length; at += BLOCK) {
    const end = Math.min(length, at + BLOCK);
    // memcmp against zeros, without a view per block.
    if (data.compare(ZERO_BLOCK, 0, end - at, at, end) !== 0) {
      if (runStart < 0) runStart = at;
    } else if (runStart >= 0) {
      written += writeAll(fd, data.subarray(runStart, at), position + runStart);
      runStart = -1;
    }
  }
  if (runStart >= 0) written += writeAll(fd, data.subarray(runStart, length), position + runStart);
  return written;
}

const ZERO_BLOCK = Buffer.alloc(BLOCK);

function writeAll(fd: number, data: Uint8Array, position: number): number {
  for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done, position + done);
  return data.length;
}
