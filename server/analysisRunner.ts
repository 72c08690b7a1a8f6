import { checkState, followBatEdits, withIndexState } from '../shared/engine/checked';
import { decodeImage } from '../shared/format/image';
import type { ByteSource } from '../shared/io/byteSource';
import type { EditSet } from '../shared/io/patch';
import type { FileStamp } from '../shared/protocol';
import { Analysis } from './documentAnalysis';
import { since, trace } from './trace';
import type { WorkerClient } from './workerClient';

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
export class AnalysisRunner {
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
      const { checked } = checkState(decoded, target.source);
      const analysis = new Analysis(generation, version, checked.context.image, target.file);
      analysis.complete(checked);
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
          // Where the entries put the data area elsewhere than data_off (a damaged image), the worker's scan used
          // data_off's: checkState then scans this rare case again here against the inferred one.
          const { checked, inferred } = checkState(decoded, target.source, reply);
          analysis.complete(checked);
          const m = reply.ms;
          trace(`${target.path} v${version}: worker ${Math.round(received - sent)} ms (decode ${m.decode}, scan ${m.scan}), rules here ${since(received)} ms`);
          // The cluster index follows; until it is there, lookups scan the BAT and edits get a full check.
          void job.index.then((state) => {
            if (state && !inferred) withIndexState(checked, state);
            trace(
              `${target.path} v${version}: cluster index ${state ? 'arrived' : 'not built'} ${Math.round(performance.now() - sent)} ms after the job was sent`,
            );
          });
          return analysis;
        },
        () => {
          // The worker failed (it should not): check here rather than show nothing.
          analysis.complete(checkState(decoded, target.source).checked);
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
    const checked = previous.checked && followBatEdits(previous.checked, source, edits);
    if (!checked) return undefined;
    const analysis = new Analysis(generation, version, previous.image, previous.file);
    analysis.complete(checked);
    return analysis;
  }
}
