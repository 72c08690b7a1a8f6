import { closeSync, fstatSync, readSync } from 'node:fs';
import { type ByteSource, clampRange } from './byteSource';
import { forFile } from './fileErrors';
import { openRegularFile } from './openFile';

/**
 * Positional reads from a file on disk (pread); the size is taken once at open and on `refresh()`. Opened through
 * `openRegularFile` (a regular file only, never blocking; a link is followed: reads trust the name they are given),
 * or over a descriptor someone else owns (a writer reads through the descriptor it holds its lock on).
 */
export class FileSource implements ByteSource {
  private fd: number | undefined;
  private fileSize: number;
  private readonly owned: boolean;

  /** `descriptor`: read through it instead of opening `name`; closed by `close()` only when `owns` is true. */
  constructor(
    readonly name: string,
    descriptor?: number,
    owns = descriptor === undefined,
  ) {
    this.owned = owns;
    this.fd = descriptor ?? openRegularFile(name, 'read', { followLinks: true }).fd;
    this.fileSize = forFile(name, () => fstatSync(this.requireFd()).size);
  }

  get size(): number {
    return this.fileSize;
  }

  /** Re-reads the size after the file changed on disk. */
  refresh(): void {
    this.fileSize = forFile(this.name, () => fstatSync(this.requireFd()).size);
  }

  read(offset: number, length: number): Uint8Array {
    const [start, end] = clampRange(offset, length, this.fileSize);
    const out = new Uint8Array(end - start);
    this.fill(start, out);
    return out;
  }

  readInto(offset: number, target: Uint8Array): number {
    const [start, end] = clampRange(offset, target.length, this.fileSize);
    this.fill(start, target.subarray(0, end - start));
    return end - start;
  }

  /** The open descriptor (for reads off the main thread: convert's copy loop), undefined once closed. */
  get descriptor(): number | undefined {
    return this.fd;
  }

  /** Closes the descriptor if this source opened it (a borrowed one stays open for its owner). */
  close(): void {
    if (this.fd !== undefined && this.owned) closeSync(this.fd);
    this.fd = undefined;
  }

  private fill(position: number, target: Uint8Array): void {
    const fd = this.requireFd();
    let done = 0;
    // readSync may return short counts; a zero return means the file shrank under us: leave zeros.
    forFile(this.name, () => {
      while (done < target.length) {
        const n = readSync(fd, target, done, target.length - done, position + done);
        // A reused buffer must not keep an earlier read's bytes where the file has none now.
        if (n === 0) {
          target.fill(0, done);
          break;
        }
        done += n;
      }
    });
  }

  private requireFd(): number {
    if (this.fd === undefined) throw new Error(`${this.name}: file is closed`);
    return this.fd;
  }
}
