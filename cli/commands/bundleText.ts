/**
 * The human output of the bundle commands (and the JSON map). `check BUNDLE` prints, per finding,
 *   KIND [code] DiskDescriptor.xml:LINE:COL: message      (descriptor findings)
 *   KIND [code] FILE: message (at offset N)               (image and folder findings; FILE relative to the bundle)
 *       fix (-r MODE): ... | no automatic fix: ...
 * then a summary in qemu-img's words, for the bundle. `info BUNDLE` prints the disk, the storages and the
 * snapshot tree (active chain marked, each image's header summary).
 */
import { relative } from 'node:path';
import type { BundleCheckReport, BundleFindingReport } from '../../shared/ops/bundleCheck';
import type { ChainSource } from '../../shared/bundle/chainSource';
import type { BundleSummary, ImageSummary, SnapshotSummary } from '../../shared/ops/bundleSummary';
import { MAP_HUMAN_HEADER, type MapEntry, mapEntryHuman, mapEntryJson } from '../../shared/ops/map';
import { noFixReason } from '../checkText';
import { catalogueEntry } from '../../shared/rules/catalogue';
import type { Output } from '../output';
import { qemuSize } from '../qemuSize';
import { hex } from '../../shared/format/le';

const KIND: Record<BundleFindingReport['category'], string> = { corruption: 'ERROR', leak: 'LEAK', warning: 'WARNING', info: 'INFO' };

export function printBundleCheck(out: Output, r: BundleCheckReport, heading: boolean): void {
  if (heading) out.line(`== ${r.filename}`);
  for (const f of r.findings) {
    out.line(`${KIND[f.category]} [${f.code}] ${where(r, f)}: ${f.message}`);
    out.line(
      `    ${f.repair !== undefined ? `fix (-r ${f.category === 'leak' ? 'leaks' : 'all'}): ${f.repair}` : `no automatic fix: ${noFixReason(f.code, catalogueEntry)}`}`,
    );
  }
  if (r.findings.length > 0) out.line();
  const top = r.bundle.top;
  out.line(
    `Top: ${top.guid ?? `not resolved (${top.reason})`}${top.how === 'unique-leaf' ? ' (guessed: the only leaf)' : ''}; active chain of ${r.bundle.activeChain.length} snapshot(s), ${r.images.length} image(s) checked.`,
  );
  if (r.corruptions === 0 && r.leaks === 0 && !r.checkErrors) out.line('No errors were found in the bundle.');
  if (r.corruptions > 0) out.line(`${r.corruptions} errors were found in the bundle.`);
  if (r.leaks > 0) out.line(`${r.leaks} leaked clusters were found in the bundle's images.`);
  if (r.checkErrors) out.line('The check could not complete: the descriptor or an image header cannot be read.');
  if (r.warnings + r.infos > 0) out.line(`Also found: ${r.warnings} warning(s) and ${r.infos} note(s) (warnings and notes do not change the exit status).`);
}

function where(r: BundleCheckReport, f: BundleFindingReport): string {
  const file = relative(r.filename, f.file) || f.file;
  return f.line !== undefined ? `${file}:${f.line}:${f.column}` : `${file}${f.offset > 0 || f.length > 0 ? ` (at offset ${f.offset})` : ''}`;
}

export interface BundleInfo {
  filename: string;
  descriptor: string;
  bundle: BundleSummary;
}

export function printBundleInfo(out: Output, info: BundleInfo, blank: boolean): void {
  const b = info.bundle;
  if (blank) out.line();
  out.line(`bundle: ${info.filename}`);
  out.line(`descriptor: ${info.descriptor}`);
  const size = b.disk.size;
  out.line(`virtual size: ${size === null ? 'unknown' : `${qemuSize(size)} (${size} bytes)`}`);
  out.line(
    `geometry: ${b.disk.cylinders ?? '?'} cylinders, ${b.disk.heads ?? '?'} heads, ${b.disk.sectorsPerTrack ?? '?'} sectors${b.disk.padding ? `, Padding ${b.disk.padding}` : ''}${b.disk.encrypted ? ', encrypted' : ''}`,
  );
  for (const s of b.storages) out.line(`storage ${s.index}: sectors [${s.start ?? '?'}, ${s.end ?? '?'}), Blocksize ${s.blocksize ?? '?'}`);
  out.line(`top: ${b.top.guid ?? `not resolved (${b.top.reason})`} (${HOW[b.top.how]})`);
  out.line('snapshot tree (* = active chain, > = top):');
  const byGuid = new Map(b.snapshots.map((s) => [s.guid, s]));
  const roots = b.snapshots.filter((s) => s.parent === null || !byGuid.has(s.parent));
  const seen = new Set<string>();
  for (const r of roots) printTree(out, r, byGuid, '  ', seen);
  const unseen = b.snapshots.filter((s) => !seen.has(s.guid));
  if (unseen.length > 0) out.line(`  not reachable from a root (a cycle): ${unseen.map((s) => s.guid).join(', ')}`);
  if (b.orphans.length > 0) out.line(`orphan files: ${b.orphans.join(', ')}`);
}

const HOW = { 'top-guid': 'TopGUID', predefined: 'the predefined top GUID', 'unique-leaf': 'guessed: the only leaf', unresolved: 'unresolved' } as const;

function printTree(out: Output, s: SnapshotSummary, byGuid: Map<string, SnapshotSummary>, indent: string, seen: Set<string>): void {
  if (seen.has(s.guid)) return;
  seen.add(s.guid);
  out.line(`${indent}${s.top ? '>' : s.active ? '*' : '-'} ${s.guid}${s.temporary ? ' (temporary)' : ''}${s.active ? '' : ' (inactive)'}`);
  for (const i of s.images) out.line(`${indent}    ${imageLine(i)}`);
  for (const c of s.children) {
    const child = byGuid.get(c);
    if (child) printTree(out, child, byGuid, `${indent}  `, seen);
  }
}

function imageLine(i: ImageSummary): string {
  const head = `[${i.storage}] ${i.file}`;
  if (!i.exists) return `${head}: missing`;
  if (i.kind === 'raw') return `${head}: raw, ${i.size} bytes`;
  if (i.version === null) return `${head}: not a readable image`;
  const inUse =
    i.inUseTag === 'Ynot'
      ? 'in use (Ynot)'
      : i.inUseTag && /^pd\d\d$/.test(i.inUseTag)
        ? `closed by Parallels Desktop (${i.inUseTag})`
        : `in_use ${hex(i.inUse ?? 0)}`;
  return `${head}: ${i.version}, cluster ${qemuSize(i.clusterSize ?? 0)}, size ${qemuSize(i.size ?? 0)}, ${i.allocatedClusters ?? '?'} allocated clusters, ${inUse}${(i.flags ?? 0) & 1 ? ', Empty flag' : ''}`;
}

/** The chain's runs as `qemu-img map` entries (depth = index in the chain), with the file that holds them. */
export function* bundleMapEntries(chain: ChainSource): Generator<MapEntry & { file?: string; storage: number }> {
  for (const r of chain.runs()) {
    const base = { start: r.start, length: r.length, depth: r.depth, compressed: false, storage: r.storage };
    if (r.layer && r.hostOffset !== undefined) yield { ...base, present: true, zero: false, data: true, offset: r.hostOffset, file: r.layer.path };
    else yield { ...base, present: false, zero: true, data: false };
  }
}

/** The JSON map: qemu-img map's entries, each followed by the image `file` (for data) and the `storage`. */
export function bundleMapJson(out: Output, chain: ChainSource): void {
  let first = true;
  for (const e of bundleMapEntries(chain)) {
    const extra = `${e.file !== undefined ? `, "file": ${JSON.stringify(e.file)}` : ''}, "storage": ${e.storage}}`;
    out.text(first ? '[' : ',\n');
    out.text(mapEntryJson(e).replace(/\}$/, extra));
    first = false;
  }
  out.text(first ? '[]\n' : ']\n');
}

/** qemu-img map's table: guest offset, length, host offset and the image file, for every run an image holds. */
export function printBundleMap(out: Output, chain: ChainSource, heading: boolean): void {
  if (heading) out.line(`== ${chain.bundle.dir}`);
  out.line(MAP_HUMAN_HEADER);
  for (const e of bundleMapEntries(chain)) {
    const line = e.file !== undefined ? mapEntryHuman(e, e.file) : undefined;
    if (line !== undefined) out.line(line);
  }
}
