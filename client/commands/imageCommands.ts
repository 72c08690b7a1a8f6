import * as vscode from 'vscode';
import { basename } from 'node:path';
import { BAT_ENTRY_SIZE, batEntryOffset } from '../../shared/format/constants';
import { parseInteger } from '../../shared/numbers';
import { type ApplyFixArgs, guestToHostRequest, planRepairRequest, structureUri } from '../../shared/protocol';
import type { ImageEditors } from '../editor/imageEditorProvider';
import type { DocumentSync } from '../lsp/documentSync';
import type { ServerConnection } from '../lsp/serverConnection';
import { showWorkDone } from '../lsp/workDone';

export interface CommandDeps {
  editors: ImageEditors;
  server: ServerConnection;
  sync: DocumentSync;
}

function noImage(what: string): void {
  void vscode.window.showInformationMessage(`hdd-lens: open an image, or choose one in the explorer, to ${what}.`);
}

/** "Check Image": diagnostics in the Problems panel, for an open editor or a file chosen in the explorer. */
export async function checkImage(d: CommandDeps, uri?: vscode.Uri): Promise<void> {
  const image = d.editors.target(uri);
  if (!image) return noImage('check it');
  // An open document is checked continuously; a file without an editor is opened on the server only.
  if (!d.editors.documentFor(image)) d.sync.checkFile(image);
  await vscode.commands.executeCommand('workbench.actions.view.problems');
}

/** "Fix All Problems" / "Fix Leaks": the server plans the repair, applied as one undoable edit (saved by the user). */
export async function repair(d: CommandDeps, mode: 'all' | 'leaks', uri?: vscode.Uri): Promise<void> {
  const image = d.editors.target(uri);
  if (!image) return noImage('repair it');
  const { doc, opened } = await d.editors.ensureOpen(image);
  // Planning a 16M-entry image takes seconds: a notification shows the server's percentage (LSP work-done progress)
  // and can cancel it (the server then stops planning, and nothing is applied).
  const plan = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `hdd-lens: planning the ${mode === 'all' ? 'repair' : 'leak repair'} of ${basename(doc.uri.fsPath)}`,
      cancellable: true,
    },
    async (progress, token) => {
      const workDone = showWorkDone(d.server, progress);
      try {
        const planned = await d.server.request(planRepairRequest, { uri: doc.uri.toString(), mode, workDoneToken: workDone.token }, token);
        if (token.isCancellationRequested) throw new vscode.CancellationError();
        return planned;
      } catch (e) {
        // The server answers a cancelled request with RequestCancelled: that is the user's cancel, not an error.
        if (token.isCancellationRequested) throw new vscode.CancellationError();
        throw e;
      } finally {
        workDone.dispose();
      }
    },
  );
  if (plan === null) {
    return void vscode.window.showInformationMessage(`hdd-lens: nothing to ${mode === 'all' ? 'repair' : 'reclaim'} in ${doc.uri.fsPath}.`);
  }
  if ('refused' in plan) return void vscode.window.showWarningMessage(`hdd-lens: ${plan.refused}`);
  if (await d.editors.applyFix(doc, plan, opened)) {
    void vscode.window.showInformationMessage(`hdd-lens: applied "${plan.title}". Review it, then save (or undo).`);
  }
}

/** The `hddLens.applyFix` command of quick fixes (from the structure view, or any place the server offers one). */
export async function applyFixCommand(d: CommandDeps, fix: ApplyFixArgs): Promise<void> {
  if (!fix || typeof fix.uri !== 'string' || !Array.isArray(fix.edits)) throw new Error('hddLens.applyFix needs the fix planned by the server');
  const { doc, opened } = await d.editors.ensureOpen(vscode.Uri.parse(fix.uri));
  await d.editors.applyFix(doc, fix, opened);
}

/** The structure view's language (package.json contributes.languages: a grammar and folding). */
const STRUCTURE_LANGUAGE = 'hdd-structure';

/** "Show Structure View": the server's annotated text dump, with hover, outline and quick fixes. */
export async function showStructure(d: CommandDeps, uri?: vscode.Uri): Promise<void> {
  const image = d.editors.target(uri);
  if (!image) return noImage('show its structure');
  // The server must be up: the content provider of the scheme is registered when it announces it.
  await d.server.whenReady();
  let doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(structureUri(image.toString())));
  // Its own language (grammar, folding) also when the image is not named .hdd/.hds (opened with "Reopen With").
  if (doc.languageId !== STRUCTURE_LANGUAGE) doc = await vscode.languages.setTextDocumentLanguage(doc, STRUCTURE_LANGUAGE);
  // Beside the image editor when one is in front, else in the active group (no empty group beside nothing).
  const beside = d.editors.activeHost?.panel.active === true;
  await vscode.window.showTextDocument(doc, { preview: false, viewColumn: beside ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active });
}

async function askNumber(title: string, prompt: string): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title,
    prompt,
    validateInput: (v) => {
      const p = parseInteger(v);
      return 'error' in p ? p.error : undefined;
    },
  });
  if (text === undefined) return undefined;
  const p = parseInteger(text);
  return 'value' in p ? p.value : undefined;
}

export async function goToOffset(d: CommandDeps): Promise<void> {
  const host = d.editors.activeHost;
  if (!host) return noImage('go to an offset');
  const offset = await askNumber('Go to Offset', `Byte offset in ${host.doc.uri.fsPath} (size ${host.doc.model.size})`);
  if (offset === undefined) return;
  if (offset >= host.doc.model.size)
    return void vscode.window.showWarningMessage(`hdd-lens: offset ${offset} is past the end of the file (${host.doc.model.size} bytes).`);
  host.reveal(offset, 1);
}

export async function goToGuestOffset(d: CommandDeps): Promise<void> {
  const host = d.editors.activeHost;
  if (!host) return noImage('go to a guest offset');
  const guestOffset = await askNumber('Go to Guest Offset', 'Offset on the virtual disk; the BAT maps it to the byte in the image file');
  if (guestOffset === undefined) return;
  const r = await d.server.request(guestToHostRequest, { uri: host.doc.uri.toString(), guestOffset });
  if (!r) return void vscode.window.showWarningMessage(`hdd-lens: guest offset ${guestOffset} is outside the virtual disk.`);
  if (r.hostOffset === undefined) {
    void vscode.window.showInformationMessage(
      `hdd-lens: guest offset ${guestOffset} is in BAT entry ${r.batIndex}, which is not allocated (it reads as zeros). Showing the entry.`,
    );
    return host.reveal(batEntryOffset(r.batIndex), BAT_ENTRY_SIZE);
  }
  host.reveal(r.hostOffset, 1);
}

export async function goToBatEntry(d: CommandDeps): Promise<void> {
  const host = d.editors.activeHost;
  if (!host) return noImage('go to a BAT entry');
  const index = await askNumber('Go to BAT Entry', 'Index of the BAT entry (0 is the first cluster of the virtual disk)');
  if (index === undefined) return;
  const offset = batEntryOffset(index);
  if (offset >= host.doc.model.size) return void vscode.window.showWarningMessage(`hdd-lens: BAT entry ${index} would be past the end of the file.`);
  host.reveal(offset, BAT_ENTRY_SIZE);
}
