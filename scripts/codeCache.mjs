// Trains V8's code cache of each CLI command bundle (cli/codeCache.ts): runs the command on small images it makes
// here (a clean one, a damaged one), in a child process per command, and stores what V8 compiled beside the bundle
// as dist/commands/NAME.js.cache. Run by scripts/build.mjs after bundling. A cache only saves compile time: V8
// rejects one that does not match the bundle or the Node.js running it, and the command then compiles as usual.
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, ftruncateSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const DIST = resolve('dist');

/** Each command's training runs; IMAGE is the clean image, DAMAGED the damaged one, TMP a scratch folder. */
const TRAINING = {
  check: [['IMAGE'], ['--json', 'IMAGE'], ['DAMAGED'], ['--json', 'DAMAGED'], ['-r', 'all', 'REPAIRED']],
  info: [['IMAGE'], ['--json', 'DAMAGED']],
  map: [['IMAGE'], ['--json', 'IMAGE'], ['DAMAGED']],
  convert: [['IMAGE', 'TMP/out.raw']],
  create: [['TMP/new.hdd', '64M']],
  recover: [['IMAGE']],
  rules: [[], ['--json'], ['bat-entry-duplicate']],
};

if (process.argv[2] === '--train') await train(process.argv[3], JSON.parse(process.argv[4]));
else trainAll();

function trainAll() {
  const tmp = mkdtempSync(join(tmpdir(), 'hdd-lens-cache-'));
  try {
    const images = makeImages(tmp);
    for (const [command, runs] of Object.entries(TRAINING)) {
      rmSync(join(DIST, 'commands', `${command}.js.cache`), { force: true });
      const args = runs.map((run) =>
        run.map((a) => a.replace('IMAGE', images.clean).replace('DAMAGED', images.damaged).replace('REPAIRED', images.repaired).replace('TMP', tmp)),
      );
      const r = spawnSync(process.execPath, [new URL(import.meta.url).pathname, '--train', command, JSON.stringify(args)], {
        stdio: ['ignore', 'ignore', 'pipe'],
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`code cache of '${command}': the training run failed (${r.status ?? r.signal}): ${r.stderr}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function train(command, runs) {
  const cli = createRequire(import.meta.url)(join(DIST, 'cli.js'));
  for (const run of runs) await cli.main([command, ...run]);
  cli.loadCommand(command).saveCache(join(DIST, 'commands', `${command}.js.cache`));
}

/**
 * A 64 MiB image of 64 KiB clusters made by `hdd-lens create`, its first 200 entries allocated front to back (the
 * dense loops); a copy with a duplicate, an entry past the end and leaked clusters (the sparse ones, the second
 * pass, the findings), and a copy of that to repair.
 */
function makeImages(tmp) {
  const clean = join(tmp, 'clean.hdd');
  const r = spawnSync(process.execPath, [join(DIST, 'cli.js'), 'create', clean, '64M', '--cluster-size', '64k'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`code cache: hdd-lens create failed: ${r.stderr}`);
  const fd = openSync(clean, 'r+');
  const header = Buffer.alloc(64);
  readSync(fd, header, 0, 64, 0);
  const first = header.readUInt32LE(48) / 128;
  const bat = Buffer.alloc(4 * 200);
  for (let k = 0; k < 200; k++) bat.writeUInt32LE(first + k, 4 * k);
  writeSync(fd, bat, 0, bat.length, 64);
  ftruncateSync(fd, (first + 200) * 65536);
  closeSync(fd);
  const damaged = join(tmp, 'damaged.hdd');
  copyFileSync(clean, damaged);
  const d = openSync(damaged, 'r+');
  const wrong = Buffer.alloc(12);
  wrong.writeUInt32LE(first + 5, 0);
  wrong.writeUInt32LE(first + 100000, 4);
  wrong.writeUInt32LE(0, 8);
  for (let k = 300; k < 700; k += 7) writeSync(d, Buffer.from(bat.subarray(4 * (k % 200), 4 * (k % 200) + 4)), 0, 4, 64 + 4 * k);
  writeSync(d, wrong, 0, 12, 64 + 4 * 800);
  ftruncateSync(d, (first + 203) * 65536);
  closeSync(d);
  const repaired = join(tmp, 'repaired.hdd');
  copyFileSync(damaged, repaired);
  return { clean, damaged, repaired };
}
