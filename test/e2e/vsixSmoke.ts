/**
 * The release's test of the packed extension (scripts/release.mjs): the .vsix installed into a fresh code-server
 * as a user installs it, then a sample opened in its editor, which must show the image's structure.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCodeServer } from './codeServer';
import { CODE_SERVER, NODE24 } from './env';
import { HddEditor } from './hddEditor';
import { Workbench, launchBrowser } from './workbench';

export async function smokeVsix(vsix: string, folder: string, fileName: string): Promise<void> {
  const extensions = mkdtempSync(join(tmpdir(), 'hdd-lens-vsix-'));
  try {
    execFileSync(NODE24, [CODE_SERVER, '--extensions-dir', extensions, '--install-extension', vsix], { stdio: 'pipe' });
    const server = await startCodeServer({}, { extensions });
    const browser = await launchBrowser();
    try {
      const wb = await Workbench.open(browser, server.url, folder);
      await wb.openFile(fileName);
      await new HddEditor(wb).waitLoaded();
    } finally {
      await browser.close();
      await server.stop();
    }
  } finally {
    rmSync(extensions, { recursive: true, force: true });
  }
}
