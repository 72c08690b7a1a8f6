/**
 * Random-access reads of an image. The engine never asks for the whole file: every decoder reads the ranges it
 * needs, so a 1 TiB image costs what its header, BAT and extension cost.
 */
export interface ByteSource {
  /** What to call the source in messages (usually the file path). */
  readonly name: string;
  /** Current size in bytes. */
  readonly size: number;
  /**
   * Reads `length` bytes at `offset`. A read that runs past the end returns the bytes that exist (possibly
   * none); it never throws for ranges outside the source.
   */
  read(offset: number, length: number): Uint8Array;
  /** Reads into `target` at `offset`; returns the number of bytes that existed. Bytes past the end are left as is. */
  readInto(offset: number, target: Uint8Array): number;
}

/** A source over bytes in memory: small fixtures, tests and the fuzzer. */
export class BufferSource implements ByteSource {
  constructor(
    private readonly bytes: Uint8Array,
    readonly name = '<buffer>',
  ) {}

  get size(): number {
    return this.bytes.length;
  }

  read(offset: number, length: number): Uint8Array {
    const [start, end] = clampRange(offset, length, this.bytes.length);
    return this.bytes.slice(start, end);
  }

  readInto(offset: number, target: Uint8Array): number {
    const [start, end] = clampRange(offset, target.length, this.bytes.length);
    target.set(this.bytes.subarray(start, end));
    return end - start;
  }
}

/** Clamps a requested range to [0, size); returns [start, end) with start <= end. */
export function clampRange(offset: number, length: number, size: number): [number, number] {
  const start = Math.min(Math.max(0, offset), size);
  const end = Math.min(size, Math.max(start, offset + Math.max(0, length)));
  return [start, end];
}
