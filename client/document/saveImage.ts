import { execFile } from 'node:child_process';
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { ApplyResult, JournalOptions, applyJournaled } from '../../shared/io/journal';
import type { ImageModel } from './imageModel';

/**
 * Saving writes only the unsaved edits, through the same crash-safe journal as the CLI: a kill at any moment
 * leaves the old image or the new one (the journal beside the image is rolled back or forward on the next open).
 */
export function saveImage(model: ImageModel, path: string, options: JournalOptions = {}): ApplyResult {
  const result = applyJournaled(path, model.pendingEdits, options);
  model.markSaved();
  return result;
}

/**
 * Save As: copies the file as it is on disk (keeping holes, so a sparse image stays sparse), then writes the
 * unsaved edits into the copy through the journal. The document itself stays as it was (VS Code opens the copy).
 */
export async function saveImageAs(model: ImageModel, source: string, target: string, options: JournalOptions = {}): Promise<ApplyResult> {
  await copySparse(source, target);
  return applyJournaled(target, model.pendingEdits, options);
}

/** Copies a file keeping its holes: GNU cp finds them with SEEK_HOLE; elsewhere a copy that skips zero chunks. */
export async function copySparse(source: string, target: string): Promise<void> {
  const viaCp = await new Promise<boolean>((resolve) => {
    if (process.platform !== 'linux') return resolve(false);
    execFile('cp', ['--sparse=always', '--', source, target], (err) => resolve(!err));
  });
  if (!viaCp) copySkippingZeros(source, target);
}

const CHUNK = 1024 * 1024;

function copySkippingZeros(source: string, target: string): void {
  const from = openSync(source, 'r');
  const to = openSync(target, 'w');
  try {
    const size = fstatSync(from).size;
    ftruncateSync(to, size);
    const buf = new Uint8Array(CHUNK);
    for (let at = 0; at < size; ) {
      const n = readSync(from, buf, 0, Math.min(CHUNK, size - at), at);
      if (n === 0) break;
      const piece = buf.subarray(0, n);
      if (piece.some((b) => b !== 0)) writeAll(to, piece, at);
      at += n;
    }
  } finally {
    closeSync(from);
    closeSync(to);
  }
}

function writeAll(fd: number, data: Uint8Array, position: number): void {
  for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done, position + done);
}
