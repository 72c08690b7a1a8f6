/**
 * The repair and bitmap paths at scale (`npm run bench -- --only repairs`, or `node out/bench/repairs.js [--big]`):
 *  - `check -r all` on images whose BAT entries all share one cluster of non-zero data: 16,384 entries of 64 KiB
 *    (1 GiB of copies; target: peak RSS under 300 MiB once the journal streams copies) and, with --big, 163,840
 *    (10 GiB written; it must complete);
 *  - the plan of those repairs in-process: its literal bytes, copies and steps text (what a plan holds);
 *  - `check` and `info` on a 4M-entry BAT with a dirty bitmap of 4,000 stored L1 clusters (took 60 s when every
 *    L1 entry scanned the BAT).
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FileSource } from '../shared/io/fileSource';
import { planRepair } from '../shared/engine/repair';
import { PROJECT_ROOT } from '../test/oracles';
import { manyL1Image, sharedClusterImage, writeSparse } from '../test/fixtures/workImages';
import { benchWorkDir, formatRss, hasGnuTime, runOnce } from './measure';

const CLI = join(PROJECT_ROOT, 'dist', 'cli.js');
const CLUSTER = 64 * 1024;

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function repairFigures(log: (s: string) => void, big = false): string[] {
  const lines = ['## Repairs and bitmaps at scale', ''];
  const root = benchWorkDir('repairs');
  try {
    lines.push('| Command | Image | Wall | Peak RSS | Exit |', '| --- | --- | ---: | ---: | ---: |');
    for (const entries of big ? [16384, 163840] : [16384]) {
      const path = join(root, `shared-${entries}.hdd`);
      log(`repairs: ${entries} entries sharing one cluster`);
      writeSparse(path, sharedClusterImage(entries, CLUSTER));
      const what = `${entries} BAT entries sharing one 64 KiB cluster (${((entries * CLUSTER) / 2 ** 30).toFixed(1)} GiB of copies)`;
      const plan = runOnce(process.execPath, [__filename, 'plan', path], 30 * 60 * 1000, true);
      lines.push(`| plan in-process: ${plan.stdout.trim()} | ${what} | ${seconds(plan.wallMs)} | ${formatRss(plan.peakRssKb)} | ${plan.exitCode} |`);
      const r = runOnce(process.execPath, [CLI, 'check', '-r', 'all', path], 60 * 60 * 1000);
      lines.push(
        `| \`check -r all\` | ${what}; after: ${(statSync(path).size / 2 ** 30).toFixed(2)} GiB | ${r.timedOut ? '> 1 h' : seconds(r.wallMs)} | ${formatRss(r.peakRssKb)} | ${r.exitCode} |`,
      );
      rmSync(path, { force: true });
    }
    const l1Path = join(root, 'l1.hdd');
    log('repairs: 4M-entry BAT, 4000 stored L1 clusters');
    writeSparse(l1Path, manyL1Image(4 << 20, 4000, CLUSTER));
    for (const args of [
      ['check', l1Path],
      ['info', l1Path],
    ]) {
      const r = runOnce(process.execPath, [CLI, ...args], 10 * 60 * 1000);
      lines.push(
        `| \`${args[0]}\` | 4M-entry BAT, dirty bitmap with 4,000 stored L1 clusters | ${r.timedOut ? '> 600 s' : seconds(r.wallMs)} | ${formatRss(r.peakRssKb)} | ${r.exitCode} |`,
      );
    }
    lines.push('');
    if (!hasGnuTime) lines.push('Peak RSS needs GNU time (apt-get install -y time).', '');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return lines;
}

/** In a child process: plans `-r all` of an image and prints what the plan holds. */
function planChild(path: string): void {
  const src = new FileSource(path);
  try {
    const { plan } = planRepair(src, 'all');
    const literal = plan.patches.reduce((n, p) => n + p.data.length, 0);
    const steps = plan.steps.reduce((n, s) => n + s.length, 0);
    process.stdout.write(`${literal} literal bytes, ${plan.copies?.length ?? 0} copies, ${plan.steps.length} steps (${steps} characters)\n`);
  } finally {
    src.close();
  }
}

if (require.main === module) {
  if (process.argv[2] === 'plan') planChild(process.argv[3]);
  else for (const l of repairFigures((s) => process.stderr.write(`${s}\n`), process.argv.includes('--big'))) process.stdout.write(`${l}\n`);
}
