import { BatScan } from '../shared/check/batScan';
import { ClusterIndex } from '../shared/check/clusterIndex';
import { CheckContext } from '../shared/check/context';
import { EntryChange, IncrementalBatScan, applyBatPatches } from '../shared/check/incremental';
import { metadataCandidates } from '../shared/check/metadata';
import { applyRules } from '../shared/engine/check';
import { BAT_OFFSET } from '../shared/format/constants';
import { readBat } from '../shared/format/bat';
import { Geometry } from '../shared/format/geometry';
import { decodeImage, withBat } from '../shared/format/image';
import { u32 } from '../shared/format/le';
import { HostSpace } from '../shared/describe/hostSpace';
import { ByteSource } from '../shared/io/byteSource';
import { EditSet } from '../shared/io/patch';
import type { FileStamp } from '../shared/protocol';
import { Analysis, Checked } from './analysis';
import { since, trace } from './trace';
import { WorkerClient } from './workerClient';

/** BATs up to this many entries are checked on the main thread: a 1M-entry scan takes a few milliseconds. */
export const DEFAULT_INLINE_ENTRIES = 1 << 20;

/** What the analyzer needs of a document. */
export interface AnalysisTarget {
  readonly path: string;
  readonly source: ByteSource;
  /** The unsaved edits over the file, for the worker to apply to its own reading of it. */
  readonly edits: EditSet;
  /** The file as read for this state. */
  readonly file?: FileStamp;
}

/**
 * Turns document states into analyses. A state is decoded at once on the main thread (header, BAT, extension:
 * enough to describe any byte); the BAT scan runs inline for small BATs and in the worker for large ones, and BAT
 * edits on a checked state update the previous scan instead of making a new one.
 */
export class Analyzer {
  constructor(
    private readonly worker: WorkerClient,
    readonly inlineEntries: number,
  ) {}

  /**
   * A full analysis of the target's current state. The returned analysis has its image; it is checked at once
   * for small BATs, else `check` runs the scan in the worker (reading the target's state when it starts, so a
   * caller may hold it back until an earlier check is done) and resolves when the analysis is checked.
   */
  analyze(target: AnalysisTarget, generation: number, version: number): { analysis: Analysis; check?: () => Promise<Analysis> } {
    const start = performance.now();
    const decoded = decodeImage(target.source, { bat: false });
    const g = decoded.geometry;
    if (!g || g.batEntries <= this.inlineEntries) {
      const image = g ? withBat(decoded, readBat(target.source, g)) : decoded;
      const analysis = new Analysis(generation, version, image, target.file);
      analysis.complete(checkedFrom(new CheckContext(image), true));
      trace(`${target.path} v${version}: checked inline in ${since(start)} ms`);
      return { analysis };
    }
    // A large BAT is read by the worker, which sends it back with the scan: this thread never reads 64 MiB.
    const analysis = new Analysis(generation, version, decoded, target.file);
    trace(`${target.path} v${version}: decoded without the BAT in ${since(start)} ms`);
    const check = (): Promise<Analysis> => {
      const sent = performance.now();
      const job = this.worker.check({ kind: 'check', path: target.path, edits: target.edits });
      return job.reply.then(
        (reply) => {
          const received = performance.now();
          const image = withBat(decoded, reply.bat ?? readBat(target.source, g));
          // The entries put the data area elsewhere than data_off (a damaged image): the worker's scan used
          // data_off's, so this rare case is scanned again here against the inferred one.
          const inferred = image.geometry !== g;
          const checked = inferred ? checkedFrom(new CheckContext(image), true) : checkedFrom(new CheckContext(image, undefined, reply.scan), false);
          analysis.complete(checked);
          const m = reply.ms;
          trace(`${target.path} v${version}: worker ${Math.round(received - sent)} ms (decode ${m.decode}, scan ${m.scan}), rules here ${since(received)} ms`);
          // The cluster index follows; until it is there, lookups scan the BAT and edits get a full check.
          void job.index.then((state) => {
            if (state && !inferred) attachIndex(checked, ClusterIndex.fromState(g, state));
            trace(`${target.path} v${version}: cluster index ${state ? 'arrived' : 'not built'} ${Math.round(performance.now() - sent)} ms after the job was sent`);
          });
          return analysis;
        },
        () => {
          // The worker failed (it should not): check here rather than show nothing.
          const image = withBat(decoded, readBat(target.source, g));
          analysis.complete(checkedFrom(new CheckContext(image), true));
          return analysis;
        },
      );
    };
    return { analysis, check };
  }

  /**
   * The analysis after `edits` when they change only BAT entries of a checked state whose scan can follow them;
   * undefined when a full analysis is needed. `previous.image.bat` is updated in place either way once the edits
   * are BAT-only: the previous state is gone, and a full analysis decodes afresh.
   */
  followEdits(previous: Analysis, source: ByteSource, edits: EditSet, generation: number, version: number): Analysis | undefined {
    const checked = previous.checked;
    const bat = previous.image.bat;
    const g = previous.image.geometry;
    // A data area inferred from the entries (inferDataArea) may move with any edit of them: decode afresh.
    if (!checked?.incremental?.tracking || !bat || !g || g.dataOffsetFromEntries) return undefined;
    if ((edits.size !== undefined && edits.size !== g.fileSize) || (edits.copies?.length ?? 0) > 0) return undefined;
    const changes = applyBatPatches(bat, edits.patches, checked.context.metadata, (i) => u32(source.read(BAT_OFFSET + i * 4, 4), 0));
    if (!changes) return undefined;
    // An entry that comes to map (or stops mapping) a bitmap or extension cluster exactly changes what counts as
    // metadata (metadataRanges): the incremental scan follows the old ranges, so the image is scanned afresh.
    if (touchesCandidates(g, changes, bat, metadataCandidates(previous.image))) return undefined;
    const scan = checked.incremental.apply(changes);
    if (!scan) return undefined;
    const analysis = new Analysis(generation, version, previous.image, previous.file);
    const context = new CheckContext(previous.image, undefined, scan);
    analysis.complete({
      context,
      findings: applyRules(context),
      space: new HostSpace(previous.image, scan, context.metadata, checked.incremental.index),
      incremental: checked.incremental,
    });
    return analysis;
  }
}

/** Runs the rules on a context (its scan made here or given) and, when asked, indexes the host space. */
function checkedFrom(context: CheckContext, buildIndex: boolean): Checked {
  const findings = applyRules(context);
  const image = context.image;
  const g = image.geometry;
  const scan: BatScan | undefined = context.scan;
  if (!g || !image.bat || !scan) return { context, findings };
  const checked: Checked = { context, findings, space: new HostSpace(image, scan, context.metadata, undefined) };
  const index = buildIndex ? ClusterIndex.build(g, image.bat) : undefined;
  if (index) attachIndex(checked, index);
  return checked;
}

/** Gives a checked state its cluster index: host lookups through it, and BAT edits followed without a scan. */
function attachIndex(checked: Checked, index: ClusterIndex): void {
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
