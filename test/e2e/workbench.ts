/**
 * Driving the VS Code workbench in chromium: open a folder, open files through Quick Open, run commands through
 * F1, read the Problems panel, and reach the editor's webview (two nested iframes) as a frame.
 */
import { type Browser, type Frame, type FrameLocator, type Page, chromium } from 'playwright-core';
import { CHROMIUM, EXTENSION_ID, artifactPath } from './env';

export const LONG = 45_000;

/** Polls `done` until it holds; a watchdog (not a speed bound) fails with `what` after LONG. */
export async function waitUntil(done: () => Promise<boolean>, what: () => Promise<string>): Promise<void> {
  const give = Date.now() + LONG;
  while (!(await done())) {
    if (Date.now() > give) throw new Error(await what());
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      '--enable-precise-memory-info',
    ],
  });
}

export class Workbench {
  /** Console errors of the workbench and the webview, for failure messages. */
  readonly errors: string[] = [];

  private constructor(readonly page: Page) {
    page.on('pageerror', (e) => this.errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') this.errors.push(`console: ${m.text()}`);
    });
  }

  static async open(browser: Browser, url: string, folder: string): Promise<Workbench> {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const wb = new Workbench(page);
    await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: LONG });
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: LONG });
    return wb;
  }

  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: artifactPath(name) });
  }

  /** Quick Open (Ctrl+P) a file of the workspace by name; returns the time (epoch ms) Enter was pressed. */
  async openFile(name: string): Promise<number> {
    await this.page.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: LONG });
    await input.fill(name);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: LONG });
    const at = Date.now();
    await this.page.keyboard.press('Enter');
    return at;
  }

  /** Runs a command by its title through F1. */
  async command(title: string): Promise<void> {
    // A quick input still closing (openFile's Quick Open, just before) is inert, then hidden: F1 pressed then was
    // lost and the fill waited on the closing one (a fresh-clone CI run, 2026-12-04). So wait for it to go, and
    // press F1 again if the command palette (its value starts with ">") does not open.
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: LONG });
    for (let attempt = 1; ; attempt++) {
      await this.page.keyboard.press('F1');
      const opened = await this.page
        .waitForFunction(
          () => {
            const i = document.querySelector('.quick-input-widget input');
            return i instanceof HTMLInputElement && i.offsetParent !== null && !i.closest('[inert]') && i.value.startsWith('>');
          },
          undefined,
          { timeout: LONG / 9 },
        )
        .then(() => true)
        .catch(() => false);
      if (opened) break;
      if (attempt === 3) throw new Error(`F1 did not open the command palette (3 tries), to run "${title}"`);
    }
    const input = this.page.locator('.quick-input-widget input');
    await input.fill(`>${title}`);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: LONG });
    await this.page.keyboard.press('Enter');
  }

  /** The visible hdd-lens editor's webview content, as a locator root. */
  webview(): FrameLocator {
    return this.page.frameLocator(`iframe.webview.ready[src*="${EXTENSION_ID}"]:visible`).frameLocator('iframe#active-frame');
  }

  /** The webview content as a Frame, for page.evaluate inside it (measurements); of one file when named. */
  async webviewFrame(fileName?: string): Promise<Frame> {
    const deadline = Date.now() + LONG;
    while (Date.now() < deadline) {
      for (const f of this.page.frames()) {
        const parent = f.parentFrame();
        // VS Code names the inner frame "active-frame" after creating it as "pending-frame": match by parent.
        if (parent && parent.url().includes(`extensionId=${EXTENSION_ID}`)) {
          const shown = await f
            .evaluate(() => (window as unknown as { hddLens?: { model: { fileName: string } } }).hddLens?.model.fileName)
            .catch(() => undefined);
          if (shown !== undefined && (fileName === undefined || shown === fileName)) return f;
        }
      }
      await this.page.waitForTimeout(100);
    }
    throw new Error('the hdd-lens webview did not appear');
  }

  async showProblems(): Promise<void> {
    const panel = this.page.locator('.markers-panel');
    if (!(await panel.isVisible())) await this.page.keyboard.press('Control+Shift+M');
    await panel.waitFor({ timeout: LONG });
  }

  /** The Problems panel's rows (file rows and marker rows). */
  problemRows(): Promise<string[]> {
    return this.page.locator('.markers-panel .monaco-list-row').allInnerTexts();
  }

  /** The status bar's problem counts, from its aria-label ("Errors: 1, Warnings: 2"; a zero count is left out). */
  async problemCounts(): Promise<{ errors: number; warnings: number }> {
    const label = (await this.page.locator('[id="status.problems"]').getAttribute('aria-label')) ?? '';
    const n = (re: RegExp): number => Number(re.exec(label)?.[1] ?? 0);
    return { errors: n(/Errors?:\s*(\d+)/i), warnings: n(/Warnings?:\s*(\d+)/i) };
  }
}

/**
 * After a failed test: a screenshot named after it (`PREFIX-failed-TITLE.png`) and the workbench's last hdd-lens
 * and webview console errors.
 */
export async function reportFailure(wb: Workbench | undefined, test: { state?: string; title: string } | undefined, prefix: string): Promise<void> {
  if (test?.state !== 'failed' || !wb) return;
  await wb.screenshot(`${prefix}-failed-${test.title.replace(/\W+/g, '-')}.png`).catch(() => undefined);
  console.log(
    wb.errors
      .filter((e) => /hdd-lens|webview/i.test(e))
      .slice(-20)
      .join('\n'),
  );
}
