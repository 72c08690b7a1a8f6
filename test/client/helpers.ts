import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BufferSource } from '../../shared/io/byteSource';
import type { EditSet, Patch } from '../../shared/io/patch';

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
export function randomBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * The reference semantics of an edit set on plain bytes: copies read the old bytes (zeros past the end), then
 * they and the patches are written in order (growing with zeros), then the size.
 */
export function applyToBytes(bytes: Uint8Array, edits: EditSet): Uint8Array {
  let out: Uint8Array = bytes.slice();
  const copied = (edits.copies ?? []).map((c) => {
    const data = new Uint8Array(c.length);
    data.set(bytes.subarray(Math.min(c.from, bytes.length), Math.min(c.from + c.length, bytes.length)));
    return { offset: c.offset, data };
  });
  for (const p of [...copied, ...edits.patches]) out = writeAt(out, p);
  if (edits.size !== undefined) out = resized(out, edits.size);
  return out;
}

function writeAt(bytes: Uint8Array, p: Patch): Uint8Array {
  const out = resized(bytes, Math.max(bytes.length, p.offset + p.data.length));
  out.set(p.data, p.offset);
  return out;
}

function resized(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(bytes.subarray(0, Math.min(size, bytes.length)));
  return out;
}

export function patch(offset: number, ...bytes: number[]): Patch {
  return { offset, data: Uint8Array.from(bytes) };
}

export function bufferBase(bytes: Uint8Array): () => BufferSource {
  return () => new BufferSource(bytes);
}

/** A temp folder removed after the test. */
export function tempDir(): { dir: string; file: (name: string, bytes?: Uint8Array) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'hdd-lens-client-'));
  return {
    dir,
    file: (name, bytes) => {
      const p = join(dir, name);
      if (bytes) writeFileSync(p, bytes);
      return p;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The save worker as tsc compiles it (the extension runs dist/saveWorker.js, bundled from the same file). */
export const SAVE_WORKER = join(__dirname, '..', '..', 'client', 'document', 'saveWorker.js');
