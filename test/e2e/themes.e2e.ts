/**
 * The allocation map's colours in the four kinds of VS Code theme (issue 12: in Dark High Contrast "free" and
 * "metadata" were close hues). Each theme is picked through Preferences: Color Theme, as a user would, and the
 * legend's swatches (whose resolved colours the canvas paints with: media/allocationMap.ts) must be told apart
 * pairwise at a glance: a CIE76 colour difference of at least MIN_DELTA_E between any two kinds.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Frame } from 'playwright-core';
import { buildFixture, fixtureByName } from '../fixtures';
import { type CodeServer, startCodeServer } from './codeServer';
import { requireSetup } from './env';
import { HddEditor } from './hddEditor';
import { LONG, Workbench, launchBrowser, waitUntil } from './workbench';

/** The themes VS Code ships, one per kind, with the class VS Code gives the webview's body for each. */
const THEMES = [
  { name: 'Dark Modern', kind: 'vscode-dark' },
  { name: 'Light Modern', kind: 'vscode-light' },
  { name: 'Dark High Contrast', kind: 'vscode-high-contrast' },
  { name: 'Light High Contrast', kind: 'vscode-high-contrast-light' },
];
const KINDS = ['metadata', 'allocated', 'free', 'leaked', 'corrupt'];
/** CIE76: about 2 is a just noticeable difference; past 10, two colours are told apart at a glance. */
const MIN_DELTA_E = 10;

type Rgb = [number, number, number];

/** "rgb(r, g, b)" or "color(srgb r g b)" (how Chromium serialises a resolved color-mix()). */
function parseComputed(s: string): Rgb {
  const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(s);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  const srgb = /^color\(srgb\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/.exec(s);
  if (srgb) return [Number(srgb[1]) * 255, Number(srgb[2]) * 255, Number(srgb[3]) * 255];
  throw new Error(`unexpected computed colour ${s}`);
}

/** sRGB (0-255) to CIE L*a*b* (D65). */
function lab([r, g, b]: Rgb): Rgb {
  const lin = (c: number): number => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const [R, G, B] = [lin(r), lin(g), lin(b)];
  const xyz = [(0.4124 * R + 0.3576 * G + 0.1805 * B) / 0.95047, 0.2126 * R + 0.7152 * G + 0.0722 * B, (0.0193 * R + 0.1192 * G + 0.9505 * B) / 1.08883];
  const f = (t: number): number => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);
  const [fx, fy, fz] = xyz.map(f);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

function deltaE(a: Rgb, b: Rgb): number {
  const [x, y] = [lab(a), lab(b)];
  return Math.hypot(x[0] - y[0], x[1] - y[1], x[2] - y[2]);
}

/** The resolved colour of each kind's legend swatch. */
function swatchColours(frame: Frame): Promise<Record<string, string>> {
  return frame.evaluate(
    (kinds) => Object.fromEntries(kinds.map((k) => [k, getComputedStyle(document.querySelector(`.swatch.map-${k}`)!).backgroundColor])),
    KINDS,
  );
}

/** Picks a colour theme as a user does: Preferences: Color Theme, its name, Enter. */
async function pickTheme(wb: Workbench, name: string): Promise<void> {
  // Not wb.command(): Enter would take the first row, which may be "Browse Color Themes in Marketplace".
  await wb.page.keyboard.press('F1');
  const input = wb.page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: LONG });
  await input.fill('>Preferences: Color Theme');
  await wb.page
    .locator('.quick-input-list .monaco-list-row', { hasText: /^Preferences: Color Theme/ })
    .first()
    .click({ timeout: LONG });
  await wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Modern' }).first().waitFor({ timeout: LONG });
  await input.fill(name);
  await wb.page.locator('.quick-input-list .monaco-list-row.focused', { hasText: name }).first().waitFor({ timeout: LONG });
  await wb.page.keyboard.press('Enter');
}

describe('the allocation map in every kind of theme (code-server)', function () {
  this.timeout(240_000);
  let server: CodeServer;
  let browser: Browser;
  let workspace: string;
  let wb: Workbench;

  before(async () => {
    requireSetup();
    workspace = mkdtempSync(join(tmpdir(), 'hdd-lens-e2e-themes-'));
    await buildFixture(fixtureByName('leaked-tail'), workspace);
    [server, browser] = await Promise.all([startCodeServer(), launchBrowser()]);
    wb = await Workbench.open(browser, server.url, workspace);
    await wb.openFile('leaked-tail.hdd');
    await new HddEditor(wb).waitLoaded();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await wb?.screenshot(`failed-theme-${this.currentTest.title.replace(/\W+/g, '-')}.png`).catch(() => undefined);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  for (const theme of THEMES) {
    it(`tells every kind of the map apart in ${theme.name}`, async () => {
      await pickTheme(wb, theme.name);
      const frame = await wb.webviewFrame('leaked-tail.hdd');
      await waitUntil(
        () => frame.evaluate((kind) => document.body.classList.contains(kind), theme.kind),
        async () => `the webview's body never took the class ${theme.kind} (it has "${await frame.evaluate(() => document.body.className)}")`,
      );
      await wb.screenshot(`theme-${theme.kind}.png`);
      const colours = await swatchColours(frame);
      const rgb = Object.fromEntries(KINDS.map((k) => [k, parseComputed(colours[k])]));
      const pairs = KINDS.flatMap((a, i) => KINDS.slice(i + 1).map((b) => ({ a, b, d: deltaE(rgb[a], rgb[b]) })));
      const closest = pairs.reduce((m, p) => (p.d < m.d ? p : m));
      console.log(`      ${theme.name}: ${KINDS.map((k) => `${k} ${colours[k]}`).join(', ')}; closest ${closest.a}/${closest.b}, dE ${closest.d.toFixed(1)}`);
      const close = pairs.filter((p) => p.d < MIN_DELTA_E);
      assert.deepEqual(
        close.map((p) => `${p.a}/${p.b} dE ${p.d.toFixed(1)}`),
        [],
        `${theme.name}: kinds too close (${JSON.stringify(colours)})`,
      );
    });
  }
});
