import { existsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT, qemu10 } from '../oracles';
import { type RunResult, run } from '../fixtures/qemu';

/** The bundled CLI, as users run it (built by `npm run build`, which `npm test` runs first). */
export const CLI = join(PROJECT_ROOT, 'dist', 'cli.js');

export function hddLens(args: readonly string[]): Promise<RunResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build`);
  return run(process.execPath, [CLI, ...args]);
}

const checks = new Map<string, Promise<RunResult>>();

/** `hdd-lens check IMAGE --json`, run once per image for all the tests that read its verdict (images are not changed). */
export function checkJson(image: string): Promise<RunResult> {
  let r = checks.get(image);
  if (!r) {
    r = hddLens(['check', image, '--json']);
    checks.set(image, r);
  }
  return r;
}

/** Above this, files are compared by qemu-img compare, which skips holes (a 64 GiB sparse disk reads in no time). */
const IN_MEMORY_LIMIT = 64 * 1024 * 1024;

/**
 * Where two files first differ, in words, or undefined when they are equal byte for byte (holes read as zeros).
 */
export async function fileDifference(a: string, b: string): Promise<string | undefined> {
  const [sa, sb] = [(await stat(a)).size, (await stat(b)).size];
  if (sa !== sb) return `sizes differ: ${sa} and ${sb} bytes`;
  if (sa > IN_MEMORY_LIMIT) {
    const r = await run(qemu10().img, ['compare', '-q', '-f', 'raw', '-F', 'raw', a, b]);
    return r.code === 0 ? undefined : `qemu-img compare: exit ${r.code} ${r.stdout}${r.stderr}`;
  }
  const chunk = 1024 * 1024;
  const [fa, fb] = [await open(a, 'r'), await open(b, 'r')];
  try {
    const [ba, bb] = [Buffer.alloc(chunk), Buffer.alloc(chunk)];
    for (let at = 0; at < sa; at += chunk) {
      const n = Math.min(chunk, sa - at);
      await fa.read(ba, 0, n, at);
      await fb.read(bb, 0, n, at);
      if (ba.subarray(0, n).equals(bb.subarray(0, n))) continue;
      let i = 0;
      while (ba[i] === bb[i]) i++;
      return `first difference at byte 0x${(at + i).toString(16)}: 0x${ba[i].toString(16)} and 0x${bb[i].toString(16)}`;
    }
    return undefined;
  } finally {
    await fa.close();
    await fb.close();
  }
}
