/**
 * `hddLens/bundle`: a disk bundle as the VS Code bundle view shows it, read from disk (read-only): the summary
 * (disk, storages, snapshot tree with each image's header summary, orphans), the findings per file (the bundle
 * rules and every image's check, as the settings show them), the guest disk of one snapshot through its chain as
 * a strip of cells (bytes served per image of the chain) and its first runs, and which snapshot an image is.
 *
 * The answer is bounded whatever the disk: at most MAX_BUNDLE_BUCKETS cells and MAX_BUNDLE_RUNS runs; the work
 * is one pass over the chain's runs (ChainSource.runs: per guest cluster, the layers above the one that maps it).
 *
 * "Check Bundle" (`publish`) also publishes the descriptor's findings as the diagnostics of DiskDescriptor.xml when
 * it is not open as a text document (the open document's own diagnostics are those of its text and win); when
 * that document closes they are checked again from disk and published, instead of being cleared.
 */
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Connection, Diagnostic } from 'vscode-languageserver/node';
import { type Bundle, BundleError, allImages, openBundle } from '../shared/bundle/bundle';
import { DESCRIPTOR_NAME, fileState } from '../shared/bundle/bundleFiles';
import type { BundleFindingReport } from '../shared/bundle/report';
import { checkOpenBundle } from '../shared/ops/bundleCheck';
import { type ChainRun, ChainSource } from '../shared/bundle/chainSource';
import { locate } from '../shared/bundle/locate';
import { BundleContext } from '../shared/bundle/rule';
import { bundleSummary } from '../shared/ops/bundleSummary';
import { BUNDLE_RULES } from '../shared/rules/catalogue';
import * as P from '../shared/protocol';
import { diagnostic, shown } from './descriptorDocuments';
import type { Settings } from './settings';
import { uriToPath } from './uri';

const DEFAULT_BUCKETS = 1024;

export interface BundleHost {
  settings(): Settings;
  /** Whether the descriptor at this path is open as a text document on the server. */
  descriptorOpen(path: string): boolean;
}

export class BundleRequests {
  /** Descriptor URI -> the diagnostics "Check Bundle" published for it (before the settings filter them). */
  private readonly published = new Map<string, Diagnostic[]>();

  constructor(
    private readonly connection: Connection,
    private readonly host: BundleHost,
  ) {}

  answer(p: P.BundleParams): P.BundleViewResult {
    const path = typeof p?.uri === 'string' ? uriToPath(p.uri) : undefined;
    if (!path) throw new Error(`${P.bundle.method}: uri must be a file: URI, not ${String(p?.uri)}`);
    const buckets = bucketCount(p.buckets);
    let where: { dir: string; image?: string };
    try {
      where = bundleOf(path);
    } catch (e) {
      return { dir: path, descriptor: join(path, DESCRIPTOR_NAME), error: message(e) };
    }
    let bundle: Bundle;
    try {
      bundle = openBundle(where.dir);
    } catch (e) {
      return { dir: where.dir, descriptor: join(where.dir, DESCRIPTOR_NAME), error: message(e) };
    }
    const out: P.BundleViewResult = { dir: bundle.dir, descriptor: bundle.descriptorPath };
    const settings = this.host.settings();
    if (p.check !== false) {
      const check = checkOpenBundle(bundle);
      out.summary = check.report.bundle;
      out.files = byFile(
        bundle,
        check.report.findings,
        check.report.images.map((r) => r.filename),
        settings,
      );
      if (p.publish === true)
        this.publish(
          bundle,
          check.findings.map((f) => diagnostic(bundle, f)),
        );
    } else out.summary = bundleSummary(bundle);
    if (buckets > 0) {
      try {
        out.chain = chainView(bundle, p.snapshot, buckets);
      } catch (e) {
        if (!(e instanceof BundleError)) throw e;
        out.chainError = e.message;
      }
    }
    const img =
      where.image === undefined ? undefined : allImages(bundle).find((i) => i.file?.kind === 'file' && resolve(i.file.path) === resolve(where.image as string));
    if (img?.file) out.image = { storage: img.storage, guid: img.guid, path: img.file.path };
    return out;
  }

  /** A descriptor's text document closed: the findings Check Bundle published come back, checked again from disk. */
  descriptorClosed(uri: string): boolean {
    const path = uriToPath(uri);
    const key = [...this.published.keys()].find((k) => uriToPath(k) === path);
    if (!key || !path) return false;
    try {
      const b = openBundle(dirname(path));
      const ctx = new BundleContext(b);
      this.publish(
        b,
        BUNDLE_RULES.flatMap((r) => r.check(ctx)).map((f) => diagnostic(b, f)),
        true,
      );
    } catch {
      this.published.delete(key);
      return false;
    }
    return true;
  }

  /** Settings changed: what was published is shown again through the new filter. */
  republish(): void {
    for (const [uri, diagnostics] of this.published) {
      const path = uriToPath(uri);
      if (path && !this.host.descriptorOpen(path)) void this.connection.sendDiagnostics({ uri, diagnostics: shown(diagnostics, this.host.settings()) });
    }
  }

  private publish(b: Bundle, diagnostics: Diagnostic[], force = false): void {
    const uri = pathToFileURL(b.descriptorPath).toString();
    this.published.set(uri, diagnostics);
    if (force || !this.host.descriptorOpen(b.descriptorPath))
      void this.connection.sendDiagnostics({ uri, diagnostics: shown(diagnostics, this.host.settings()) });
  }
}

function bucketCount(n: unknown): number {
  if (n === undefined) return DEFAULT_BUCKETS;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw new Error(`${P.bundle.method}: buckets must be a non-negative integer, not ${String(n)}`);
  return Math.min(n, P.MAX_BUNDLE_BUCKETS);
}

/** The bundle folder `path` names (the folder, its descriptor, or an image file beside a descriptor). */
function bundleOf(path: string): { dir: string; image?: string } {
  const t = locate(path);
  if (t.kind === 'bundle') return { dir: t.dir };
  if (t.kind === 'vm')
    throw new BundleError(
      `${path}: a virtual machine with ${t.bundles.length} disk bundle(s); open one of them (${t.bundles.map((d) => d.slice(t.dir.length + 1)).join(', ')})`,
    );
  const dir = dirname(path);
  if (fileState(join(dir, DESCRIPTOR_NAME)).kind !== 'file') throw new BundleError(`${path}: not in a disk bundle (no ${DESCRIPTOR_NAME} beside it)`);
  if (!statSync(path, { throwIfNoEntry: false })?.isFile()) throw new BundleError(`${path}: no such file`);
  return { dir, image: path };
}

/** The findings by file: the descriptor first, then each checked image (with or without findings), then other files. */
function byFile(b: Bundle, findings: readonly BundleFindingReport[], checked: readonly string[], settings: Settings): P.BundleFileFindings[] {
  const files = new Map<string, P.BundleFileFindings>();
  files.set(b.descriptorPath, { path: b.descriptorPath, kind: 'descriptor', findings: [] });
  for (const path of checked) files.set(path, { path, kind: 'image', findings: [] });
  const images = new Set(allImages(b).map((i) => i.file?.path));
  for (const f of findings) {
    const s = shownFinding(f, settings);
    if (!s) continue;
    let entry = files.get(f.file);
    if (!entry) files.set(f.file, (entry = { path: f.file, kind: images.has(f.file) ? 'image' : 'file', findings: [] }));
    entry.findings.push(s);
  }
  return [...files.values()];
}

function shownFinding(f: BundleFindingReport, settings: Settings): BundleFindingReport | undefined {
  const o = settings.severity.get(f.code);
  if (settings.ignore.has(f.code) || o === 'off') return undefined;
  return o === undefined ? f : { ...f, severity: o === 'hint' ? 'info' : o };
}

/** The guest disk of `snapshot` (default the top): cells of bytes per chain image, and the first runs. */
function chainView(bundle: Bundle, snapshot: string | undefined, buckets: number): P.BundleChainView {
  const chain = ChainSource.open(bundle, snapshot);
  try {
    const layers = chain.storages[0]?.layers.map((l) => l.guid) ?? [];
    const size = chain.size;
    const cell = Math.max(512, Math.ceil(size / Math.max(1, buckets) / 512) * 512);
    const cells: P.GuestBucket[] = [];
    for (let at = 0; at < size; at += cell) cells.push({ offset: at, length: Math.min(cell, size - at), bytes: new Array<number>(layers.length).fill(0) });
    const view: P.BundleChainView = { snapshot: chain.guid, size, layers, buckets: cells, runs: [], runCount: 0, mapped: 0 };
    for (const run of chain.runs()) {
      view.runCount++;
      if (view.runs.length < P.MAX_BUNDLE_RUNS) view.runs.push(runOf(run));
      if (!run.layer) continue;
      view.mapped += run.length;
      spread(cells, cell, run.start, run.start + run.length, run.depth);
    }
    for (const c of cells) while (c.bytes.length > 0 && c.bytes[c.bytes.length - 1] === 0) c.bytes.pop();
    return view;
  } finally {
    chain.close();
  }
}

function runOf(run: ChainRun): P.GuestRun {
  const r: P.GuestRun = { start: run.start, length: run.length, storage: run.storage, depth: run.layer ? run.depth : -1 };
  if (run.layer) r.path = run.layer.path;
  if (run.hostOffset !== undefined) r.hostOffset = run.hostOffset;
  return r;
}

/** Adds the guest range [from, to) served at `depth` to the cells it overlaps. */
function spread(cells: P.GuestBucket[], cell: number, from: number, to: number, depth: number): void {
  for (let at = from; at < to;) {
    const i = Math.floor(at / cell);
    const upto = Math.min(to, (i + 1) * cell);
    cells[i].bytes[depth] += upto - at;
    at = upto;
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
