/**
 * Which way convert's writes go on this machine: straight to the disk (O_DIRECT) or through the page cache, flushed
 * behind. Neither wins everywhere. Measured with 3 GiB of output in interleaved rounds on the two machines the
 * benchmarks have run on:
 * - an Intel Xeon VM, whose fresh page-cache pages fault in its host: direct 2.8-3.2 s, buffered 4.2-6.7 s (perf:
 *   copying into the page cache, copy_folio_from_iter_atomic, was 45% of the buffered time);
 * - an AMD EPYC VM, whose virtual disk is slow at one write in flight (1 MiB in 2.5 ms): direct 8.7 s, buffered
 *   5.3 s, as the kernel's writeback keeps many writes in flight.
 * So the writer times both: the first `sample.direct` bytes go direct, the next `sample.buffered` bytes buffered,
 * and the faster way writes on (revisited as it goes: below). The output is the same either way.
 *
 * The buffered sample spans three flushes behind (flushBehind.ts), and while it runs a write waits for the flush in
 * flight once it is an interval ahead of it: so the sample's time is the disk's as well as the copies', as the
 * whole conversion's is. On the EPYC it took 0.22-0.30 s per 128 MiB, where the whole 3 GiB took 0.22-0.28 s per
 * 128 MiB (after the sample the copies run ahead); the copies alone took 0.11-0.15 s, and a flush timed alone
 * 0.26-0.45 s (mostly a flush's fixed cost, which the flushes behind share). Without syncing (--no-sync) there
 * are no flushes and the copies are the buffered way's pace.
 * Sampling costs at most the samples at the slower pace.
 *
 * A sample is not the whole run: on the Xeon (2026-12-03) the buffered sample took 71-78 ms per 128 MiB against
 * direct's 86-100, and the buffered way was chosen; but the copies into the page cache then slowed to 250-480 ms
 * per 128 MiB (pages fresh from the host, as we take it), and the 3 GiB took 3.6-3.8 s where direct took 2.3-2.9 s.
 * So the choice is revisited: each way keeps the pace of its latest window (its sample, then every `window` bytes
 * written that way), and the other way takes over once the chosen one was behind it by more than `MARGIN` (the
 * other's rate more than twice its own) in `BEHIND_WINDOWS` windows in a row. The way not in use keeps the pace it
 * last had, which may be stale: the margin keeps two ways of about the same pace from trading places every window,
 * and the windows in a row keep one slow window from condemning a way (on the Xeon the first direct window after
 * buffered ones took 629 ms per 128 MiB, the disk still writing the page cache's backlog, and the next ones 100 ms;
 * going by that one window left the copies at 370-400 ms per 128 MiB for the rest of the run). A change of way
 * costs nothing (the writes are to disjoint ranges of one file); a wrong one costs a few windows at the slower pace.
 *
 * After the sample a buffered write is not held back, and its time is the copy into the page cache only: the
 * disk's part comes later, in the flushes behind and the final sync. So a buffered window's pace is the slower of
 * its copies' and the latest flush behind's (`flushed`: the bytes it made durable in the time it took; with the
 * copies ahead of the disk, each flush covers what was written during the one before, so it goes at the disk's
 * pace). Without syncing there are no flushes, and the copies are the pace.
 */

export type WriteWay = 'direct' | 'buffered';

/** Bytes of each way's sample, and of the window written the chosen way between two looks at the paces. */
export interface WaySample extends Record<WriteWay, number> {
  window: number;
}

/** Bytes written one way and the nanoseconds their writes took. */
export interface Timed {
  bytes: number;
  ns: number;
}

/**
 * How much faster (in rate) the other way's pace must be for the choice to change after the first: twice as fast.
 * The paces compared are not alike. The way not in use keeps a stale pace, often its sample's, taken with the disk
 * idle; and a direct window's pace leaves out what its final fsync costs: on the EPYC (2026-12-04) 1.6 s for 3 GiB
 * written direct (the virtual disk flushing its own cache), where buffered writes flushed behind left 0.2 s. There
 * buffered windows, held back by the flushes, took 254-418 ms per 128 MiB against a direct sample of 289-340; a
 * margin of 10% went direct after two windows, and the conversion took 9.3-11.1 s where buffered all the way took
 * 5.5-6.9 s in the same rounds (qemu-img 10 -t writeback: 7.7-9.6 s). On the Xeon, where direct is the faster
 * way, copies into fresh pages took 250-480 ms per 128 MiB against direct's 86-100: 2.5x or more, still beyond this
 * margin.
 */
export const MARGIN = 1;
/** Windows in a row the chosen way must be behind by the margin before the other takes over. */
export const BEHIND_WINDOWS = 2;

export class WriteWayProbe {
  /** All the bytes written each way and the time their writes took. */
  readonly direct: Timed = { bytes: 0, ns: 0 };
  readonly buffered: Timed = { bytes: 0, ns: 0 };
  /** Each way's latest pace: its sample, then its latest whole window. */
  private readonly pace: Record<WriteWay, Timed> = { direct: { bytes: 0, ns: 0 }, buffered: { bytes: 0, ns: 0 } };
  /** The window being written the chosen way. */
  private window: Timed = { bytes: 0, ns: 0 };
  /** The latest flush behind of buffered writes: the bytes it made durable and its time. */
  private lastFlush: Timed | undefined;
  private chosen: WriteWay | undefined;
  /** Windows in a row the chosen way was behind the other by the margin. */
  private behind = 0;
  /** Times the choice changed after the first (the tests read it). */
  changes = 0;

  constructor(private readonly sample: Readonly<WaySample>) {}

  /** The way the next write goes: the one being sampled, then the faster. */
  get next(): WriteWay {
    return this.chosen ?? (this.direct.bytes < this.sample.direct ? 'direct' : 'buffered');
  }

  /** The faster way so far, once both samples are timed, and again after each window. */
  get choice(): WriteWay | undefined {
    return this.chosen;
  }

  /** Counts a write of `bytes` that took `ns`, made the way `next` said; chooses once both samples are complete. */
  wrote(way: WriteWay, bytes: number, ns: number): WriteWay | undefined {
    add(this[way], bytes, ns);
    if (this.chosen === undefined) {
      add(this.pace[way], bytes, ns);
      if (this.buffered.bytes >= this.sample.buffered) this.chosen = fasterWay(this.pace.direct, this.pace.buffered);
      return this.chosen;
    }
    add(this.window, bytes, ns);
    if (this.window.bytes >= this.sample.window) {
      this.pace[way] = way === 'buffered' && this.lastFlush && fasterBy(this.window, this.lastFlush, 0) ? this.lastFlush : this.window;
      this.window = { bytes: 0, ns: 0 };
      const other = way === 'direct' ? 'buffered' : 'direct';
      this.behind = fasterBy(this.pace[other], this.pace[way], MARGIN) ? this.behind + 1 : 0;
      if (this.behind >= BEHIND_WINDOWS) {
        this.chosen = other;
        this.changes++;
        this.behind = 0;
      }
    }
    return this.chosen;
  }

  /** Counts a flush behind of buffered writes: `bytes` made durable in `ns`. */
  flushed(bytes: number, ns: number): void {
    if (bytes > 0) this.lastFlush = { bytes, ns };
  }
}

/** Whether `a`'s rate is above `b`'s by more than `margin` (a fraction of `b`'s): a.bytes/a.ns > (1+m) b.bytes/b.ns. */
function fasterBy(a: Timed, b: Timed, margin: number): boolean {
  return a.bytes * b.ns > (1 + margin) * b.bytes * a.ns;
}

function add(to: Timed, bytes: number, ns: number): void {
  to.bytes += bytes;
  to.ns += ns;
}

/** The way with the higher rate (a tie goes direct: it leaves no gigabytes dirty for the final sync). */
export function fasterWay(direct: Timed, buffered: Timed): WriteWay {
  // direct.bytes / direct.ns >= buffered.bytes / buffered.ns, without dividing by a zero time.
  return direct.bytes * buffered.ns >= buffered.bytes * direct.ns ? 'direct' : 'buffered';
}
