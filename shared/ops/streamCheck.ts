/**
 * `check` of a file with the BAT read and scanned at the same time: the reads run on libuv's thread pool while
 * this thread scans the chunks that have arrived (`BatScanner.feed`), so a 64 MiB BAT costs about its scan, not
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
import { DecodedImage } from '../format/image';
import { CheckReport, assembleReport, checkReport, fragmentedClusters } from './check';

/** Entries per read: 4 MiB of BAT, small enough that the first chunk arrives at once. */
const CHUNK_ENTRIES = 1 << 20;

const littleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export async function checkReportStreamed(path: string, options: { chunkEntries?: number } = {}): Promise<CheckReport> {
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
    let fragmented = 0;
    await readChunks(path, g.batOffset, bat, options.chunkEntries ?? CHUNK_ENTRIES, (from, to) => {
      scanner.feed(from, to);
      fragmented += fragmentedClusters(g, bat, from, to);
    });
    const image: DecodedImage = { source, header, blocker: undefined, geometry: g, bat };
    if (g.extOffset > 0 && g.extOffset < source.size) image.extension = decodeExtension(source, g);
    const context = new CheckContext(image, undefined, scanner.finish(metadataRanges(image)));
    return assembleReport(source, image, context, runRules(context), fragmented);
  } finally {
    source.close();
  }
}

/**
 * Reads `bat` from the file in chunks, all requested at once (the thread pool works through them), and hands each
 * chunk to `onChunk` in file order as soon as it and those before it have arrived.
 */
async function readChunks(path: string, offset: number, bat: Uint32Array, chunk: number, onChunk: (from: number, to: number) => void): Promise<void> {
  const file = await open(path, 'r');
  try {
    const bytes = new Uint8Array(bat.buffer, bat.byteOffset, bat.byteLength);
    const reads: Array<Promise<unknown>> = [];
    for (let from = 0; from < bat.length; from += chunk) {
      const to = Math.min(bat.length, from + chunk);
      reads.push(readFully(file, bytes.subarray(from * 4, to * 4), offset + from * 4));
    }
    for (let k = 0; k < reads.length; k++) {
      await reads[k];
      onChunk(k * chunk, Math.min(bat.length, (k + 1) * chunk));
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
