/**
 * The writes of convert's raw output, one at a time, through two descriptors of the same file: an O_DIRECT one for
 * the page-aligned middle of each write and a buffered one for the rest.
 *
 * Why direct: a buffered write copies the data into the page cache, and 3 GiB of output needs 3 GiB of page cache
 * the kernel must find first. On the benchmark's virtual machine, pages nobody used lately are handed back to the
 * host, and taking them again faulted in the host while the copy ran: 5x the kernel time of the same copy into
 * recycled pages (perf: copy_folio_from_iter_atomic). A direct write goes from our few reused buffers to the disk,
 * leaves no gigabytes dirty for the final fsync, and evicts nobody's cache.
 *
 * Why one at a time: writes to one file serialize on its inode lock anyway, and with several in flight the waiters
 * spun on it (perf: rwsem_spin_on_owner, 27% of the time on two cores) instead of leaving the core to the reads.
 *
 * Where the kernel refuses a direct write (EINVAL: a buffer below the device's memory alignment; EOPNOTSUPP,
 * ENOTSUP or ENOSYS: a file system that took O_DIRECT at open but cannot do it), that write and every later one go
 * through the buffered descriptor. A refused call writes nothing; if a short direct write came before the refusal,
 * the buffered write writes those bytes again, the same bytes. Other errors (ENOSPC, EIO, EDQUOT) fail the copy.
 *
 * Direct is not the faster way on every machine: given a sample size, the writer times a sample each way and
 * writes on the faster, looking again as it goes (writeWayProbe.ts).
 */
import { write } from 'node:fs';
import { DIRECT_ALIGN, alignUp } from './alignedBuffers';
import { type Timed, type WaySample, type WriteWay, WriteWayProbe } from './writeWayProbe';

/** A direct write refused by these is done buffered instead (see above). */
const NOT_DIRECT = new Set(['EINVAL', 'EOPNOTSUPP', 'ENOTSUP', 'ENOSYS']);

export interface WrittenBytes {
  direct: number;
  buffered: number;
}

export class RawWriter {
  /** Bytes written each way (the tests read them). */
  readonly bytes: WrittenBytes = { direct: 0, buffered: 0 };
  private queue: Promise<unknown> = Promise.resolve();
  private readonly probe: WriteWayProbe | undefined;

  /**
   * `fd`: the output, buffered. `directFd`: the same file opened with O_DIRECT, if it could be. `onBuffered`: told
   * the length of each buffered write and whether the ways are being sampled (convert's write-behind flushes count
   * them, and hold a sample back to the disk's pace: a promise it returns is waited for). `sample`: bytes of each
   * way's sample and of the window between two looks at their paces, if the writer is to choose the faster way;
   * without it every write that can go direct does.
   */
  constructor(
    private readonly fd: number,
    private directFd?: number,
    private readonly onBuffered?: (length: number, sampling: boolean) => Promise<void> | undefined,
    sample?: Readonly<WaySample>,
  ) {
    this.probe = directFd !== undefined && sample !== undefined ? new WriteWayProbe(sample) : undefined;
  }

  /** Whether the next write goes direct (false once a direct write was refused, or while buffered is the faster way). */
  get direct(): boolean {
    return this.directFd !== undefined && (this.probe?.next ?? 'direct') === 'direct';
  }

  /** Counts a flush behind of the buffered writes (convertOutput.ts): the buffered way's pace at the disk. */
  flushed(bytes: number, ns: number): void {
    this.probe?.flushed(bytes, ns);
  }

  /** The way writes go now, once both samples are timed (writeWayProbe.ts). */
  get chosen(): WriteWay | undefined {
    return this.probe?.choice;
  }

  /** Each way's bytes written so far and their time, samples and all (undefined without sampling). */
  get samples(): Readonly<Record<WriteWay, Readonly<Timed>>> | undefined {
    return this.probe;
  }

  /**
   * Writes `data[from, to)` at file offset `position`, after the writes queued before it. Its middle goes direct
   * where the file offsets and the memory (`data.byteOffset` from a page-aligned buffer) are both page-aligned.
   */
  write(data: Buffer, from: number, to: number, position: number): Promise<void> {
    const next = this.queue.then(() => this.writeNow(data, from, to, position));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async writeNow(data: Buffer, from: number, to: number, position: number): Promise<void> {
    const probe = this.probe;
    if (this.directFd === undefined || probe === undefined) return this.writeThrough(data, from, to, position);
    const way = probe.next;
    // A direct write is timed whole, its buffered head and tail too: the direct way's pace as it runs.
    const start = process.hrtime.bigint();
    if (way === 'direct') await this.writeThrough(data, from, to, position);
    else await this.buffered(data, from, to, position);
    probe.wrote(way, to - from, Number(process.hrtime.bigint() - start));
  }

  /** The write's page-aligned middle direct (if direct writes are on), the rest buffered. */
  private async writeThrough(data: Buffer, from: number, to: number, position: number): Promise<void> {
    const end = position + (to - from);
    const a = alignUp(position);
    const b = end - (end % DIRECT_ALIGN);
    const aligned = (data.byteOffset + from + (a - position)) % DIRECT_ALIGN === 0;
    if (this.directFd === undefined || a >= b || !aligned) return this.buffered(data, from, to, position);
    const mid = from + (a - position);
    await this.buffered(data, from, mid, position);
    if (await this.directly(this.directFd, data, mid, mid + (b - a), a)) await this.buffered(data, mid + (b - a), to, b);
    else await this.buffered(data, mid, to, a);
  }

  /** A direct write; false (nothing written, direct writes off from now on) if the kernel refused it. */
  private async directly(fd: number, data: Buffer, from: number, to: number, position: number): Promise<boolean> {
    try {
      await writeAll(fd, data, from, to, position);
    } catch (e) {
      if (!NOT_DIRECT.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
      this.directFd = undefined;
      return false;
    }
    this.bytes.direct += to - from;
    return true;
  }

  private async buffered(data: Buffer, from: number, to: number, position: number): Promise<void> {
    if (from >= to) return;
    await writeAll(this.fd, data, from, to, position);
    this.bytes.buffered += to - from;
    // Held to the disk's pace only while the ways are sampled (not once direct writes were refused in the sample).
    await this.onBuffered?.(to - from, this.directFd !== undefined && this.probe !== undefined && this.probe.choice === undefined);
  }
}

function writeAt(fd: number, data: Buffer, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => write(fd, data, offset, length, position, (e, n) => (e ? reject(e) : resolve(n))));
}

async function writeAll(fd: number, data: Buffer, from: number, to: number, position: number): Promise<void> {
  for (let done = from; done < to;) done += await writeAt(fd, data, done, to - done, position + done - from);
}
