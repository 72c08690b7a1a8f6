/**
 * Figures of the language server on a 16M-entry image (not part of `npm test`; run after `npm run pretest`):
 *   node out/test/server/measureLarge.js [image]
 * Without an image it makes one in a temp folder: `qemu-img create -f parallels -o cluster_size=64k x.hdd 1T` (a
 * 64 MiB BAT), every entry pointing at its own cluster, the file extended (sparse) to hold them.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BAT_OFFSET } from '../../shared/format/constants';
import * as P from '../../shared/protocol';
import { qemu72 } from '../oracles';
import { LspClient, fileUri } from './lspClient';

function makeImage(dir: string): string {
  const path = join(dir, 'large.hdd');
  execFileSync(qemu72().img, ['create', '-q', '-f', 'parallels', '-o', 'cluster_size=64k', path, '1T']);
  const fd = openSync(path, 'r+');
  const header = Buffer.alloc(64);
  readSync(fd, header, 0, 64, 0);
  const entries = header.readUInt32LE(32);
  const cluster = header.readUInt32LE(28) * 512;
  const first = (header.readUInt32LE(48) * 512) / cluster;
  const chunk = 1 << 20;
  const b = Buffer.alloc(chunk * 4);
  for (let i = 0; i < entries; i += chunk) {
    const n = Math.min(chunk, entries - i);
    for (let k = 0; k < n; k++) b.writeUInt32LE(first + i + k, k * 4);
    writeSync(fd, b, 0, n * 4, BAT_OFFSET + i * 4);
  }
  ftruncateSync(fd, (first + entries) * cluster);
  closeSync(fd);
  return path;
}

function peakRss(pid: number | undefined): string {
  if (!pid) return '?';
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(/(\d+)\s*kB/.exec(status.split('\n').find((l) => l.startsWith(key)) ?? '')?.[1] ?? 0);
  return `peak ${(kb('VmHWM:') / 1024).toFixed(0)} MiB, now ${(kb('VmRSS:') / 1024).toFixed(0)} MiB`;
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
}

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number): string => s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(1);
  return `n=${s.length} median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${s[s.length - 1].toFixed(1)} ms`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hdd-lens-measure-'));
  try {
    const path = process.argv[2] ?? makeImage(dir);
    const uri = fileUri(path);
    const client = await LspClient.start();
    const entries = 1 << 24;
    const hoverOffsets = (k: number): number[] =>
      Array.from({ length: k }, (_, i) => [0x1c, BAT_OFFSET + ((i * 7919) % entries) * 4, 0x4010000 + i * 0x1234567][i % 3]);

    const t0 = performance.now();
    await client.openImage(uri, 1);
    // Hovers sent while the BAT is being checked.
    const during: number[] = [];
    let checked = false;
    const first = client.diagnosticsOf(uri, 1).then(() => (checked = true));
    for (const off of hoverOffsets(30)) {
      if (checked) break;
      during.push((await timed(() => client.hoverAt(uri, off)))[1]);
    }
    await first;
    const openToDiagnostics = performance.now() - t0;
    const after: number[] = [];
    for (const off of hoverOffsets(300)) after.push((await timed(() => client.hoverAt(uri, off)))[1]);
    const [, inspectMs] = await timed(() => client.request(P.inspect, { uri, offset: 0x4010000 + 0x999 }));
    const [, structureMs] = await timed(() => client.request(P.structure, { uri }));
    const [, pageMs] = await timed(() => client.request(P.structure, { uri, batPage: 9000 }));
    const [, allocMs] = await timed(() => client.request(P.allocationMap, { uri, buckets: 1000 }));
    const [, regionsMs] = await timed(() => client.request(P.regions, { uri, offset: 0x3ff0000, length: 1 << 20 }));
    // A BAT edit making a duplicate, followed incrementally.
    const data = Buffer.from(Uint32Array.of(0x401).buffer).toString('base64');
    const [, editMs] = await timed(async () => {
      await client.change({ uri, version: 2, edits: [{ offset: BAT_OFFSET + 5000 * 4, data }] });
      return client.diagnosticsOf(uri, 2);
    });
    const [, fixMs] = await timed(async () => {
      const d = await client.diagnosticsOf(uri, 2);
      return client.codeActions(uri, d[0].range, d);
    });
    const [, headerEditMs] = await timed(async () => {
      await client.change({ uri, version: 3, edits: [{ offset: 44, data: Buffer.from([0x59, 0x6e, 0x6f, 0x74]).toString('base64') }] });
      return client.diagnosticsOf(uri, 3);
    });
    console.log(`image: ${path} (${entries} BAT entries)`);
    console.log(`didOpen -> first diagnostics: ${openToDiagnostics.toFixed(0)} ms`);
    console.log(`hover while checking: ${during.length ? stats(during) : 'none answered before the diagnostics'}`);
    console.log(`hover after: ${stats(after)}`);
    console.log(
      `inspect ${inspectMs.toFixed(0)} ms, structure ${structureMs.toFixed(0)} ms, one BAT page ${pageMs.toFixed(0)} ms, allocation map (1000 buckets) ${allocMs.toFixed(0)} ms, regions of 1 MiB ${regionsMs.toFixed(0)} ms`,
    );
    console.log(
      `BAT edit -> diagnostics (incremental): ${editMs.toFixed(0)} ms; code actions with bulk plans: ${fixMs.toFixed(0)} ms; header edit -> diagnostics (full check): ${headerEditMs.toFixed(0)} ms`,
    );
    console.log(`server RSS: ${peakRss(client.pid)}`);
    if (process.env.HDD_LENS_TRACE) process.stdout.write(client.log + client.stderr);
    await client.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
