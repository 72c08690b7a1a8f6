/**
 * Write safety at scale: strace over `hdd-lens check -r all` and `convert` on a benchmark-size image and over a
 * language-server session on it, listing every file-changing system call outside what each may touch.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BAT_OFFSET } from '../shared/format/constants';
import { CLI, digest } from '../test/crash/killRepair';
import { allowedChanges, attachTrace, straceAvailable, tracedRun, violations } from '../test/crash/writeSafety';
import { benchWorkDir } from './measure';
import { LspClient, fileUri } from '../test/server/lspClient';
import { generateImage } from './generate';

export async function writeSafety(log: (s: string) => void, concurrentRuns = 50): Promise<string[]> {
  return [...(await straceSection(log)), ...(await concurrentRepairs(log, concurrentRuns))];
}

/**
 * Two `check -r all` started together on one image, `runs` times: how often exactly one wrote, how often the
 * other refused (the runs overlapped) or found nothing left to do, and whether any image ended wrong (must be 0).
 */
async function concurrentRepairs(log: (s: string) => void, runs: number): Promise<string[]> {
  const root = benchWorkDir('race');
  try {
    const image = join(root, 'race.hdd');
    generateImage(image, { entries: 1024, clusterSize: 64 * 1024, fraction: 0.3, duplicates: 40, data: true, seed: 11 });
    const reference = join(root, 'reference.hdd');
    copyFileSync(image, reference);
    await cli(['check', '-r', 'all', reference]);
    const want = digest(reference).sha256;
    const tally = { oneWriter: 0, refused: 0, afterwards: 0, wrong: 0, twoWriters: 0 };
    const t0 = performance.now();
    for (let k = 0; k < runs; k++) {
      if (k % 10 === 0) log(`writes: concurrent repairs ${k}/${runs}`);
      const copy = join(root, `run-${k}.hdd`);
      copyFileSync(image, copy);
      const env = { HDD_LENS_TRACE_JOURNAL: '1' };
      const [a, b] = await Promise.all([cli(['check', '-r', 'all', copy], env), cli(['check', '-r', 'all', copy], env)]);
      const writers = [a, b].filter((r) => r.stderr.includes('journal-committed')).length;
      if (writers === 1) tally.oneWriter++;
      if (writers > 1) tally.twoWriters++;
      if ([a, b].some((r) => /another hdd-lens is writing this image now/.test(r.stderr))) tally.refused++;
      else tally.afterwards++;
      if (digest(copy).sha256 !== want) tally.wrong++;
      rmSync(copy);
    }
    const ms = performance.now() - t0;
    return [
      '## Concurrent repairs (two `check -r all` at once on one image)',
      '',
      `${runs} runs on a 1024-entry image with 40 duplicate clusters (${(ms / runs).toFixed(0)} ms per run).`,
      '',
      '| Runs | Exactly one wrote | Both wrote | The other refused (overlap) | The other ran after (nothing to do) | Image not the repaired one |',
      '| ---: | ---: | ---: | ---: | ---: | ---: |',
      `| ${runs} | ${tally.oneWriter} | ${tally.twoWriters} | ${tally.refused} | ${tally.afterwards} | ${tally.wrong} |`,
      '',
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' }, (err, _stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stderr });
    });
  });
}

async function straceSection(log: (s: string) => void): Promise<string[]> {
  const lines = ['## Write safety (strace)', ''];
  if (!straceAvailable()) return [...lines, 'strace is not installed (apt-get install -y strace): not measured.', ''];
  const root = benchWorkDir('writes');
  const dir = join(root, 'images');
  try {
    mkdirSync(dir);
    const image = join(dir, 'big.hdd');
    log('writes: image');
    generateImage(image, { entries: 1 << 20, clusterSize: 64 * 1024, fraction: 0.25, duplicates: 200, leakClusters: 3, bitmaps: 2, seed: 9 });
    const served = join(dir, 'served.hdd');
    copyFileSync(image, served);
    const rows: string[][] = [];
    for (const args of [
      ['check', 'big.hdd'],
      ['info', 'big.hdd'],
      ['map', '--json', 'big.hdd'],
      ['convert', 'big.hdd', 'big.raw'],
      ['check', '-r', 'all', 'big.hdd'],
    ]) {
      log(`writes: hdd-lens ${args.join(' ')}`);
      const r = tracedRun([process.execPath, CLI, ...args], dir);
      const touched = [...new Set(r.changes.map((c) => `${c.call} ${c.path.replace(`${dir}/`, '')}`))];
      const bad = violations(r.changes, allowedChanges(args, dir));
      rows.push([`hdd-lens ${args.join(' ')}`, `${r.status}`, touched.join(', ') || 'none', bad.length === 0 ? 'none' : `**${bad.join(', ')}**`]);
      rmSync(join(dir, 'big.raw'), { force: true });
    }
    log('writes: server session');
    const client = await LspClient.start();
    const trace = attachTrace(client.pid as number, join(root, 'server.log'));
    let changes;
    try {
      await trace.ready;
      const uri = fileUri(served);
      await client.openImage(uri, 1);
      const d = await client.diagnosticsOf(uri, 1);
      for (const offset of [0, 44, BAT_OFFSET + 400, 0x500000]) await client.hoverAt(uri, offset);
      for (const x of d.slice(0, 3)) await client.codeActions(uri, x.range, [x]);
      await client.change({ uri, version: 2, edits: [{ offset: BAT_OFFSET, data: Buffer.from([0, 0, 0, 0]).toString('base64') }] });
      await client.diagnosticsOf(uri, 2);
    } finally {
      changes = await trace.stop();
      await client.stop();
    }
    rows.push([
      'language server session (open 1M-entry image, hovers, code actions, an edit)',
      '-',
      changes.map((c) => `${c.call} ${c.path}`).join(', ') || 'none',
      changes.filter((c) => !c.path.startsWith('/dev/')).length === 0 ? 'none' : '**writes**',
    ]);
    lines.push('| Command | Exit | Files it changed | Outside the image, its journal or its output |');
    lines.push('| --- | ---: | --- | --- |');
    for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
    lines.push('');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return lines;
}
