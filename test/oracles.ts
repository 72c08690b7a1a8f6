import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';

/**
 * The reference implementations the tests compare against: qemu-img/qemu-io 7.2 (Debian bookworm) and 10.x
 * (bookworm-backports, unpacked into .oracles/qemu10 by scripts/oracles.sh). A missing oracle is an error, never
 * a silent skip: a test that cannot compare must not pass.
 */
export interface Oracle {
  /** Absolute path of qemu-img. */
  img: string;
  /** Absolute path of qemu-io. */
  io: string;
  /** "7.2.22", "10.0.2". */
  version: string;
}

export type OracleName = 'qemu72' | 'qemu10';

/** The project root: the nearest folder above this file with a package.json (this runs from out/test/). */
export const PROJECT_ROOT = findRoot(__dirname);

const HINT = 'run scripts/oracles.sh (as root) to install it';

const cache = new Map<OracleName, Oracle>();

/** qemu-img/qemu-io 7.2: $HDD_LENS_QEMU72_DIR, else PATH, else /usr/bin. */
export function qemu72(): Oracle {
  return locate('qemu72', '7.2.', [process.env.HDD_LENS_QEMU72_DIR, ...pathDirs(), '/usr/bin']);
}

/** qemu-img/qemu-io 10.x: $HDD_LENS_QEMU10_DIR, else .oracles/qemu10/usr/bin of the project. */
export function qemu10(): Oracle {
  return locate('qemu10', '10.', [process.env.HDD_LENS_QEMU10_DIR, join(PROJECT_ROOT, '.oracles', 'qemu10', 'usr', 'bin')]);
}

export const ORACLES: ReadonlyArray<{ name: OracleName; get: () => Oracle }> = [
  { name: 'qemu72', get: qemu72 },
  { name: 'qemu10', get: qemu10 },
];

function locate(name: OracleName, versionPrefix: string, dirs: Array<string | undefined>): Oracle {
  const hit = cache.get(name);
  if (hit) return hit;
  const seen: string[] = [];
  for (const dir of dirs) {
    if (!dir) continue;
    const img = resolve(dir, 'qemu-img');
    const io = resolve(dir, 'qemu-io');
    if (!executable(img) || !executable(io)) continue;
    const version = versionOf(img);
    seen.push(`${img} (${version ?? 'does not run'})`);
    if (version?.startsWith(versionPrefix)) {
      const oracle = { img, io, version };
      cache.set(name, oracle);
      return oracle;
    }
  }
  const found = seen.length > 0 ? `; found only ${seen.join(', ')}` : '';
  throw new Error(`qemu-img ${versionPrefix}x (${name}) not found${found}: ${HINT}`);
}

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

function pathDirs(): string[] {
  return (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** "qemu-img version 10.0.2 (Debian ...)" -> "10.0.2". */
function versionOf(img: string): string | undefined {
  try {
    const out = execFileSync(img, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return /version (\d+\.\d+\.\d+)/.exec(out)?.[1];
  } catch {
    return undefined;
  }
}
