/**
 * `map` printed straight from the BAT: the BAT is streamed through one small buffer, neighbouring clusters are
 * merged into runs as they go by (as `guestRuns` merges them), and each run is formatted into a large byte buffer
 * with its numbers written digit by digit. No string and no object per run: a 4M-entry scattered BAT is 1M runs,
 * and building, joining and collecting a string for each cost three quarters of the time before.
 */
import type { ByteSource } from '../io/byteSource';
import { streamBat } from '../format/batStream';
import type { Geometry } from '../format/geometry';

export type MapFormat = { kind: 'json' } | { kind: 'human'; file: string };

/** Bytes per buffer handed to the sink (a fresh buffer each time: the sink may keep it). */
const BUFFER_BYTES = 1 << 20;
/** Room for one formatted run (two JSON lines' worth, numbers included), so a run never straddles buffers. */
const RUN_ROOM = 512;

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

const JSON_START = ascii('{ "start": ');
const JSON_LENGTH = ascii(', "length": ');
const JSON_DATA = ascii(', "depth": 0, "present": true, "zero": false, "data": true, "compressed": false, "offset": ');
const JSON_ZERO = ascii(', "depth": 0, "present": false, "zero": true, "data": false, "compressed": false}');
const JSON_EMPTY = ascii('{ "start": 0, "length": 0, "depth": 0, "present": false, "zero": false, "data": false, "compressed": false}');
const HUMAN_HEADER = ascii(`${'Offset'.padEnd(16)}${'Length'.padEnd(16)}${'Mapped to'.padEnd(16)}File\n`);

/**
 * Writes the map of an image with a usable geometry to `sink`, byte for byte what `qemu-img map` prints (QEMU 10's
 * JSON; the human table's "%#-16x" columns).
 */
export function printMap(source: ByteSource, g: Geometry, format: MapFormat, sink: (bytes: Uint8Array) => void): void {
  const out = new ByteWriter(sink);
  const file = format.kind === 'human' ? new TextEncoder().encode(`${format.file}\n`) : undefined;
  let runs = 0;
  const emit = (start: number, length: number, host: number): void => {
    out.reserve(RUN_ROOM + (file?.length ?? 0));
    if (file) {
      if (runs++ === 0) out.bytes(HUMAN_HEADER);
      if (host >= 0) out.humanLine(start, length, host, file);
      return;
    }
    out.byte(runs++ === 0 ? 0x5b : 0x2c); // '[' before the first run, ',' and a newline between runs
    if (runs > 1) out.byte(0x0a);
    out.bytes(JSON_START);
    out.decimal(start);
    out.bytes(JSON_LENGTH);
    out.decimal(length);
    if (host < 0) out.bytes(JSON_ZERO);
    else {
      out.bytes(JSON_DATA);
      out.decimal(host);
      out.byte(0x7d);
    }
  };
  mergeRuns(source, g, emit);
  if (runs === 0) {
    // qemu-img describes an empty disk with one empty entry that is neither data nor zero.
    if (file) out.bytes(HUMAN_HEADER);
    else {
      out.byte(0x5b);
      out.bytes(JSON_EMPTY);
    }
  }
  if (!file) out.bytes(ascii(']\n'));
  out.flush();
}

/**
 * The guest disk as runs, as `guestRuns` gives them (unallocated neighbours merge, allocated ones when they are
 * host-contiguous), from the streamed BAT: `emit(start, length, host)` with host -1 for an unallocated run.
 */
export function mergeRuns(source: ByteSource, g: Geometry, emit: (start: number, length: number, host: number) => void): void {
  const cluster = g.clusterSize;
  const unit = g.unit;
  let runStart = 0;
  let runLength = 0;
  let runHost = -1;
  // Entries past the virtual disk map nothing.
  const mapped = Math.min(g.diskClusters, Math.max(0, Math.floor((source.size - g.batOffset) / 4)), g.batEntries);
  streamBat(source, g, (chunk, from) => {
    const end = Math.min(chunk.length, mapped - from);
    for (let k = 0; k < end; k++) {
      const e = chunk[k];
      const host = e === 0 ? -1 : e * unit;
      if (runLength > 0 && (host < 0 ? runHost < 0 : runHost >= 0 && runHost + runLength === host)) {
        runLength += cluster;
        continue;
      }
      if (runLength > 0) emit(runStart, runLength, runHost);
      runStart = (from + k) * cluster;
      runLength = cluster;
      runHost = host;
    }
    return from + chunk.length < mapped;
  });
  // The disk's last cluster may be partial; past the BAT the disk is unallocated, and merges with a hole.
  const mappedEnd = Math.min(mapped * cluster, g.diskBytes);
  if (runLength > 0) runLength = mappedEnd - runStart;
  if (mappedEnd < g.diskBytes) {
    if (runLength > 0 && runHost < 0) runLength = g.diskBytes - runStart;
    else {
      if (runLength > 0) emit(runStart, runLength, runHost);
      runStart = mappedEnd;
      runLength = g.diskBytes - mappedEnd;
      runHost = -1;
    }
  }
  if (runLength > 0) emit(runStart, runLength, runHost);
}

/** Bytes into large buffers, handed to a sink when full. */
class ByteWriter {
  private buf = new Uint8Array(BUFFER_BYTES);
  private pos = 0;

  constructor(private readonly sink: (bytes: Uint8Array) => void) {}

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.pos + n > this.buf.length) {
      this.flush();
      if (n > this.buf.length) this.buf = new Uint8Array(n);
    }
  }

  flush(): void {
    if (this.pos === 0) return;
    this.sink(this.buf.subarray(0, this.pos));
    this.buf = new Uint8Array(this.buf.length);
    this.pos = 0;
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A non-negative integer (below 2^53) in decimal. */
  decimal(v: number): void {
    const buf = this.buf;
    const first = this.pos;
    let p = first;
    // Integer division while the value fits 31 bits; doubles above.
    while (v > 0x7fffffff) {
      const q = Math.floor(v / 10);
      buf[p++] = 48 + (v - q * 10);
      v = q;
    }
    let n = v | 0;
    do {
      const q = (n / 10) | 0;
      buf[p++] = 48 + (n - q * 10);
      n = q;
    } while (n > 0);
    reverse(buf, first, p);
    this.pos = p;
  }

  /** printf's "%#-16" PRIx64: "0x" and lower-case hex ("0" for zero), padded with spaces to 16 columns. */
  hexColumn(v: number): void {
    const buf = this.buf;
    const first = this.pos;
    let p = first;
    if (v === 0) buf[p++] = 48;
    else {
      buf[p++] = 48;
      buf[p++] = 120;
      // The high and low 32 bits apart: shifts and masks instead of double division.
      const high = Math.floor(v / 0x100000000);
      const low = v >>> 0;
      if (high > 0) p = hexDigits(buf, p, high, 0);
      p = hexDigits(buf, p, low, high > 0 ? 8 : 0);
    }
    while (p < first + 16) buf[p++] = 32;
    this.pos = p;
  }

  humanLine(start: number, length: number, host: number, file: Uint8Array): void {
    this.hexColumn(start);
    this.hexColumn(length);
    this.hexColumn(host);
    this.bytes(file);
  }
}

const HEX = ascii('0123456789abcdef');

/** `v` (32 bits) in hex at `p`, zero-padded to `width` digits; returns the end. */
function hexDigits(buf: Uint8Array, p: number, v: number, width: number): number {
  let n = 8;
  while (n > width && n > 1 && v >>> ((n - 1) * 4) === 0) n--;
  for (let d = n - 1; d >= 0; d--) buf[p++] = HEX[(v >>> (d * 4)) & 15];
  return p;
}

function reverse(buf: Uint8Array, from: number, to: number): void {
  for (let i = from, j = to - 1; i < j; i++, j--) {
    const t = buf[i];
    buf[i] = buf[j];
    buf[j] = t;
  }
}
