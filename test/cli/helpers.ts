import { strict as assert } from 'node:assert';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT, qemu72 } from '../oracles';
import { qemuCreate, qemuWrite } from '../fixtures';
import { scratchPath } from '../fixtures/files';

/** The bundled CLI as users run it (`npm test` builds it first). */
export const CLI = join(PROJECT_ROOT, 'dist', 'cli.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli.js ARGS` with extra environment variables (the journal's crash hooks). */
export function hdd(args: readonly string[], env: Record<string, string> = {}, cwd?: string): Promise<CliResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build`);
  const childEnv = { ...process.env, ...env };
  // A crash hook inherited from the test runner's environment would kill every run.
  for (const k of ['HDD_LENS_CRASH_AFTER_STEP', 'HDD_LENS_TRACE_JOURNAL', 'HDD_LENS_STEP_DELAY_MS']) if (!(k in env)) delete childEnv[k];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, ...args], { env: childEnv, cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number' && !err.signal) return reject(err);
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, signal: err?.signal ?? null, stdout, stderr });
    });
  });
}

/** Overwrites bytes of a file in place (test images are always scratch copies). */
export async function patchFile(path: string, offset: number, bytes: Uint8Array): Promise<void> {
  const f = await open(path, 'r+');
  try {
    await f.write(bytes, 0, bytes.length, offset);
  } finally {
    await f.close();
  }
}

export function u32le(...values: number[]): Uint8Array {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32LE(v, 4 * i));
  return b;
}

/** Sets BAT entries (index -> value) of an image. */
export async function setBat(path: string, entries: Record<number, number>): Promise<void> {
  for (const [i, v] of Object.entries(entries)) await patchFile(path, 64 + 4 * Number(i), u32le(v));
}

export async function bytesOf(path: string): Promise<Buffer> {
  return readFile(path);
}

export const CLUSTER = 64 * 1024;

/**
 * A qemu-made image (64 KiB clusters, 2 MiB disk) with five data clusters written out of order: BAT entries 0-3
 * and 8 map host clusters 2, 3, 1, 5 and 4 (fragmented, as qemu-img counts it).
 */
export async function dataImage(): Promise<string> {
  const path = await scratchPath('data.hdd');
  await qemuCreate(qemu72(), path, 2 * 1024 * 1024, CLUSTER);
  await qemuWrite(qemu72(), path, [
    { offset: 2 * CLUSTER, length: CLUSTER, pattern: 0x5a },
    { offset: 0, length: CLUSTER, pattern: 0x11 },
    { offset: CLUSTER, length: CLUSTER, pattern: 0x22 },
    { offset: 8 * CLUSTER, length: CLUSTER, pattern: 0x33 },
    { offset: 3 * CLUSTER, length: CLUSTER, pattern: 0x44 },
  ]);
  return path;
}

/**
 * An image whose repair has many steps: 8 data clusters, and 12 BAT entries (not adjacent, so each is its own
 * patch) that duplicate them; -r all copies 12 clusters to the end of the file.
 */
export async function manyDuplicates(): Promise<string> {
  const path = await scratchPath('dups.hdd');
  await qemuCreate(qemu72(), path, 4 * 1024 * 1024, CLUSTER);
  await qemuWrite(
    qemu72(),
    path,
    Array.from({ length: 8 }, (_, i) => ({ offset: i * CLUSTER, length: CLUSTER, pattern: 0x10 + i })),
  );
  const dups: Record<number, number> = {};
  for (let k = 0; k < 12; k++) dups[20 + 3 * k] = 1 + (k % 8);
  await setBat(path, dups);
  return path;
}

/** The sync calls (strace) of `hdd-lens convert IMAGE OUT ...extra`, which must succeed. */
export async function convertSyncCalls(image: string, out: string, extra: string[] = []): Promise<string[]> {
  const log = `${out}.strace`;
  const r = spawnSync('strace', [
    '-f',
    '-qq',
    '-e',
    'trace=fsync,fdatasync,sync_file_range,syncfs,sync',
    '-o',
    log,
    process.execPath,
    CLI,
    'convert',
    image,
    out,
    ...extra,
  ]);
  assert.equal(r.status, 0, r.stderr.toString());
  return (await readFile(log, 'utf8'))
    .split('\n')
    .map((l) => /^\d+\s+(\w+)\(/.exec(l)?.[1])
    .filter((c): c is string => c !== undefined);
}
