/**
 * Which way convert's writes go on this machine: straight to the disk (O_DIRECT) or through the page cache, flushed
 * behind. Neither wins everywhere. Measured with 3 GiB of output in interleaved rounds on the two machines the
 * benchmarks have run on:
 * - an Intel Xeon VM, whose fresh page-cache pages fault in its host: direct 2.8-3.2 s, buffered 4.2-6.7 s (perf:
 *   copying into the page cache, copy_folio_from_iter_atomic, was 45% of the buffered time);
 * - an AMD EPYC VM, whose virtual disk is slow at one write in flight (1 MiB in 2.5 ms): direct 8.7 s, buffered
 *   5.3 s, as the kernel's writeback keeps many writes in flight.
 * So the writer times both: the first `sample` bytes go direct, the next `sample` bytes buffered, and the faster way
 * writes the rest. Sampling costs at most one sample at the slower pace (0.1 s of the EPYC's 5.3 s). The output is
 * the same either way.
 *
 * The buffered sample times the copies into the page cache, not the flushes behind them, which run on another
 * thread meanwhile. Where the disk is slower than the copies, the buffered way is slower than its sample says, but
 * its flushes still keep many writes in flight, and a direct write one at a time is slower yet: on the EPYC the
 * samples took 0.27-0.34 s direct and 0.11-0.15 s buffered per 128 MiB, and the whole 3 GiB 8.7 s direct and
 * 5.7-6.2 s buffered. Timing a flush of the sample instead (0.26-0.45 s per 128 MiB, mostly a flush's fixed cost,
 * which the flushes behind share) chose direct there.
 */

export type WriteWay = 'direct' | 'buffered';

/** Bytes written one way and the nanoseconds their writes took. */
export interface Timed {
  bytes: number;
  ns: number;
}

export class WriteWayProbe {
  readonly direct: Timed = { bytes: 0, ns: 0 };
  readonly buffered: Timed = { bytes: 0, ns: 0 };
  private chosen: WriteWay | undefined;

  constructor(private readonly sample: number) {}

  /** The way the next write goes: the one being sampled, then the faster. */
  get next(): WriteWay {
    return this.chosen ?? (this.direct.bytes < this.sample ? 'direct' : 'buffered');
  }

  /** The faster way, once both samples are timed. */
  get choice(): WriteWay | undefined {
    return this.chosen;
  }

  /** Counts a write of `bytes` that took `ns`, made the way `next` said; chooses once both samples are complete. */
  wrote(way: WriteWay, bytes: number, ns: number): WriteWay | undefined {
    const to = this[way];
    to.bytes += bytes;
    to.ns += ns;
    if (this.chosen === undefined && this.buffered.bytes >= this.sample) this.chosen = fasterWay(this.direct, this.buffered);
    return this.chosen;
  }
}

/** The way with the higher rate (a tie goes direct: it leaves no gigabytes dirty for the final sync). */
export function fasterWay(direct: Timed, buffered: Timed): WriteWay {
  // direct.bytes / direct.ns >= buffered.bytes / buffered.ns, without dividing by a zero time.
  return direct.bytes * buffered.ns >= buffered.bytes * direct.ns ? 'direct' : 'buffered';
}
