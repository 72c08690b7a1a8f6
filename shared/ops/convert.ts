/**
 * `convert` to raw: the guest disk as a plain file, byte for byte what `qemu-img convert -f parallels -O raw`
 * writes. The output is sized with ftruncate (a sparse file) and only allocated runs are copied, in bounded chunks,
 * skipping all-zero blocks: a 1 TiB image with little data costs little time, memory and disk.
 */
import { writeSync } from 'node:fs';
import { ByteSource } from '../io/byteSource';
import { forFile } from '../io/fileErrors';
import { guestRuns } from '../format/guestMap';
import { decodeImage } from '../format/image';
import { requireReadable } from './blocker';
import { ConvertError, OutputOptions, withOutput } from './convertOutput';
import type { ProgressCallback } from './progress';

export { ConvertError };

/** Bytes read from the image at a time. */
const CHUNK = 4 * 1024 * 1024;
/** Zero detection granularity (qemu-img convert's default -S is 4 KiB too). */
const BLOCK = 4096;

export interface ConvertOptions extends OutputOptions {
  /** Bytes of allocated guest data copied so far, of all there are to copy; called after each chunk. */
  onProgress?: ProgressCallback;
}

export interface ConvertResult {
  /** Size of the raw output: the virtual disk size. */
  size: number;
  /** Bytes actually written (allocated, non-zero data). */
  written: number;
}

/**
 * Writes the guest disk of `source` to `outPath` as raw (through convertOutput.ts: a temporary file renamed into
 * place when complete). Throws `ImageError` for an unreadable image. Yields to the event loop between chunks, so
 * that SIGINT/SIGTERM are handled (the unfinished output removed) while it runs.
 */
export async function convertToRaw(source: ByteSource, imagePath: string, outPath: string, options: ConvertOptions = {}): Promise<ConvertResult> {
  const image = forFile(imagePath, () => decodeImage(source));
  requireReadable(image);
  const g = image.geometry;
  return withOutput(imagePath, outPath, options, async (out) => {
    let written = 0;
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
        written += forFile(out.partial, () => writeNonZero(out.fd, buf, length, run.start + done));
        copied += length;
        progress?.(copied, total);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return { size: g.diskBytes, written };
  });
}

/** Guest bytes the allocated entries hold (the last cluster may pass the disk's end): what convert copies. */
function allocatedBytes(clusterSize: number, diskBytes: number, bat: Uint32Array): number {
  let total = 0;
  for (let i = 0; i < bat.length; i++) if (bat[i] !== 0) total += Math.max(0, Math.min(clusterSize, diskBytes - i * clusterSize));
  return total;
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
