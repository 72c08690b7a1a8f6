/**
 * The front ends' reads of an image, run on every fuzz case: what `info`, `map` and `check --json` build, the
 * field descriptions behind hovers and the structure tree, and the guest/host address maps. Each must finish
 * (no loop proportional to a claimed size), never throw except the documented `ImageError` for an unusable
 * header, and describe what it finds with finite numbers.
 */
import type { BatScan } from '../../shared/check/batScan';
import { ClusterIndex } from '../../shared/check/clusterIndex';
import { CheckContext } from '../../shared/check/context';
import type { Finding } from '../../shared/check/finding';
import { IncrementalBatScan, applyBatPatches } from '../../shared/check/incremental';
import { metadataRanges } from '../../shared/check/metadata';
import { applyRules } from '../../shared/engine/check';
import { AllocationMapBuilder } from '../../shared/describe/allocationMap';
import { describe } from '../../shared/describe/describe';
import { HostSpace } from '../../shared/describe/hostSpace';
import { RangeIndex } from '../../shared/describe/rangeIndex';
import { regionsOf } from '../../shared/describe/regions';
import { structureText } from '../../shared/describe/structureText';
import { batPageEntries, batPageNode, structureTree } from '../../shared/describe/structureTree';
import { BAT_OFFSET } from '../../shared/format/constants';
import { u32, u32Bytes } from '../../shared/format/le';
import { OverlaySource } from '../../shared/io/overlaySource';
import type { Patch } from '../../shared/io/patch';
import type { FieldInfo } from '../../shared/format/fieldInfo';
import { guestToHost } from '../../shared/format/guestMap';
import { decodeImage } from '../../shared/format/image';
import type { ByteSource } from '../../shared/io/byteSource';
import { ImageError } from '../../shared/ops/blocker';
import { checkReport } from '../../shared/ops/check';
import { imageInfo } from '../../shared/ops/info';
import { mapEntries } from '../../shared/ops/map';
import { extensionFieldAt, extensionFields } from '../../shared/describe/extensionFields';
import { headerFieldAt, headerFields } from '../../shared/describe/headerFields';
import type { Failure } from './invariants';
import type { Prng } from './prng';

/** Samples of random offsets tried per lookup function. */
const PROBES = 16;

export function extraChecks(src: ByteSource, _findings: readonly Finding[], rng: Prng): Failure[] {
  const out: Failure[] = [];
  const image = decodeImage(src);
  allowImageError(() => imageInfo(src));
  checkReport(src);
  const runs = allowImageError(() => countRuns(image));
  const bat = image.bat ?? new Uint32Array(0);
  if (runs !== undefined && runs > 2 * bat.length + 2) {
    out.push({ kind: 'bad-finding', signature: 'map:too-many-runs', detail: `map: ${runs} runs for ${bat.length} BAT entries` });
  }
  out.push(...fieldProblems('headerFields', headerFields(image.header)));
  out.push(...fieldProblems('extensionFields', extensionFields(image, { l1Entries: rng.chance(0.5) })));
  for (let k = 0; k < PROBES; k++) {
    const at = rng.int(64);
    const f = headerFieldAt(image.header, at);
    if (f) out.push(...fieldProblems('headerFieldAt', [f]));
    const extAt = (image.geometry?.extOffset ?? 0) + rng.int(4096);
    const e = extensionFieldAt(image, extAt);
    if (e) out.push(...fieldProblems('extensionFieldAt', [e]));
  }
  const g = image.geometry;
  if (g) {
    for (let k = 0; k < PROBES; k++) guestToHost(image, rng.int(Math.min(g.diskBytes + 2, 2 ** 52)));
    out.push(...hostToGuestProblems(image, src.size, rng));
  }
  out.push(...serverReads(src, rng));
  return out;
}

/** BATs small enough to answer host-to-guest by looking at every entry, the reference for the index. */
const BRUTE_FORCE_ENTRIES = 1 << 16;

/**
 * Host-to-guest lookups (the server's hover and `hddLens/hostToGuest`) through the cluster index, compared with
 * a scan of every BAT entry on BATs small enough to scan.
 */
function hostToGuestProblems(image: ReturnType<typeof decodeImage>, fileSize: number, rng: Prng): Failure[] {
  const g = image.geometry;
  const bat = image.bat;
  if (!g || !bat || bat.length > BRUTE_FORCE_ENTRIES) return [];
  const index = ClusterIndex.build(g, bat);
  const out: Failure[] = [];
  for (let k = 0; index && k < PROBES; k++) {
    // Bytes of the file (what a hover can point at); the index leaves out clusters that start past its end.
    const host = rng.int(fileSize);
    const got = index.entriesAt(host, bat).join(',');
    const want: number[] = [];
    for (let i = 0; i < bat.length; i++) if (bat[i] !== 0 && bat[i] * g.unit <= host && host < bat[i] * g.unit + g.clusterSize) want.push(i);
    if (got !== want.join(','))
      out.push({
        kind: 'bad-finding',
        signature: 'host-to-guest-differs',
        detail: `entries covering host ${host}: index says [${got}], the BAT says [${want.join(',')}]`,
      });
  }
  return out;
}

/**
 * What the language server computes for an image, as it computes it (server/analysisRunner.ts): the scanned host
 * space with its cluster index, the field at random offsets (hover), the structure tree and a BAT page, the
 * structure text view, the allocation map and coloured regions; then random BAT edits followed incrementally,
 * whose scan must equal a full scan of the edited image.
 */
function serverReads(src: ByteSource, rng: Prng): Failure[] {
  const out: Failure[] = [];
  const image = decodeImage(src);
  const context = new CheckContext(image);
  const findings = applyRules(context);
  const g = image.geometry;
  const scan = context.scan;
  for (let k = 0; k < PROBES; k++) out.push(...fieldProblems('describe', [describe(image, probeOffset(image, rng), undefined)]));
  if (!g || !image.bat || !scan) return out;
  const index = ClusterIndex.build(g, image.bat);
  const space = new HostSpace(image, scan, context.metadata, index);
  for (let k = 0; k < PROBES; k++) out.push(...fieldProblems('describe+space', [describe(image, probeOffset(image, rng), space)]));
  const coded = findings.map((f) => ({ offset: f.offset, length: f.length, code: f.code, severity: f.severity, message: f.message }));
  const input = { image, space, findings: new RangeIndex(coded), pageEntries: batPageEntries(g.batEntries, 1 + rng.int(1024)) };
  structureTree(input);
  batPageNode(input, rng.int(Math.ceil(image.bat.length / input.pageEntries) + 1));
  structureText({ ...input, title: 'fuzz', page: rng.int(4), expandEntries: 256, maxFindings: 50 });
  const map = new AllocationMapBuilder(space, 1 + rng.int(256));
  while (!map.done) map.feed(1 << 16);
  map.finish();
  regionsOf(space, src.size, rng.int(src.size + 1), rng.int(1 << 20));
  if (index) out.push(...incrementalMatchesFull(src, image, context, index, scan, rng));
  return out;
}

/** An offset to hover: in the header, the BAT, anywhere in the file, just past it, in the extension cluster. */
function probeOffset(image: ReturnType<typeof decodeImage>, rng: Prng): number {
  const g = image.geometry;
  const size = image.source.size;
  const ext = g && g.extOffset < size ? g.extOffset + rng.int(g.clusterSize) : rng.int(size + 1);
  return rng.pick([rng.int(64), 64 + rng.int(Math.max(1, (g?.batEnd ?? 64) - 64)), rng.int(size + 1), size + rng.int(4096), ext]);
}

/** Random BAT edits, followed as the server follows them, against a full scan of the edited image. */
function incrementalMatchesFull(
  src: ByteSource,
  image: ReturnType<typeof decodeImage>,
  context: CheckContext,
  index: ClusterIndex,
  scan: BatScan,
  rng: Prng,
): Failure[] {
  const g = image.geometry;
  const original = image.bat;
  if (!g || !original || original.length === 0) return [];
  const bat = original.slice();
  const incremental = new IncrementalBatScan(g, bat, context.metadata, index, scan);
  if (!incremental.tracking) return [];
  const patches: Patch[] = [];
  for (let n = 1 + rng.int(4); n > 0; n--) {
    const i = rng.int(bat.length);
    const v = rng.pick([0, bat[rng.int(bat.length)], bat[i] + 1, Math.floor(g.dataOffset / g.unit) + rng.int(8) * (g.clusterSize / g.unit)]) >>> 0;
    patches.push({ offset: BAT_OFFSET + i * 4, data: u32Bytes(v) });
  }
  const edited = new OverlaySource(src, { patches });
  const changes = applyBatPatches(bat, patches, context.metadata, (i) => u32(edited.read(BAT_OFFSET + i * 4, 4), 0));
  // As the server does: an edit that maps or unmaps a metadata cluster changes what counts as metadata: full scan.
  if (!changes || JSON.stringify(metadataRanges({ ...image, bat })) !== JSON.stringify(context.metadata)) return [];
  const followed = incremental.apply(changes);
  if (!followed) return [];
  const fresh = decodeImage(edited);
  const full = new CheckContext(fresh).scan;
  if (!full) return [];
  const a = scanSummary(followed);
  const b = scanSummary(full);
  if (a === b) return [];
  return [
    {
      kind: 'bad-finding',
      signature: 'incremental-scan-differs',
      detail: `after ${patches.length} BAT edits the incremental scan says ${a.slice(0, 300)} but a full scan says ${b.slice(0, 300)}`,
    },
  ];
}

function scanSummary(s: BatScan): string {
  return JSON.stringify({
    allocated: s.allocated,
    problems: Array.from(s.problemIndex.subarray(0, s.problemCount), (i, k) => [i, s.problemFlags[k], s.problemPeer[k]]),
    usedEnd: s.usedEnd,
    holes: s.holes,
  });
}

/** Walks the whole map as `hdd-lens map` does; the count of runs is bounded by the BAT, not the claimed disk. */
function countRuns(image: ReturnType<typeof decodeImage>): number {
  let n = 0;
  for (const run of mapEntries(image)) {
    if (!Number.isFinite(run.start) || !Number.isFinite(run.length)) throw new Error(`map run ${JSON.stringify(run)}`);
    n++;
  }
  return n;
}

function allowImageError<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof ImageError) return undefined;
    throw e;
  }
}

function fieldProblems(where: string, fields: readonly FieldInfo[]): Failure[] {
  for (const f of fields) {
    const bad =
      !Number.isSafeInteger(f.offset) || f.offset < 0
        ? `offset ${f.offset}`
        : !Number.isSafeInteger(f.size) || f.size < 0
          ? `size ${f.size}`
          : /undefined|NaN/.test(f.value) || /undefined|NaN/.test(f.name)
            ? `text "${f.name}: ${f.value}"`
            : undefined;
    if (bad)
      return [
        { kind: 'bad-finding', signature: `fields:${where}:${f.path.replace(/\[\d+\]/g, '[]')}:${bad.split(' ')[0]}`, detail: `${where} ${f.path}: ${bad}` },
      ];
  }
  return [];
}
