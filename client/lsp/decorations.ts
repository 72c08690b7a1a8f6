import * as vscode from 'vscode';

const SOURCE = 'hdd-lens';

/**
 * Explorer decorations from the server's diagnostics: the number of errors (or warnings, when there are none) of
 * each image as a badge, coloured like the Problems panel, with the counts in the tooltip. VS Code's own problem
 * decorations (setting problems.decorations.enabled, on by default) already badge every file with diagnostics:
 * while they are on, ours adds only the tooltip, so the explorer does not show the count twice ("2, 2").
 */
export class DiagnosticDecorations implements vscode.FileDecorationProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri[] | undefined>();
  readonly onDidChangeFileDecorations = this.changed.event;
  private readonly subscriptions = [
    vscode.languages.onDidChangeDiagnostics((e) => this.changed.fire([...e.uris])),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('problems.decorations.enabled')) this.changed.fire(undefined);
    }),
  ];

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    let errors = 0;
    let warnings = 0;
    for (const d of vscode.languages.getDiagnostics(uri)) {
      if (d.source !== SOURCE) continue;
      if (d.severity === vscode.DiagnosticSeverity.Error) errors++;
      else if (d.severity === vscode.DiagnosticSeverity.Warning) warnings++;
    }
    if (errors + warnings === 0) return undefined;
    const count = errors || warnings;
    const parts = [errors && plural(errors, 'error'), warnings && plural(warnings, 'warning')].filter(Boolean);
    const tooltip = `hdd-lens: ${parts.join(', ')}`;
    if (vscode.workspace.getConfiguration('problems').get<boolean>('decorations.enabled', true)) return { tooltip };
    return {
      badge: count > 9 ? '9+' : String(count),
      tooltip,
      color: new vscode.ThemeColor(errors ? 'list.errorForeground' : 'list.warningForeground'),
      propagate: errors > 0,
    };
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
