import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { BOOT_ELEMENT_ID, type WebviewBoot } from '../../shared/webviewProtocol';

/** The webview's root element: everything inside it is the webview's (media/main.ts). */
export const APP_ROOT_ID = 'app';

const CODICON_CSS = 'codicon.css';

/** Webview options: scripts on, and nothing loadable but the bundles in dist/ (no remote content). */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')] };
}

/**
 * The HTML shell of the editor: a strict Content Security Policy (scripts only with this page's nonce, styles,
 * fonts and images only from dist/, no network), the stylesheets of dist/ (the codicons first, then the webview's
 * own, in name order), `<div id="app">` and dist/webview.js.
 */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string, boot: WebviewBoot): string {
  return webviewPage(webview, extensionUri, title, 'webview.js', boot);
}

/** The same shell for another webview entry of dist/ (the bundle view: dist/bundleView.js) and its boot state. */
export function webviewPage(webview: vscode.Webview, extensionUri: vscode.Uri, title: string, script: string, boot: unknown): string {
  const dist = vscode.Uri.joinPath(extensionUri, 'dist');
  const nonce = randomBytes(18).toString('base64');
  const src = (name: string): string => webview.asWebviewUri(vscode.Uri.joinPath(dist, name)).toString();
  const sheets = stylesheets(dist.fsPath).map((f) => `<link rel="stylesheet" href="${src(f)}"${f === CODICON_CSS ? ' id="vscode-codicon-stylesheet"' : ''}>`);
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${sheets.join('\n')}
<title>${escapeHtml(title)}</title>
</head>
<body>
<div id="${APP_ROOT_ID}"></div>
<script type="application/json" id="${BOOT_ELEMENT_ID}">${jsonInHtml(boot)}</script>
<script nonce="${nonce}" src="${src(script)}"></script>
</body>
</html>`;
}

function stylesheets(distPath: string): string[] {
  if (!existsSync(distPath)) return [];
  const css = readdirSync(distPath)
    .filter((f) => f.endsWith('.css') && f !== CODICON_CSS)
    .sort();
  return existsSync(`${distPath}/${CODICON_CSS}`) ? [CODICON_CSS, ...css] : css;
}

/** JSON inside a script element: `<` escaped so no "</script>" in a file name can end the element. */
function jsonInHtml(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
