import * as vscode from 'vscode';

/** The server's quick fixes are titled so (server/descriptorDocuments.ts): other extensions' actions are not ours. */
const OUR_TITLE = 'hdd-lens:';

/**
 * Applies every descriptor fix the language server offers for DiskDescriptor.xml (its quick fixes over the whole
 * document) as ONE edit of the text document: undoable with Ctrl+Z, written only when the user saves. The fixes
 * are computed on the same text, so they are merged into one edit; one that would overlap another is left out
 * (it is offered again after the first is saved). Returns how many fixes were applied.
 */
export async function fixDescriptor(path: string): Promise<number> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
  const all = new vscode.Range(0, 0, doc.lineCount, 0);
  const actions =
    (await vscode.commands.executeCommand<Array<vscode.CodeAction | vscode.Command>>(
      'vscode.executeCodeActionProvider',
      doc.uri,
      all,
      vscode.CodeActionKind.QuickFix.value,
    )) ?? [];
  const ours = actions.filter(
    (a): a is vscode.CodeAction & { edit: vscode.WorkspaceEdit } => a.title.startsWith(OUR_TITLE) && 'edit' in a && a.edit !== undefined,
  );
  const merged = new vscode.WorkspaceEdit();
  const taken: vscode.Range[] = [];
  const applied: string[] = [];
  for (const a of ours) {
    const edits = a.edit.entries().flatMap(([u, es]) => (u.toString() === doc.uri.toString() ? es : []));
    if (edits.some((e) => taken.some((t) => overlaps(t, e.range)))) continue;
    for (const e of edits) {
      merged.replace(doc.uri, e.range, e.newText);
      taken.push(e.range);
    }
    applied.push(a.title.slice(OUR_TITLE.length).trim());
  }
  await vscode.window.showTextDocument(doc, { preview: false });
  if (applied.length === 0) return 0;
  if (!(await vscode.workspace.applyEdit(merged))) throw new Error(`VS Code refused the descriptor fixes of ${path}; nothing was changed`);
  void vscode.window.showInformationMessage(`hdd-lens: applied to ${path}: ${applied.join('; ')}. Review it, then save (or undo).`);
  return applied.length;
}

/** Whether two edits' ranges share a character (or insert at the same place): they cannot be applied together. */
function overlaps(a: vscode.Range, b: vscode.Range): boolean {
  if (a.isEmpty && b.isEmpty) return a.start.isEqual(b.start);
  return a.start.isBefore(b.end) && b.start.isBefore(a.end);
}
