import * as vscode from 'vscode';
import { spawn } from 'node:child_process';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  cancelled: boolean;
}

/**
 * Runs the bundled command line (dist/cli.js) as a child process, so long operations (a multi-GiB convert) never
 * block the extension host and use the same code, messages and crash safety as the terminal. The extension host's
 * own runtime runs it (Electron as Node, or code-server's Node).
 */
export function runCli(extensionUri: vscode.Uri, args: string[], token?: vscode.CancellationToken, onStderr?: (text: string) => void): Promise<CliResult> {
  const cli = vscode.Uri.joinPath(extensionUri, 'dist', 'cli.js').fsPath;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let cancelled = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      // Progress lines are for the notification, not for an error message.
      if (onStderr) onStderr(s);
      stderr += s.replace(/^ {4}\(\d+(?:\.\d+)?\/100%\)$\n?/gm, '');
    });
    const sub = token?.onCancellationRequested(() => {
      cancelled = true;
      child.kill('SIGTERM');
    });
    child.on('error', (e) => {
      sub?.dispose();
      reject(e);
    });
    child.on('close', (code) => {
      sub?.dispose();
      resolve({ code, stdout, stderr, cancelled });
    });
  });
}

/** The CLI's own message for a failure (it names the file and the reason), else its exit status. */
export function cliFailure(r: CliResult): string {
  return r.stderr.trim().split('\n').filter(Boolean).slice(-3).join(' ') || `exit status ${r.code}`;
}
