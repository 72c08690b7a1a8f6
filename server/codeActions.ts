import { CodeAction, CodeActionKind, Diagnostic } from 'vscode-languageserver/node';
import { RepairMode } from '../shared/repair/repair';
import { APPLY_FIX_COMMAND, ApplyFixArgs } from '../shared/protocol';
import { Analysis, ShownFinding } from './analysis';
import { BULK_TITLES, BulkResult, quickFix, writeBlocked } from './fixes';
import { ImageDocument } from './imageDocument';
import { Settings } from './settings';

/** What a bulk action left for codeAction/resolve carries. */
export interface BulkActionData {
  hddLensBulk: RepairMode;
  uri: string;
  generation: number;
}

export interface ActionContext {
  doc: ImageDocument;
  analysis: Analysis;
  settings: Settings;
  /** The findings in the requested range. */
  inRange: ShownFinding[];
  /** The diagnostic a finding is shown as, in the document asking. */
  diagnostic: (s: ShownFinding) => Diagnostic;
  /** Plans a bulk repair (cached per analysis). */
  bulk: (mode: RepairMode) => Promise<BulkResult>;
  /** Leave bulk plans to codeAction/resolve (large images, clients that resolve commands). */
  deferBulk: boolean;
}

export function commandAction(title: string, args: ApplyFixArgs, diagnostics: Diagnostic[], preferred: boolean): CodeAction {
  const action: CodeAction = { title, kind: CodeActionKind.QuickFix, diagnostics, command: { title, command: APPLY_FIX_COMMAND, arguments: [args] } };
  if (preferred) action.isPreferred = true;
  return action;
}

/**
 * The quick fixes for the findings in a range (each the engine's fix of that finding alone), then the bulk
 * repairs of the document. Nothing at all when the image has a NECESSARY feature this tool does not know.
 */
export async function codeActions(c: ActionContext): Promise<CodeAction[]> {
  if (writeBlocked(c.analysis) || c.inRange.length === 0) return [];
  const out: CodeAction[] = [];
  for (const s of c.inRange) {
    const fix = quickFix(c.doc, c.analysis, s);
    if (fix) out.push(commandAction(`Fix: ${fix.title}`, fix, [c.diagnostic(s)], c.inRange.length === 1));
  }
  const shown = c.analysis.view(c.settings).shown;
  const modes: RepairMode[] = [];
  if (shown.some((s) => s.finding.repairMode !== undefined)) modes.push('all');
  if (shown.some((s) => s.finding.repairMode === 'leaks')) modes.push('leaks');
  const diagnostics = c.inRange.map(c.diagnostic);
  for (const mode of modes) {
    if (c.deferBulk) {
      const data: BulkActionData = { hddLensBulk: mode, uri: c.doc.uri, generation: c.analysis.generation };
      out.push({ title: BULK_TITLES[mode], kind: CodeActionKind.QuickFix, diagnostics, data });
      continue;
    }
    const plan = await c.bulk(mode);
    if (plan && !('refused' in plan)) out.push(commandAction(BULK_TITLES[mode], plan, diagnostics, false));
  }
  return out;
}

export function isBulkData(data: unknown): data is BulkActionData {
  const d = data as Partial<BulkActionData> | undefined;
  return typeof d?.hddLensBulk === 'string' && typeof d.uri === 'string';
}
