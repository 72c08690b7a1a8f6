import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ByteSource, clampRange } from './byteSource';

/** Positional reads from a file on disk (pread); the size is taken once at open and on `refresh()`. */
export class FileSource implements ByteSource {
  private fd: number | undefined;
  private fileSize: number;

  constructor(readonly name: string) {
    this.fd = openSync(name, 'r');
    this.fileSize = fstatSync(this.fd).size;
  }

  get size(): number {
    return this.fileSize;
  }

  /** Re-reads the size after the file changed on disk. */
  refresh(): void {
    this.fileSize = fstatSync(this.requireFd()).size;
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

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private fill(position: number, target: Uint8Array): void {
    const fd = this.requireFd();
    let done = 0;
    // readSync may return short counts; a zero return means the file shrank under us: leave zeros.
    while (done < target.length) {
      const n = readSync(fd, target, done, target.length - done, position + done);
      // A reused buffer must not keep an earlier read's bytes where the file has none now.
      if (n === 0) {
        target.fill(0, done);
        break;
      }
      done += n;
    }
  }

  private requireFd(): number {
    if (this.fd === undefined) throw new Error(`${this.name}: file is closed`);
    return this.fd;
  }
}
