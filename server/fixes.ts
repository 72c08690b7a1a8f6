import { Patch } from '../shared/io/patch';
import { RepairMode, WRITE_BLOCKING_CODE, planFix, planRepair } from '../shared/repair/repair';
import type { ApplyFixArgs, WireEdit } from '../shared/protocol';
import { Analysis, ShownFinding } from './analysis';
import { ImageDocument } from './imageDocument';
import { Settings } from './settings';
import { WorkerClient } from './workerClient';

export type BulkResult = ApplyFixArgs | { refused: string } | null;

/** The bulk actions, by repair mode, as the editor names them. */
export const BULK_TITLES: Record<RepairMode, string> = { all: 'Fix all corruptions', leaks: 'Fix all leaks' };

/** Whether the image has a feature that forbids any change (spec: NECESSARY and unknown): then no fix is offered. */
export function writeBlocked(analysis: Analysis): boolean {
  return (analysis.checked?.findings ?? []).some((f) => f.code === WRITE_BLOCKING_CODE);
}

export function toWireEdits(patches: readonly Patch[]): WireEdit[] {
  return patches.map((p) => ({ offset: p.offset, data: Buffer.from(p.data.buffer, p.data.byteOffset, p.data.length).toString('base64') }));
}

function fixArgs(doc: ImageDocument, analysis: Analysis, title: string, patches: readonly Patch[], size: number | undefined): ApplyFixArgs {
  const args: ApplyFixArgs = { uri: doc.uri, version: analysis.version, title, edits: toWireEdits(patches) };
  if (size !== undefined) args.size = size;
  return args;
}

/** The engine's fix of one finding, as the command arguments of a quick fix; undefined when it has none. */
export function quickFix(doc: ImageDocument, analysis: Analysis, shown: ShownFinding): ApplyFixArgs | undefined {
  const checked = analysis.checked;
  if (!checked || writeBlocked(analysis) || shown.finding.repairMode === undefined) return undefined;
  return analysis.memoSync(`fix:${shown.code}:${shown.offset}:${shown.length}:${shown.batIndex ?? ''}`, () => {
    const plan = planFix(doc.source, shown.finding, { context: checked.context });
    return plan && (plan.patches.length > 0 || plan.size !== undefined) ? fixArgs(doc, analysis, plan.title, plan.patches, plan.size) : undefined;
  });
}

/**
 * The bulk repair of the whole document in a mode (`all`: everything repairable, `leaks`: leaks only), planned
 * on the main thread for small BATs and in the worker for large ones, once per analysis. Ignored rules are not
 * repaired, but a write-blocking feature is never ignored.
 */
export function bulkFix(doc: ImageDocument, analysis: Analysis, mode: RepairMode, settings: Settings, worker: WorkerClient, inlineEntries: number): Promise<BulkResult> {
  const ignore = [...settings.ignore].filter((c) => c !== WRITE_BLOCKING_CODE).sort();
  return analysis.memo(`repair:${mode}:${ignore.join(',')}`, async () => {
    const bat = analysis.image.bat;
    const plan =
      !bat || bat.length <= inlineEntries
        ? inlinePlan(doc, mode, ignore)
        : await worker.repair({ kind: 'repair', path: doc.path, edits: doc.edits, mode, ignore });
    if (plan.refused !== undefined) return { refused: plan.refused };
    if (plan.patches.length === 0 && plan.size === undefined) return null;
    return fixArgs(doc, analysis, BULK_TITLES[mode], plan.patches, plan.size);
  });
}

function inlinePlan(doc: ImageDocument, mode: RepairMode, ignore: string[]): { patches: Patch[]; size?: number; refused?: string } {
  const outcome = planRepair(doc.source, mode, { ignore });
  const out: { patches: Patch[]; size?: number; refused?: string } = { patches: outcome.plan.patches };
  if (outcome.plan.size !== undefined) out.size = outcome.plan.size;
  if (outcome.refused !== undefined) out.refused = outcome.refused;
  return out;
}
