/**
 * The language server as an editor sees it: the bundled dist/server.js over stdio with a real LSP client
 * connection (the tests' client), timing didOpen to the first diagnostics, hovers sent while the image is being
 * validated and after, and reading the server's peak RSS from /proc.
 */
import { readFileSync } from 'node:fs';
import { BAT_OFFSET } from '../shared/format/constants';
import { LspClient, fileUri } from '../test/server/lspClient';
import { median } from './measure';

export interface ServerFigures {
  entries: number;
  /** didOpen sent -> first publishDiagnostics for the document. */
  firstDiagnosticsMs: number;
  diagnostics: number;
  /** Hover round trips sent between didOpen and the first diagnostics. */
  hoversDuring: number[];
  /** Hover round trips once validated. */
  hoversAfter: number[];
  peakRssKb?: number;
}

function peakRssKb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s*(\d+)\s*kB/.exec(status);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Offsets to hover: header fields, BAT entries spread over the table, and data clusters. */
function hoverOffset(k: number, entries: number, dataOffset: number): number {
  const kind = k % 3;
  if (kind === 0) return (k * 4) % 64;
  if (kind === 1) return BAT_OFFSET + ((k * 7919) % entries) * 4;
  return dataOffset + k * 0x12345;
}

export async function serverFigures(path: string, entries: number, dataOffset: number, script?: string): Promise<ServerFigures> {
  const client = await LspClient.start(script ? { script } : {});
  try {
    const uri = fileUri(path);
    const t0 = performance.now();
    await client.openImage(uri, 1);
    let validated = false;
    let firstMs = 0;
    const first = client
      .diagnosticsWhere(uri, () => true, 120000)
      .then((p) => {
        firstMs = performance.now() - t0;
        validated = true;
        return p;
      });
    const during: number[] = [];
    for (let k = 0; !validated && k < 1000; k++) {
      const t = performance.now();
      await client.hoverAt(uri, hoverOffset(k, entries, dataOffset));
      if (!validated) during.push(performance.now() - t);
    }
    const published = await first;
    const after: number[] = [];
    for (let k = 0; k < 60; k++) {
      const t = performance.now();
      await client.hoverAt(uri, hoverOffset(k, entries, dataOffset));
      after.push(performance.now() - t);
    }
    return {
      entries,
      firstDiagnosticsMs: firstMs,
      diagnostics: published.diagnostics.length,
      hoversDuring: during,
      hoversAfter: after,
      peakRssKb: peakRssKb(client.pid),
    };
  } finally {
    await client.stop();
  }
}

/** "median 3.1 ms, max 9.0 ms (n=12)" or "none (validated before a hover returned)". */
export function hoverSummary(ms: readonly number[]): string {
  if (ms.length === 0) return 'none answered before the diagnostics';
  return `median ${median(ms).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms (n=${ms.length})`;
}
