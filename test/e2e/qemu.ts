/** qemu-img as the judge of what the editor saved: `check` exit codes and the guest data (`convert -O raw`). */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import type { Oracle } from '../oracles';

export function qemuCheck(q: Oracle, image: string): { status: number; output: string } {
  const r = spawnSync(q.img, ['check', '-f', 'parallels', image], { encoding: 'utf8' });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

/** SHA-256 of the guest disk as qemu-img reads it. */
export function guestHash(q: Oracle, image: string): string {
  const raw = `${image}.raw`;
  try {
    execFileSync(q.img, ['convert', '-f', 'parallels', '-O', 'raw', image, raw], { stdio: 'pipe' });
    return createHash('sha256').update(readFileSync(raw)).digest('hex');
  } finally {
    rmSync(raw, { force: true });
  }
}
