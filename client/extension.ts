/**
 * hdd-lens for VS Code: the custom editor of Parallels images, backed by the language server (dist/server.js),
 * with commands that run the bundled CLI (dist/cli.js). The extension never decodes the format itself: the
 * server does, and the editor shows what it says.
 */
import * as vscode from 'vscode';
import { APPLY_FIX_COMMAND, type ApplyFixArgs } from '../shared/protocol';
import { convertToRaw, createImage } from './commands/cliCommands';
import { type CommandDeps, applyFixCommand, checkImage, goToBatEntry, goToGuestOffset, goToOffset, repair, showStructure } from './commands/imageCommands';
import { ANY_FILE_VIEW_TYPE, ImageEditorProvider, ImageEditors, VIEW_TYPE } from './editor/imageEditorProvider';
import { DiagnosticDecorations } from './lsp/decorations';
import { DocumentSync } from './lsp/documentSync';
import { feedFindings } from './lsp/findingsFeed';
import { createLanguageClient } from './lsp/languageClient';
import { ServerConnection, errorText } from './lsp/serverConnection';
import { registerBundles } from './bundle/register';

let server: ServerConnection | undefined;

export function activate(context: vscode.ExtensionContext): void {
  server = new ServerConnection(createLanguageClient(context));
  const sync = new DocumentSync(server);
  const editors = new ImageEditors(context, server, sync);
  const deps: CommandDeps = { editors, server, sync };
  const options = { webviewOptions: { retainContextWhenHidden: true }, supportsMultipleEditorsPerDocument: true };
  const decorations = new DiagnosticDecorations();
  // Disk bundles (client/bundle/): the bundle view, its commands, and the image commands given a bundle folder.
  const bundles = registerBundles(context, deps, command);
  context.subscriptions.push(
    bundles,
    editors,
    sync,
    decorations,
    vscode.window.registerCustomEditorProvider(VIEW_TYPE, new ImageEditorProvider(editors, VIEW_TYPE), options),
    vscode.window.registerCustomEditorProvider(ANY_FILE_VIEW_TYPE, new ImageEditorProvider(editors, ANY_FILE_VIEW_TYPE), options),
    vscode.window.registerFileDecorationProvider(decorations),
    feedFindings(server, (uri) => editors.documentFor(vscode.Uri.parse(uri))),
    command('hddLens.checkImage', (uri?: vscode.Uri) => bundles.or('check', uri, () => checkImage(deps, uri))),
    // A URI string comes from the server's bulk code actions (clients that do not resolve them).
    command('hddLens.fixAll', (uri?: vscode.Uri | string) => bundles.or('fix', asUri(uri), () => repair(deps, 'all', asUri(uri)))),
    command('hddLens.fixLeaks', (uri?: vscode.Uri | string) => repair(deps, 'leaks', asUri(uri))),
    command('hddLens.showStructure', (uri?: vscode.Uri) => bundles.or('open', uri, () => showStructure(deps, uri))),
    command('hddLens.convertToRaw', (uri?: vscode.Uri) => bundles.or('convert', uri, () => convertToRaw(editors, context.extensionUri, uri))),
    command('hddLens.createImage', (folder?: vscode.Uri) => createImage(context.extensionUri, folder)),
    command('hddLens.goToOffset', () => goToOffset(deps)),
    command('hddLens.showFixes', async () => editors.activeHost?.post({ type: 'showFixes' })),
    command('hddLens.goToGuestOffset', () => goToGuestOffset(deps)),
    command('hddLens.goToBatEntry', () => goToBatEntry(deps)),
    command(APPLY_FIX_COMMAND, (fix: ApplyFixArgs) => applyFixCommand(deps, fix)),
  );
}

export function deactivate(): Promise<void> | undefined {
  const s = server;
  server = undefined;
  return s?.languageClient.stop().catch(() => undefined);
}

function asUri(uri: vscode.Uri | string | undefined): vscode.Uri | undefined {
  return typeof uri === 'string' ? vscode.Uri.parse(uri) : uri;
}

/** A command whose failures are shown to the user, not lost in the log. */
function command<A extends unknown[]>(id: string, run: (...args: A) => Promise<void>): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: A) => {
    try {
      await run(...args);
    } catch (e) {
      if (e instanceof vscode.CancellationError) return;
      void vscode.window.showErrorMessage(`hdd-lens: ${errorText(e)}`);
    }
  });
}
