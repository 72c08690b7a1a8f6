import { type CodeAction, CodeActionKind, type Diagnostic } from 'vscode-languageserver/node';
import type { RepairMode } from '../shared/engine/repair';
import { APPLY_FIX_COMMAND, type ApplyFixArgs } from '../shared/protocol';
import type { Analysis, ShownFinding } from './documentAnalysis';
import { BULK_TITLES, quickFix, writeBlocked } from './fixes';
import type { ServedImage } from './servedImage';
import type { Settings } from './settings';

/** What a bulk action left for codeAction/resolve carries. */
export interface BulkActionData {
  hddLensBulk: RepairMode;
  uri: string;
  generation: number;
}

export interface ActionContext {
  doc: ServedImage;
  analysis: Analysis;
  settings: Settings;
  /** The findings in the requested range. */
  inRange: ShownFinding[];
  /** The diagnostic a finding is shown as, in the document asking. */
  diagnostic: (s: ShownFinding) => Diagnostic;
  /** The client resolves a code action's command (codeAction/resolve): bulk plans are made then. */
  resolvesCommands: boolean;
}

/** The client commands that plan and apply a bulk repair of an image (given its URI), for clients without resolve. */
export const BULK_COMMANDS: Record<RepairMode, string> = { all: 'hddLens.fixAll', leaks: 'hddLens.fixLeaks' };

export function commandAction(title: string, args: ApplyFixArgs, diagnostics: Diagnostic[], preferred: boolean): CodeAction {
  const action: CodeAction = { title, kind: CodeActionKind.QuickFix, diagnostics, command: { title, command: APPLY_FIX_COMMAND, arguments: [args] } };
  if (preferred) action.isPreferred = true;
  return action;
}

/**
 * The quick fixes for the findings in a range (each the engine's fix of that finding alone, cheap), then the bulk
 * repairs of the document, which are never planned here (code actions are asked for on every cursor move): they
 * are planned on codeAction/resolve, or by the client command they name. Nothing at all when the image has a
 * NECESSARY feature this tool does not know.
 */
export function codeActions(c: ActionContext): CodeAction[] {
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
    const title = BULK_TITLES[mode];
    if (c.resolvesCommands) {
      const data: BulkActionData = { hddLensBulk: mode, uri: c.doc.uri, generation: c.analysis.generation };
      out.push({ title, kind: CodeActionKind.QuickFix, diagnostics, data });
    } else {
      out.push({ title, kind: CodeActionKind.QuickFix, diagnostics, command: { title, command: BULK_COMMANDS[mode], arguments: [c.doc.uri] } });
    }
  }
  return out;
}

export function isBulkData(data: unknown): data is BulkActionData {
  const d = data as Partial<BulkActionData> | undefined;
  return typeof d?.hddLensBulk === 'string' && typeof d.uri === 'string';
}
