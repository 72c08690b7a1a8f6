/**
 * The copy loop of `convert`: guest runs copied from the image to the raw output with several reads in flight on
 * libuv's thread pool, in large aligned chunks, all-zero blocks left as holes, written in turn (rawWriter.ts). One
 * read and one write at a time on the main thread spent 96% of the time waiting on those calls; with several reads
 * in flight the reads' copies out of the page cache run beside the writes, on both cores, as qemu-img's do.
 */
import { read as readCallback } from 'node:fs';
import { DIRECT_ALIGN, alignedBuffers } from './alignedBuffers';
import type { RawWriter } from './rawWriter';

/** A guest range stored at `host` in the image. */
export interface CopyRun {
  guest: number;
  host: number;
  length: number;
}

export interface CopyOptions {
  /** Bytes per read (chunks are aligned to it in guest space). */
  chunk?: number;
  /** Reads (each followed by its writes) in flight at once. */
  inFlight?: number;
  /** Called with the length of each chunk once it is written (progress). */
  onChunk?: (length: number) => void;
}

/**
 * Where the image's bytes come from: reads `length` bytes at `position` into `buf` and resolves with how many
 * exist (fewer at the end of the image). `fdReader` reads a descriptor on libuv's threads; a pending journal's
 * rolled-back view is read through its ByteSource instead (`sourceReader`).
 */
export type ChunkReader = (buf: Buffer, length: number, position: number) => Promise<number>;

export function fdReader(fd: number, size: number): ChunkReader {
  return (buf, length, position) => readFully(fd, buf, length, position, size);
}

/** 1 MiB per read, 8 in flight: qemu-img convert's defaults (its buffers and its -m). */
const CHUNK = 1 << 20;
const IN_FLIGHT = 8;
/** Zero detection granularity (qemu-img convert's default -S is 4 KiB too). */
const BLOCK = 4096;
const ZERO_BLOCK = Buffer.alloc(BLOCK);

/**
 * Copies the runs from the image (`read`; past its end it reads as zeros) through `out` at their guest offsets,
 * writing only non-zero 4 KiB blocks (the output must read as zeros elsewhere: a fresh sparse file). Returns the
 * bytes written. A failure rejects once every read and write in flight has ended.
 */
export async function copyRuns(read: ChunkReader, out: RawWriter, runs: Iterable<CopyRun>, options: CopyOptions = {}): Promise<number> {
  const chunk = options.chunk ?? CHUNK;
  const inFlight = options.inFlight ?? IN_FLIGHT;
  const tasks = chunks(runs, chunk);
  // A page more than a chunk: each chunk is read at its guest offset's place within a page, so that its bytes at
  // page-aligned offsets of the output are at page-aligned addresses (a direct write needs both).
  const buffers = alignedBuffers(inFlight, chunk + DIRECT_ALIGN) ?? [];
  let written = 0;
  let failed: unknown;
  const worker = async (k: number): Promise<void> => {
    const buf = buffers[k] ?? Buffer.allocUnsafe(chunk + DIRECT_ALIGN);
    for (let t = tasks.next(); !t.done && failed === undefined; t = tasks.next()) {
      const { guest, host, length } = t.value;
      const view = buf.subarray(guest % DIRECT_ALIGN, (guest % DIRECT_ALIGN) + length);
      try {
        const got = await read(view, length, host);
        if (got < length) view.fill(0, got, length);
        // Not `written += await ...`: that reads `written` before the wait, losing the other workers' counts.
        const n = await writeNonZero(out, view, length, guest);
        written += n;
        options.onChunk?.(length);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, (_, k) => worker(k)));
  if (failed !== undefined) throw failed;
  return written;
}

/** The runs cut into pieces of at most `chunk` bytes, cut at multiples of `chunk` in guest space. */
function* chunks(runs: Iterable<CopyRun>, chunk: number): Generator<CopyRun> {
  for (const r of runs) {
    for (let done = 0; done < r.length;) {
      const guest = r.guest + done;
      const length = Math.min(r.length - done, chunk - (guest % chunk));
      yield { guest, host: r.host + done, length };
      done += length;
    }
  }
}

function readAt(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => readCallback(fd, buf, offset, length, position, (e, n) => (e ? reject(e) : resolve(n))));
}

/** Reads `length` bytes at `position`, fewer where the file ends (at `size`, or sooner if it shrank). */
async function readFully(fd: number, buf: Buffer, length: number, position: number, size: number): Promise<number> {
  const want = Math.max(0, Math.min(length, size - position));
  let done = 0;
  while (done < want) {
    const n = await readAt(fd, buf, done, want - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Writes the non-zero 4 KiB blocks of `data[0, length)` at `position`, coalescing neighbours; returns bytes written. */
async function writeNonZero(out: RawWriter, data: Buffer, length: number, position: number): Promise<number> {
  let written = 0;
  let runStart = -1;
  for (let at = 0; at < length; at += BLOCK) {
    const end = Math.min(length, at + BLOCK);
    // memcmp against zeros, without a view per block.
    const zero = data.compare(ZERO_BLOCK, 0, end - at, at, end) === 0;
    if (!zero && runStart < 0) runStart = at;
    else if (zero && runStart >= 0) {
      written += await writeRange(out, data, runStart, at, position + runStart);
      runStart = -1;
    }
  }
  if (runStart >= 0) written += await writeRange(out, data, runStart, length, position + runStart);
  return written;
}

async function writeRange(out: RawWriter, data: Buffer, from: number, to: number, position: number): Promise<number> {
  await out.write(data, from, to, position);
  return to - from;
}
