import type { ByteSource } from '../shared/io/byteSource';

/**
 * A byte source that counts what is read through it: the fuzzer bounds the work of each engine call by the bytes
 * it reads (a count, the same on a loaded machine as on a quiet one), not by the time it takes.
 */
export class CountingSource implements ByteSource {
  /** Bytes returned by every read so far. */
  bytesRead = 0;

  constructor(private readonly inner: ByteSource) {}

  get name(): string {
    return this.inner.name;
  }

  get size(): number {
    return this.inner.size;
  }

  read(offset: number, length: number): Uint8Array {
    const out = this.inner.read(offset, length);
    this.bytesRead += out.length;
    return out;
  }

  readInto(offset: number, target: Uint8Array): number {
    const n = this.inner.readInto(offset, target);
    this.bytesRead += n;
    return n;
  }

  /** Closes the inner source when it has something to close (a file). */
  close(): void {
    (this.inner as { close?: () => void }).close?.();
  }
}
