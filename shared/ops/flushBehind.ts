/**
 * Write-behind for a long sequential output: once every `every` bytes written, an fdatasync on libuv's threads
 * (one at a time), so the disk writes the data while the copy goes on. Without it, `convert` left gigabytes dirty
 * in the page cache and its final fsync (which the rename into place must wait for) then waited for all of them:
 * 7 of 23 s for 3 GiB on the benchmark machine. qemu-img does not sync at all; we keep the sync and overlap it.
 */
import { fdatasync } from 'node:fs';

export class FlushBehind {
  private since = 0;
  private pending: Promise<void> | undefined;
  private failure: unknown;
  /** Flushes started so far (the tests count them). */
  started = 0;
  /** Bytes counted so far, and when the flush in flight began, the count then. */
  private total = 0;
  private coveredBefore = 0;

  /**
   * `onFlushed`: told, after each flush, the bytes it made durable (those counted since the flush before it began)
   * and the nanoseconds it took: the disk's pace for buffered writes, once they run ahead of it.
   */
  constructor(
    private readonly fd: number,
    private readonly every: number,
    private readonly onFlushed?: (bytes: number, ns: number) => void,
  ) {}

  /**
   * Counts `length` bytes written; starts a flush when enough have been since the last one. With `hold`, returns
   * the flush in flight when another `every` bytes were written since it began, for the writer to wait for: a
   * writer faster than the disk then goes at the disk's pace, which the write way's sample measures so
   * (writeWayProbe.ts). Without it the writer runs ahead as far as the kernel lets it: holding every write back so
   * took 8.2 s for 3 GiB on the EPYC, against 6.6 s in the same rounds. Throws a flush's error.
   */
  wrote(length: number, hold = false): Promise<void> | undefined {
    if (this.failure !== undefined) throw this.failure;
    this.since += length;
    this.total += length;
    if (this.since < this.every) return undefined;
    if (this.pending) return hold ? this.pending : undefined;
    this.since = 0;
    this.started++;
    const covers = this.total - this.coveredBefore;
    this.coveredBefore = this.total;
    const start = process.hrtime.bigint();
    this.pending = new Promise<void>((resolve) =>
      fdatasync(this.fd, (e) => {
        if (e) this.failure ??= e;
        else this.onFlushed?.(covers, Number(process.hrtime.bigint() - start));
        this.pending = undefined;
        resolve();
      }),
    );
    return undefined;
  }

  /** Waits for the flush in flight (the descriptor must not be closed under it); rejects with a flush's error. */
  async settle(): Promise<void> {
    await this.pending;
    if (this.failure !== undefined) throw this.failure;
  }
}
