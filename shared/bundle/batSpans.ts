/**
 * A BAT read as spans instead of one cluster at a time: the clusters from `c` on that are unmapped (entry 0, or
 * past the BAT's end), or mapped host-contiguously. Reading a guest disk through a chain asks for the span at each
 * cluster in turn, so the span found last is remembered: a walk over the whole disk reads every BAT entry once,
 * however many guest clusters the header claims (a header may claim 2^31 clusters with a ten-entry BAT).
 */
export interface BatSpan {
  /** First and end (exclusive) cluster of the span; `end` is `Infinity` past the BAT's last entry. */
  from: number;
  end: number;
  /** The BAT entry of cluster `from`, 0 when unmapped; cluster from + k holds entry + k x `step`. */
  entry: number;
}

/**
 * 16,384 zero entries (64 KiB): a memcmp through Buffer.equals skips an empty stretch of a 1 GiB BAT (a 1 TiB
 * disk of 4 KiB clusters) ten times faster than an entry loop (0.15 s, not 1.8 s).
 */
const ZERO_BLOCK = Buffer.alloc(64 * 1024);
const BLOCK_ENTRIES = ZERO_BLOCK.length / 4;

export class BatSpans {
  /** BAT entries looked at so far (the work of the walks: bounded by the BAT's length per walk). */
  entriesRead = 0;
  private last: BatSpan = { from: 0, end: 0, entry: 0 };

  /** `step`: the entry increase of one cluster (cluster size / BAT unit). */
  constructor(
    private readonly bat: Uint32Array,
    private readonly step: number,
  ) {}

  /** The span that holds cluster `c` (from <= c). */
  at(c: number): BatSpan {
    const l = this.last;
    if (c >= l.from && c < l.end) return l;
    this.last = this.find(c);
    return this.last;
  }

  private find(c: number): BatSpan {
    const bat = this.bat;
    if (c >= bat.length) return { from: c, end: Infinity, entry: 0 };
    const entry = bat[c];
    this.entriesRead++;
    let end = c + 1;
    if (entry === 0) end = this.zerosFrom(end);
    else while (end < bat.length && bat[end] === entry + (end - c) * this.step) end++;
    this.entriesRead += end - c - 1;
    return { from: c, end: end === bat.length && entry === 0 ? Infinity : end, entry };
  }

  /** The first mapped index from `i` on (or the BAT's length): whole blocks of zeros compared at once. */
  private zerosFrom(i: number): number {
    const bat = this.bat;
    while (i + BLOCK_ENTRIES <= bat.length && ZERO_BLOCK.equals(Buffer.from(bat.buffer, bat.byteOffset + i * 4, ZERO_BLOCK.length))) i += BLOCK_ENTRIES;
    while (i < bat.length && bat[i] === 0) i++;
    return i;
  }
}
