import * as vscode from 'vscode';

const SOURCE = 'hdd-lens';

/**
 * Explorer badges from the server's diagnostics: the number of errors (or warnings, when there are none) of
 * each image, coloured like the Problems panel, with the counts in the tooltip.
 */
export class DiagnosticDecorations implements vscode.FileDecorationProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri[]>();
  readonly onDidChangeFileDecorations = this.changed.event;
  private readonly subscription = vscode.languages.onDidChangeDiagnostics((e) => this.changed.fire([...e.uris]));

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
    return {
      badge: count > 9 ? '9+' : String(count),
      tooltip: `hdd-lens: ${parts.join(', ')}`,
      color: new vscode.ThemeColor(errors ? 'list.errorForeground' : 'list.warningForeground'),
      propagate: errors > 0,
    };
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
