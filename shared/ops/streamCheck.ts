/**
 * `check` of a file with the BAT read and scanned at the same time: the next chunk is read on libuv's thread pool
 * while this thread scans the one that has arrived (`BatScanner.feed`), so a 64 MiB BAT costs about its scan, not
 * its read plus its scan. The result is exactly `checkReport`'s (same decoders, same scanner, same rules).
 */
import { open } from 'node:fs/promises';
import { FileSource } from '../io/fileSource';
import { BatScanner } from '../check/batScan';
import { CheckContext } from '../check/context';
import { metadataRanges } from '../check/metadata';
import { runRules } from '../check/run';
import { decodeExtension } from '../format/extension';
import { deriveGeometry, geometryBlocker } from '../format/geometry';
import { decodeHeader } from '../format/header';
import { DecodedImage, withBat } from '../format/image';
import { CheckReport, assembleReport, checkReport } from './check';
import type { ProgressCallback } from './progress';

/** Entries per read: 4 MiB of BAT, small enough that the first chunk arrives at once. */
const CHUNK_ENTRIES = 1 << 20;

const littleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export async function checkReportStreamed(path: string, options: { chunkEntries?: number; onProgress?: ProgressCallback } = {}): Promise<CheckReport> {
  const source = new FileSource(path);
  try {
    const header = decodeHeader(source);
    // Nothing to stream without a usable header; big-endian hosts need the byte swap of readBat.
    if (geometryBlocker(header) !== undefined || !littleEndianHost) return checkReport(source);
    const g = deriveGeometry(header, source.size);
    // As readBat: the entries the file holds, never more than the header claims.
    const count = Math.min(g.batEntries, Math.max(0, Math.floor((source.size - g.batOffset) / 4)));
    const bat = new Uint32Array(count);
    const scanner = new BatScanner(g, bat);
    await readChunks(path, g.batOffset, bat, options.chunkEntries ?? CHUNK_ENTRIES, (from, to) => {
      scanner.feed(from, to);
      options.onProgress?.(to, bat.length);
    });
    const read: DecodedImage = { source, header, blocker: undefined, geometry: g };
    if (g.extOffset > 0 && g.extOffset < source.size) read.extension = decodeExtension(source, g);
    const image = withBat(read, bat);
    // The entries put the data area elsewhere than data_off (a damaged image): scan again against it.
    const rescan = image.geometry !== g ? new BatScanner(image.geometry as typeof g, bat) : scanner;
    if (rescan !== scanner) rescan.feed(0, bat.length);
    const context = new CheckContext(image, undefined, rescan.finish(metadataRanges(image)));
    return assembleReport(source, image, context, runRules(context), rescan.fragmented);
  } finally {
    source.close();
  }
}

/**
 * Reads `bat` from the file in chunks and hands each chunk to `onChunk` in file order. One read runs ahead of the
 * scan: on a 2-core machine, more reads in parallel only take CPU from the scanner.
 */
async function readChunks(path: string, offset: number, bat: Uint32Array, chunk: number, onChunk: (from: number, to: number) => void): Promise<void> {
  const file = await open(path, 'r');
  try {
    const bytes = new Uint8Array(bat.buffer, bat.byteOffset, bat.byteLength);
    const read = (from: number): Promise<void> => readFully(file, bytes.subarray(from * 4, Math.min(bat.length, from + chunk) * 4), offset + from * 4);
    let pending = bat.length > 0 ? read(0) : undefined;
    for (let from = 0; pending; from += chunk) {
      await pending;
      const next = from + chunk;
      pending = next < bat.length ? read(next) : undefined;
      onChunk(from, Math.min(bat.length, next));
    }
  } finally {
    await file.close();
  }
}

async function readFully(file: Awaited<ReturnType<typeof open>>, target: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < target.length) {
    const { bytesRead } = await file.read(target, done, target.length - done, position + done);
    // The file shrank under us: the rest reads as zeros (unallocated), as FileSource reads it.
    if (bytesRead === 0) break;
    done += bytesRead;
  }
}
