/**
 * `convert` to raw: the guest disk as a plain file, byte for byte what `qemu-img convert -f parallels -O raw`
 * writes. The output is sized with ftruncate (a sparse file) and only allocated runs are copied (copyRuns.ts: large
 * chunks, several in flight), skipping all-zero blocks: a 1 TiB image with little data costs little time, memory
 * and disk.
 */
import { closeSync, existsSync, ftruncateSync, openSync, realpathSync, statSync } from 'node:fs';
import { ByteSource } from '../io/byteSource';
import { forFile, withPath } from '../io/fileErrors';
import { MapRun, guestRuns } from '../format/guestMap';
import { decodeImage } from '../format/image';
import { requireReadable } from './blocker';
import { CopyRun, copyRuns } from './copyRuns';

export interface ConvertOptions {
  overwrite?: boolean;
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
export async function convertToRaw(source: ByteSource, imagePath: string, outPath: string, options: ConvertOptions = {}): Promise<ConvertResult> {
  refuseOutput(imagePath, outPath, options);
  const image = forFile(imagePath, () => decodeImage(source));
  requireReadable(image);
  const g = image.geometry;
  // 'wx' fails if the file appeared since the check above; 'w' truncates an existing file the user let us replace.
  const fd = openSync(outPath, options.overwrite ? 'w' : 'wx');
  // The copy reads the image through a descriptor of its own (reads in flight run on libuv's threads).
  const inFd = openSync(imagePath, 'r');
  try {
    forFile(outPath, () => ftruncateSync(fd, g.diskBytes));
    const written = await copyRuns(inFd, source.size, fd, allocatedRuns(guestRuns(g, image.bat))).catch((e: unknown) => {
      throw withPath(e, (e as NodeJS.ErrnoException).syscall === 'write' ? outPath : imagePath);
    });
    return { size: g.diskBytes, written };
  } finally {
    closeSync(inFd);
    closeSync(fd);
  }
}

/** The runs that hold data, as the copy loop takes them. */
function* allocatedRuns(runs: Iterable<MapRun>): Generator<CopyRun> {
  for (const r of runs) if (r.hostOffset !== undefined) yield { guest: r.start, host: r.hostOffset, length: r.length };
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
