/**
 * Checked states for an editor (the language server): the check of one state of a document, with what answers
 * questions about it afterwards (the host space, the cluster index) and follows BAT edits without a new scan (the
 * incremental scan). The BAT and its scan may come from elsewhere (the server's worker thread); the index may
 * arrive after the check (`withIndexState`).
 */
import type { ByteSource } from '../io/byteSource';
import type { EditSet } from '../io/patch';
import type { BatScan } from '../check/batScan';
import { ClusterIndex, type ClusterIndexState } from '../check/clusterIndex';
import type { CheckContext } from '../check/context';
import type { Finding } from '../check/finding';
import { type EntryChange, IncrementalBatScan, applyBatPatches } from '../check/incremental';
import { metadataCandidates } from '../check/metadata';
import { readBat } from '../format/bat';
import { batEntryOffset } from '../format/constants';
import type { Geometry } from '../format/geometry';
import { type DecodedImage, withBat } from '../format/image';
import { u32 } from '../format/le';
import { HostSpace } from '../describe/hostSpace';
import { checkDecoded } from './check';

/** The checked parts of a state, present once the BAT scan is done. */
export interface CheckedState {
  context: CheckContext;
  findings: Finding[];
  /** Undefined when the header hides the geometry. */
  space?: HostSpace;
  /** Follows BAT edits without a new scan; undefined when the image cannot be indexed. */
  incremental?: IncrementalBatScan;
}

/**
 * Checks a state decoded without its BAT (`decodeImage(source, { bat: false })`). The BAT and its scan are the
 * worker's when `fromWorker` is given (the BAT is read here if it sent none), else both are made here, with the
 * cluster index. `inferred`: the entries put the data area elsewhere than data_off (a damaged image), so the
 * worker's scan (made against data_off's) was not used and neither may its index be.
 */
export function checkState(
  decoded: DecodedImage,
  source: ByteSource,
  fromWorker?: { bat?: Uint32Array; scan?: BatScan },
): { checked: CheckedState; inferred: boolean } {
  const g = decoded.geometry;
  if (!g) return { checked: checkedFrom(decoded, undefined, true), inferred: false };
  const image = withBat(decoded, fromWorker?.bat ?? readBat(source, g));
  const inferred = image.geometry !== g;
  if (!fromWorker || inferred) return { checked: checkedFrom(image, undefined, true), inferred };
  return { checked: checkedFrom(image, fromWorker.scan, false), inferred };
}

/** Gives a checked state the cluster index the worker built after its scan (see checkState). */
export function withIndexState(checked: CheckedState, state: ClusterIndexState): void {
  const g = checked.context.image.geometry;
  if (g) attachIndex(checked, ClusterIndex.fromState(g, state));
}

/** The cluster index of a BAT as the worker sends it (undefined for too many slots to index). */
export function indexState(g: Geometry, bat: Uint32Array): ClusterIndexState | undefined {
  return ClusterIndex.build(g, bat)?.state;
}

/**
 * The checked state after `edits` when they change only BAT entries of a state whose scan can follow them (the
 * incremental scan); undefined when a full check is needed. The image's BAT is updated in place either way once
 * the edits are BAT-only: the previous state is gone, and a full check decodes afresh.
 */
export function followBatEdits(checked: CheckedState, source: ByteSource, edits: EditSet): CheckedState | undefined {
  const image = checked.context.image;
  const bat = image.bat;
  const g = image.geometry;
  // A data area inferred from the entries (inferDataArea) may move with any edit of them: decode afresh.
  if (!checked.incremental?.tracking || !bat || !g || g.dataOffsetFromEntries) return undefined;
  if ((edits.size !== undefined && edits.size !== g.fileSize) || (edits.copies?.length ?? 0) > 0) return undefined;
  const changes = applyBatPatches(bat, edits.patches, checked.context.metadata, (i) => u32(source.read(batEntryOffset(i), 4), 0));
  if (!changes) return undefined;
  // An entry that comes to map (or stops mapping) a bitmap or extension cluster exactly changes what counts as
  // metadata (metadataRanges): the incremental scan follows the old ranges, so the image is scanned afresh.
  if (touchesCandidates(g, changes, bat, metadataCandidates(image))) return undefined;
  const scan = checked.incremental.apply(changes);
  if (!scan) return undefined;
  const { context, findings } = checkDecoded(image, { scan });
  return { context, findings, space: new HostSpace(image, scan, context.metadata, checked.incremental.index), incremental: checked.incremental };
}

/** Runs the rules (with a scan made here, or given) and, when asked, indexes the host space. */
function checkedFrom(image: DecodedImage, scan: BatScan | undefined, buildIndex: boolean): CheckedState {
  const { context, findings } = checkDecoded(image, { scan });
  const g = image.geometry;
  const made = context.scan;
  if (!g || !image.bat || !made) return { context, findings };
  const checked: CheckedState = { context, findings, space: new HostSpace(image, made, context.metadata, undefined) };
  const index = buildIndex ? ClusterIndex.build(g, image.bat) : undefined;
  if (index) attachIndex(checked, index);
  return checked;
}

/** Gives a checked state its cluster index: host lookups through it, and BAT edits followed without a scan. */
function attachIndex(checked: CheckedState, index: ClusterIndex): void {
  const { context } = checked;
  const bat = context.image.bat;
  const scan = context.scan;
  if (!bat || !scan) return;
  checked.space = new HostSpace(context.image, scan, context.metadata, index);
  checked.incremental = new IncrementalBatScan(index.geometry, bat, context.metadata, index, scan);
}

/** Whether an edited entry pointed, or now points, exactly at one of the hosts (a few edits, a few hosts). */
function touchesCandidates(g: Geometry, changes: readonly EntryChange[], bat: Uint32Array, hosts: readonly number[]): boolean {
  if (hosts.length === 0) return false;
  const set = new Set(hosts);
  return changes.some((c) => (c.previous !== 0 && set.has(c.previous * g.unit)) || (bat[c.index] !== 0 && set.has(bat[c.index] * g.unit)));
}
