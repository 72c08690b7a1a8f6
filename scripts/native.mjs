// Builds the native lock addon (native/lock.c, Node-API) with node-gyp, during `npm ci` / `npm rebuild`.
// Offline: the headers are those of the running node (its include/node folder), never downloaded. A failed build
// does not fail the install: hdd-lens then cannot lock images and refuses to write them (see shared/io/imageLock.ts).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

if (process.platform === 'win32') process.exit(0);
const gyp = process.env.npm_config_node_gyp ?? findGyp();
const nodedir = [join(dirname(process.execPath), '..'), '/usr', '/usr/local'].find((d) => existsSync(join(d, 'include', 'node', 'node_api.h')));
if (!gyp || !nodedir) {
  console.warn(
    `hdd-lens: the lock addon was not built (${!gyp ? 'node-gyp not found' : 'no Node headers (include/node/node_api.h)'}): images cannot be locked, so hdd-lens will refuse to write them`,
  );
  process.exit(0);
}
const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`], { stdio: 'inherit' });
if (r.status !== 0) console.warn('hdd-lens: the lock addon failed to build: images cannot be locked, so hdd-lens will refuse to write them');

function findGyp() {
  const npmDir = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  return existsSync(npmDir) ? npmDir : undefined;
}
