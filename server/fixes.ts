import { type EditSet, changesSomething } from '../shared/io/patch';
import { type RepairMode, WRITE_BLOCKING_CODE, planFix, refusal } from '../shared/engine/repair';
import type { ApplyFixArgs } from '../shared/protocol';
import { encodeEditSet } from '../shared/wireEdits';
import type { Analysis, ShownFinding } from './documentAnalysis';
import { plannedEdits } from './checkWorker';
import type { ServedImage } from './servedImage';
import type { Settings } from './settings';
import type { WorkerClient } from './workerClient';

export type BulkResult = ApplyFixArgs | { refused: string } | null;

/** The bulk actions, by repair mode, as the editor names them. */
export const BULK_TITLES: Record<RepairMode, string> = { all: 'Fix all corruptions', leaks: 'Fix all leaks' };

/** Bulk plans of BATs up to this many entries are made on the main thread; larger ones in the worker. */
export const INLINE_REPAIR_ENTRIES = 1 << 16;

/**
 * Whether the image forbids any change (spec: a NECESSARY feature that cannot be loaded): then no fix is offered.
 * Decided on the checked state's own findings, as the planner's first pass decides it (a refusal that only shows
 * on a state later repair passes plan is reported when the bulk repair is planned).
 */
export function writeBlocked(analysis: Analysis): boolean {
  const checked = analysis.checked;
  return checked !== undefined && refusal(checked.context, checked.findings) !== undefined;
}

/** A plan as the command arguments of a fix, naming the state it was planned on (generation and file stamp). */
function fixArgs(doc: ServedImage, analysis: Analysis, title: string, plan: EditSet): ApplyFixArgs {
  return { uri: doc.uri, version: analysis.version, title, ...encodeEditSet(plan), state: analysis.state };
}

/** The engine's fix of one finding, as the command arguments of a quick fix; undefined when it has none. */
export function quickFix(doc: ServedImage, analysis: Analysis, shown: ShownFinding): ApplyFixArgs | undefined {
  const checked = analysis.checked;
  if (!checked || writeBlocked(analysis) || shown.finding.repairMode === undefined) return undefined;
  return analysis.memoSync(`fix:${shown.code}:${shown.offset}:${shown.length}:${shown.batIndex ?? ''}`, () => {
    const plan = planFix(doc.source, shown.finding, { context: checked.context });
    return plan && changesSomething(plan) ? fixArgs(doc, analysis, plan.title, plan) : undefined;
  });
}

/**
 * The bulk repair of the whole document in a mode (`all`: everything repairable, `leaks`: leaks only), planned
 * when asked for (never to list code actions): on the main thread for small BATs, in the worker for large ones,
 * once per analysis. Ignored rules are not repaired, but a write-blocking feature is never ignored.
 */
export function bulkFix(doc: ServedImage, analysis: Analysis, mode: RepairMode, settings: Settings, worker: WorkerClient, inlineEntries: number): Promise<BulkResult> {
  const ignore = [...settings.ignore].filter((c) => c !== WRITE_BLOCKING_CODE).sort();
  return analysis.memo(`repair:${mode}:${ignore.join(',')}`, async () => {
    const bat = analysis.image.bat;
    const plan =
      !bat || bat.length <= Math.min(inlineEntries, INLINE_REPAIR_ENTRIES)
        ? plannedEdits(doc.source, mode, ignore)
        : await worker.repair({ kind: 'repair', path: doc.path, edits: doc.edits, mode, ignore });
    if (plan.refused !== undefined) return { refused: plan.refused };
    if (!changesSomething(plan)) return null;
    return fixArgs(doc, analysis, BULK_TITLES[mode], plan);
  });
}
