/**
 * Regression inputs: every distinct failure the fuzzer found, kept as a small JSON file (the minimized bytes,
 * gzipped, in base64) in test/fuzz/regressions/, replayed by the bounded fuzz test.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

export interface Regression {
  /** The failure's signature when it was found. */
  signature: string;
  /** What was wrong and how it was fixed (file, cause, fix). */
  note: string;
  /** Where it came from: the campaign case seed and the mutations applied to which seed image. */
  found: { caseSeed: number; seedName: string; steps: string[] };
  size: number;
  gzipBase64: string;
}

export function encodeBytes(bytes: Uint8Array): string {
  return gzipSync(bytes, { level: 9 }).toString('base64');
}

export function decodeBytes(r: Pick<Regression, 'gzipBase64'>): Uint8Array {
  return new Uint8Array(gunzipSync(Buffer.from(r.gzipBase64, 'base64')));
}

export function loadRegressions(dir: string): Array<{ file: string; regression: Regression }> {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch {
    return [];
  }
  return files.map((file) => ({ file, regression: JSON.parse(readFileSync(join(dir, file), 'utf8')) as Regression }));
}

export function saveRegression(dir: string, name: string, r: Regression): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(r, null, 2)}\n`);
  return path;
}

/** A file name from a signature: lower-case words, short. */
export function slug(signature: string): string {
  return signature
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
}
