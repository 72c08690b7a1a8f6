import { type EditSet, changesSomething } from '../shared/io/patch';
import { type RepairMode, WRITE_BLOCKING_CODE, planFix, refusal } from '../shared/engine/repair';
import type { ApplyFixArgs } from '../shared/protocol';
import { encodeEditSet } from '../shared/wireEdits';
import type { Analysis, ShownFinding } from './documentAnalysis';
import { CANCELLED_MESSAGE, type PlannedEdits, plannedEdits } from './checkWorker';
import { PLAN_PROGRESS_TOTAL } from '../shared/engine/planProgress';
import { trace } from './trace';
import type { ProgressCallback } from '../shared/io/progress';
import { type PlanWatch, SharedPlan } from './sharedPlan';
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
export function bulkFix(
  doc: ServedImage,
  analysis: Analysis,
  mode: RepairMode,
  settings: Settings,
  worker: WorkerClient,
  inlineEntries: number,
  watch: PlanWatch = {},
): Promise<BulkResult> {
  const ignore = [...settings.ignore].filter((c) => c !== WRITE_BLOCKING_CODE).sort();
  const key = `repair:${mode}:${ignore.join(',')}`;
  let made: SharedPlan<BulkResult> | undefined;
  const result = analysis.memo(key, () => {
    made = new SharedPlan(
      (onProgress) => startPlan(doc, analysis, mode, ignore, worker, inlineEntries, onProgress),
      // Only this plan's entry: an evicted plan's last follower leaving must not drop a newer plan under the key.
      () => made && analysis.cache.get(key) === made.result && analysis.cache.delete(key),
    );
    plans.set(made.result, made);
    return made.result;
  });
  const shared = made ?? plans.get(result);
  return shared ? shared.follow(watch) : result;
}

/** The shared plan behind each cached bulk result (weak: it goes with the analysis's cache). */
const plans = new WeakMap<Promise<unknown>, SharedPlan<BulkResult>>();

/** Starts a bulk plan: inline for small BATs (its progress is over before anyone follows), else in the worker. */
function startPlan(
  doc: ServedImage,
  analysis: Analysis,
  mode: RepairMode,
  ignore: string[],
  worker: WorkerClient,
  inlineEntries: number,
  onProgress: ProgressCallback,
): { result: Promise<BulkResult>; abandon?: () => void } {
  const bat = analysis.image.bat;
  const done = (plan: PlannedEdits): BulkResult => {
    if (plan.refused !== undefined) return { refused: plan.refused };
    if (!changesSomething(plan)) return null;
    return fixArgs(doc, analysis, BULK_TITLES[mode], plan);
  };
  if (!bat || bat.length <= Math.min(inlineEntries, INLINE_REPAIR_ENTRIES)) {
    return { result: (async () => done(plannedEdits(doc.source, mode, ignore, onProgress)))() };
  }
  let last = 0;
  const job = worker.repair({ kind: 'repair', path: doc.path, edits: doc.edits, mode, ignore }, (d, total) => {
    last = d;
    onProgress(d, total);
  });
  job.reply.catch((e: unknown) => {
    if (e instanceof Error && e.message === CANCELLED_MESSAGE)
      trace(`${doc.path}: the worker stopped the abandoned ${mode} plan at ${last}/${PLAN_PROGRESS_TOTAL}`);
  });
  return { result: job.reply.then(done), abandon: job.abandon };
}
