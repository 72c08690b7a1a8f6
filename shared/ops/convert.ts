/**
 * `convert` to raw: the guest disk as a plain file, byte for byte what `qemu-img convert -f parallels -O raw`
 * writes. Only allocated runs are copied (copyRuns.ts: large chunks, several in flight), skipping all-zero blocks,
 * into a temporary file renamed into place when complete (convertOutput.ts): a 1 TiB image with little data costs
 * little time, memory and disk, and an interrupted convert leaves no output that looks finished.
 */
import type { ByteSource } from '../io/byteSource';
import { forFile, withPath } from '../io/fileErrors';
import { FileSource } from '../io/fileSource';
import { type MapRun, guestRuns } from '../format/guestMap';
import { decodeImage } from '../format/image';
import { requireReadable } from './blocker';
import { ConvertError, type OutputOptions, withOutput } from './convertOutput';
import { type ChunkReader, type CopyRun, copyRuns, fdReader } from './copyRuns';
import type { ProgressCallback } from '../io/progress';

export { ConvertError };

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
 * Writes the guest disk of `source` to `outPath` as raw. Throws `ImageError` for an unreadable image. The copy is
 * asynchronous throughout, so SIGINT/SIGTERM are handled (the unfinished output removed) while it runs.
 */
export async function convertToRaw(source: ByteSource, imagePath: string, outPath: string, options: ConvertOptions = {}): Promise<ConvertResult> {
  const image = forFile(imagePath, () => decodeImage(source));
  requireReadable(image);
  const g = image.geometry;
  return withOutput(imagePath, outPath, options, async (out) => {
    const runs = [...allocatedRuns(guestRuns(g, image.bat))];
    const progress = options.onProgress;
    const total = runs.reduce((n, r) => n + r.length, 0);
    let copied = 0;
    progress?.(0, total);
    const onChunk = (length: number): void => progress?.((copied += length), total);
    const written = await copyRuns(readerOf(source), out.writer, runs, { onChunk }).catch((e: unknown) => {
      // A read failed on the image; a write or a flush behind on the output.
      throw withPath(e, (e as NodeJS.ErrnoException).syscall === 'read' ? imagePath : out.partial);
    });
    return { size: g.diskBytes, written };
  });
}

/**
 * The file's own descriptor, read on libuv's threads, when the source is the file as it is; otherwise (a pending
 * journal's rolled-back view) the source itself, one chunk at a time.
 */
function readerOf(source: ByteSource): ChunkReader {
  const fd = source instanceof FileSource ? source.descriptor : undefined;
  if (fd !== undefined) return fdReader(fd, source.size);
  return (buf, length, position) => Promise.resolve(source.readInto(position, buf.subarray(0, length)));
}

/** The runs that hold data, as the copy loop takes them. */
function* allocatedRuns(runs: Iterable<MapRun>): Generator<CopyRun> {
  for (const r of runs) if (r.hostOffset !== undefined) yield { guest: r.start, host: r.hostOffset, length: r.length };
}
