/**
 * Write safety at scale: strace over `hdd-lens check -r all` and `convert` on a benchmark-size image and over a
 * language-server session on it, listing every file-changing system call outside what each may touch.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BAT_OFFSET } from '../shared/format/constants';
import { CLI } from '../test/crash/killRepair';
import { allowedChanges, attachTrace, straceAvailable, tracedRun, violations } from '../test/crash/writeSafety';
import { PROJECT_ROOT } from '../test/oracles';
import { LspClient, fileUri } from '../test/server/lspClient';
import { generateImage } from './generate';

export async function writeSafety(log: (s: string) => void): Promise<string[]> {
  const lines = ['## Write safety (strace)', ''];
  if (!straceAvailable()) return [...lines, 'strace is not installed (apt-get install -y strace): not measured.', ''];
  const root = mkdtempSync(join(PROJECT_ROOT, 'bench', 'work', 'writes-'));
  const dir = join(root, 'images');
  try {
    mkdirSync(dir);
    const image = join(dir, 'big.hdd');
    log('writes: image');
    generateImage(image, { entries: 1 << 20, clusterSize: 64 * 1024, fraction: 0.25, duplicates: 200, leakClusters: 3, bitmaps: 2, seed: 9 });
    const served = join(dir, 'served.hdd');
    copyFileSync(image, served);
    const rows: string[][] = [];
    for (const args of [['check', 'big.hdd'], ['info', 'big.hdd'], ['map', '--json', 'big.hdd'], ['convert', 'big.hdd', 'big.raw'], ['check', '-r', 'all', 'big.hdd']]) {
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
    rows.push(['language server session (open 1M-entry image, hovers, code actions, an edit)', '-', changes.map((c) => `${c.call} ${c.path}`).join(', ') || 'none', changes.filter((c) => !c.path.startsWith('/dev/')).length === 0 ? 'none' : '**writes**']);
    lines.push('| Command | Exit | Files it changed | Outside the image, its journal or its output |');
    lines.push('| --- | ---: | --- | --- |');
    for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
    lines.push('');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return lines;
}
