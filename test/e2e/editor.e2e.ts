/**
 * End to end in a real VS Code (code-server + Debian chromium): a person opens a corrupt image, sees its structure
 * and its problem, fixes it from the hover card of the BAT entry, undoes and redoes the fix, saves, and qemu-img
 * then finds the saved image clean with the same guest data. Screenshots of every step go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Browser, Locator } from 'playwright-core';
import { BAT_OFFSET, H, IN_USE_DIRTY } from '../../shared/format/constants';
import { buildFixture, fixtureByName } from '../fixtures';
import { EXT64K } from '../fixtures/specs/layout';
import { qemu10, qemu72 } from '../oracles';
import { type CodeServer, startCodeServer } from './codeServer';
import { requireSetup } from './env';
import { HddEditor } from './hddEditor';
import { guestHash, qemuCheck } from './qemu';
import { LONG, Workbench, launchBrowser } from './workbench';

const CODE = 'bat-entry-duplicate';
/** A second image with two problems for "Fix all": an entry whose cluster the end of the file cuts, and that end. */
const TWO_PROBLEMS = 'bat-entry-beyond-eof-partial';
/** The fixture's damaged entry: BAT entry 7 points at guest 0's cluster. */
const ENTRY = EXT64K.free;
const ENTRY_OFFSET = BAT_OFFSET + ENTRY * 4;

/** Waits until a locator's text matches. */
async function waitText(l: Locator, re: RegExp): Promise<void> {
  const deadline = Date.now() + LONG;
  while (!re.test(await l.innerText())) {
    if (Date.now() > deadline) throw new Error(`"${await l.innerText()}" never matched ${re}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Writes bytes into a file in place, as another program would. */
async function writeAt(path: string, offset: number, data: Uint8Array): Promise<void> {
  const f = await open(path, 'r+');
  try {
    await f.write(data, 0, data.length, offset);
  } finally {
    await f.close();
  }
}

async function waitValue(l: Locator, value: string): Promise<void> {
  const deadline = Date.now() + LONG;
  while ((await l.inputValue()) !== value) {
    if (Date.now() > deadline) throw new Error(`input value "${await l.inputValue()}" never became "${value}"`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the hdd-lens editor in VS Code (code-server)', function () {
  this.timeout(240_000);
  let server: CodeServer;
  let browser: Browser;
  let workspace: string;
  let image: string;
  let twoProblems: string;
  let wb: Workbench;
  let editor: HddEditor;
  let guestBefore: string;

  before(async () => {
    requireSetup();
    workspace = mkdtempSync(join(tmpdir(), 'hdd-lens-e2e-ws-'));
    image = await buildFixture(fixtureByName(CODE), workspace);
    twoProblems = await buildFixture(fixtureByName(TWO_PROBLEMS), workspace);
    guestBefore = guestHash(qemu10(), image);
    [server, browser] = await Promise.all([startCodeServer(), launchBrowser()]);
    wb = await Workbench.open(browser, server.url, workspace);
    editor = new HddEditor(wb);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) {
      await wb.screenshot(`failed-${this.currentTest.title.replace(/\W+/g, '-')}.png`).catch(() => undefined);
      console.log(
        wb.errors
          .filter((e) => /hdd-lens|webview/i.test(e))
          .slice(-20)
          .join('\n'),
      );
    }
  });

  it('opens the corrupt image in the custom editor with its structure and coloured regions', async () => {
    await wb.openFile(basename(image));
    await editor.waitLoaded();
    const tree = await editor.view.locator('.tree-row').allInnerTexts();
    for (const label of ['header', 'BAT', 'data area'])
      assert.ok(
        tree.some((t) => t.includes(label)),
        `tree has ${label}: ${tree.join(' | ')}`,
      );
    // The damaged entry is underlined as an error, and its bytes are BAT bytes.
    await editor.cell(ENTRY_OFFSET).and(editor.view.locator('.s-error.k-bat')).waitFor({ timeout: LONG });
    await wb.screenshot('01-editor.png');
  });

  it('lists the finding in the Problems panel and in the editor', async () => {
    await wb.showProblems();
    await wb.page.locator('.markers-panel .monaco-list-row', { hasText: CODE }).first().waitFor({ timeout: LONG });
    assert.equal((await wb.problemCounts()).errors, 1);
    await editor.problemItems().filter({ hasText: CODE }).waitFor({ timeout: LONG });
    // The editor's own list reveals the finding's bytes (VS Code gives custom editors no selection from a
    // Problems panel click).
    await editor.problemItems().filter({ hasText: CODE }).click();
    await waitText(editor.view.locator('.status-offset'), new RegExp(`^Offset 0x${ENTRY_OFFSET.toString(16)} `));
    await wb.screenshot('02-problems.png');
  });

  it('shows the BAT entry card on hover, with the finding and its quick fix', async () => {
    await editor.goTo('BAT entry', String(ENTRY));
    await editor.cell(ENTRY_OFFSET).hover();
    const card = editor.card();
    await card.locator('.fix').first().waitFor({ timeout: LONG });
    const text = await card.innerText();
    assert.match(text, new RegExp(`\\b${ENTRY}\\b`), `the card names entry ${ENTRY}: ${text}`);
    assert.match(text, new RegExp(CODE));
    await wb.screenshot('03-hover-card.png');
  });

  it('repairs the entry with the quick fix from the card', async () => {
    const before = await editor.cell(ENTRY_OFFSET).innerText();
    await editor.card().locator('.fix').first().click();
    await waitNoProblem();
    assert.notEqual(await editor.cell(ENTRY_OFFSET).innerText(), before, 'the entry was rewritten');
    await wb.page.locator('.tab.dirty').first().waitFor({ timeout: LONG });
    await wb.screenshot('04-fixed.png');
  });

  it('undoes and redoes the fix', async () => {
    await editor.focusGrid();
    await wb.page.keyboard.press('Control+Z');
    await waitProblem();
    await wb.screenshot('05-undone.png');
    await editor.focusGrid();
    await wb.page.keyboard.press('Control+Shift+Z');
    await waitNoProblem();
    await wb.screenshot('06-redone.png');
  });

  it('saves, and qemu-img finds the saved image clean with the same guest data', async () => {
    const mtime = statSync(image).mtimeMs;
    await editor.focusGrid();
    await wb.page.keyboard.press('Control+S');
    await wb.page.locator('.tab.dirty').waitFor({ state: 'detached', timeout: LONG });
    assert.ok(statSync(image).mtimeMs > mtime, 'the file was written');
    await wb.screenshot('07-saved.png');
    for (const q of [qemu72(), qemu10()]) {
      const r = qemuCheck(q, image);
      assert.equal(r.status, 0, `qemu-img ${q.version} check: ${r.output}`);
    }
    assert.equal(guestHash(qemu10(), image), guestBefore, 'the guest disk reads the same');
  });

  it("shows a write by another program to the open, saved image: the editor's watcher reads it again (the server does not watch it too)", async () => {
    const entryOf = (i: number): Promise<Buffer> => readFile(image).then((b) => b.subarray(BAT_OFFSET + i * 4, BAT_OFFSET + i * 4 + 4));
    const repaired = await entryOf(ENTRY);
    // The damage again, written beside the editor: entry ENTRY points at guest 0's cluster.
    await writeAt(image, ENTRY_OFFSET, await entryOf(0));
    await waitProblem();
    await wb.screenshot('07b-written-elsewhere.png');
    await writeAt(image, ENTRY_OFFSET, repaired);
    await waitNoProblem();
    assert.equal(await wb.page.locator('.tab.dirty').count(), 0, 'the document stays clean: it shows the file');
  });

  it('saves over a file another program changed, once told to Overwrite and told again when it marked the image in use', async () => {
    const original = await readFile(image);
    const free = 3;
    const last = original.length - 1;
    const ynot = Buffer.alloc(4);
    ynot.writeUInt32LE(IN_USE_DIRTY);
    // Unsaved: free entry 3 set to cluster 0x100 (past the end of the file, so the server flags it).
    const input = await editEntry(free);
    await input.fill('0x100');
    await input.press('Enter');
    await wb.page.locator('.tab.dirty').first().waitFor({ timeout: LONG });
    // Another program (a VM, say) writes the last byte of the data area and marks the image in use meanwhile; its
    // notice is left unanswered.
    await writeAt(image, last, Uint8Array.of(original[last] ^ 0xff));
    await writeAt(image, H.inUse, ynot);
    await wb.page.locator('.notifications-toasts', { hasText: 'changed on disk by another program' }).waitFor({ timeout: LONG });
    await editor.focusGrid();
    await wb.page.keyboard.press('Control+S');
    const changed = wb.page.locator('.monaco-dialog-box', { hasText: 'was changed on disk by another program since it was opened' });
    await changed.waitFor({ timeout: LONG });
    await wb.screenshot('07c-overwrite-dialog.png');
    await changed.locator('.monaco-button', { hasText: 'Overwrite' }).click();
    // The file as it is now is marked in use: asked before anything is written.
    const inUse = wb.page.locator('.monaco-dialog-box', { hasText: 'says the image is in use' });
    await inUse.waitFor({ timeout: LONG });
    assert.equal((await readFile(image)).readUInt32LE(BAT_OFFSET + free * 4), 0, 'nothing written before the answer');
    await inUse.locator('.monaco-button', { hasText: 'Save Anyway' }).click();
    await wb.page.locator('.tab.dirty').waitFor({ state: 'detached', timeout: LONG });
    const saved = await readFile(image);
    assert.equal(saved.readUInt32LE(BAT_OFFSET + free * 4), 0x100, 'the edit was written');
    assert.equal(saved[last], original[last] ^ 0xff, "the other program's byte is kept");
    assert.equal(saved.readUInt32LE(H.inUse), IN_USE_DIRTY, 'and its in_use');
    // Back to the repaired image, written from outside: the clean document reads it again.
    await wb.command('Notifications: Clear All Notifications');
    await writeAt(image, 0, original);
    await editor.problemItems().filter({ hasText: 'bat-entry-beyond-eof' }).waitFor({ state: 'detached', timeout: LONG });
    await editor.problemItems().filter({ hasText: 'image-unclean' }).waitFor({ state: 'detached', timeout: LONG });
    assert.equal(await wb.page.locator('.tab.dirty').count(), 0);
  });

  it('moves through the bytes and panes with the keyboard; Enter opens the card, Escape closes it', async () => {
    const status = editor.view.locator('.status-offset');
    await editor.focusGrid();
    await wb.page.keyboard.press('Control+Home');
    for (let i = 0; i < 3; i++) await wb.page.keyboard.press('ArrowRight');
    await wb.page.keyboard.press('ArrowDown');
    await waitText(status, /^Offset 0x13 \(19\)/);
    await wb.page.keyboard.press('Enter');
    await editor.view.locator('.card:not(.hidden):focus-within').waitFor({ timeout: LONG });
    assert.match(await editor.card().innerText(), /version/);
    await wb.page.keyboard.press('Escape');
    await editor.view.locator('.card').waitFor({ state: 'hidden', timeout: LONG });
    await editor.view.locator('.grid:focus').waitFor({ timeout: LONG });
    await wb.page.keyboard.press('Tab');
    await editor.view.locator('.map-canvas:focus').waitFor({ timeout: LONG });
    await wb.screenshot('08-keyboard.png');
  });

  it('edits a BAT entry through the tree: checked while typing, flagged by the server once committed, undoable', async () => {
    const free = 3;
    const input = await editEntry(free);
    await waitValue(input, '0');
    await input.fill('0x1_0000_0000');
    await editor.view.locator('.editor-preview.error', { hasText: 'Too large' }).waitFor({ timeout: LONG });
    assert.equal(await input.getAttribute('aria-invalid'), 'true');
    await input.fill('0x100');
    await editor.view.locator('.editor-preview:not(.error)', { hasText: '00 01 00 00' }).waitFor({ timeout: LONG });
    await wb.screenshot('09-field-editor.png');
    await input.press('Enter');
    // Cluster 0x100 is far past the end of the file: the server says so.
    await editor.problemItems().filter({ hasText: 'bat-entry-beyond-eof' }).waitFor({ timeout: LONG });
    await wb.screenshot('10-field-edited.png');
    await editor.focusGrid();
    await wb.page.keyboard.press('Control+Z');
    await editor.problemItems().filter({ hasText: 'bat-entry-beyond-eof' }).waitFor({ state: 'detached', timeout: LONG });
    await wb.page.locator('.tab.dirty').waitFor({ state: 'detached', timeout: LONG });
  });

  it('repairs everything with "Fix all" as one undoable edit', async () => {
    await wb.openFile(basename(twoProblems));
    await editor.waitLoaded();
    await editor.problemItems().nth(1).waitFor({ timeout: LONG });
    const before = await editor.problemItems().allInnerTexts();
    assert.ok(before.some((t) => t.includes('bat-entry-beyond-eof')) && before.some((t) => t.includes('file-size-misaligned')), before.join(' | '));
    await editor.view.locator('.problems button', { hasText: 'Fix all' }).click();
    await editor.view.locator('.problems-summary', { hasText: 'No problems' }).waitFor({ timeout: LONG });
    // The repair completed the cut cluster: the file grew from 288 KiB to 320 KiB.
    await editor.view.locator('.toolbar .title', { hasText: '320 KiB' }).waitFor({ timeout: LONG });
    await wb.screenshot('11-fix-all.png');
    await editor.focusGrid();
    await wb.page.keyboard.press('Control+Z');
    await editor.problemItems().nth(1).waitFor({ timeout: LONG });
    await editor.view.locator('.toolbar .title', { hasText: '288 KiB' }).waitFor({ timeout: LONG });
    await wb.page.locator('.tab.dirty').waitFor({ state: 'detached', timeout: LONG });
  });

  it('keeps the hover card on the byte under the pointer: a wheel scroll hides it, then it opens on the new byte', async () => {
    await editor.goTo('Offset', '0');
    await editor.focusGrid();
    const cell = editor.cell(0x40);
    await cell.hover();
    await editor.card().waitFor({ timeout: LONG });
    await waitAttr(editor.view.locator('.card'), 'aria-label', 'Details of byte 0x40');
    const frame = await wb.webviewFrame(basename(twoProblems));
    const inFrame = await cell.evaluate((c) => {
      const r = c.getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
    });
    // Ten rows down under the still pointer: the card must not go on describing 0x40.
    await wb.page.mouse.wheel(0, 10 * 24);
    const under = await frame.waitForFunction(
      ({ x, y }) => {
        const c = document.elementFromPoint(x, y);
        const row = c?.closest('.row');
        const off = row?.querySelector('.off')?.textContent;
        const col = c instanceof HTMLElement ? c.dataset.col : undefined;
        return off && col !== undefined && parseInt(off, 16) !== 0x40 - (0x40 % 16) ? parseInt(off, 16) + Number(col) : false;
      },
      inFrame,
      { timeout: LONG },
    );
    const now = (await under.jsonValue()) as number;
    assert.ok(now > 0x40, `the grid scrolled: ${now}`);
    await waitAttr(editor.view.locator('.card'), 'aria-label', `Details of byte 0x${now.toString(16)}`);
    assert.ok(await editor.card().isVisible(), 'the card opened on the byte now under the pointer');
    await wb.screenshot('12-hover-after-wheel.png');
    await wb.page.mouse.move(5, 5);
  });

  it('Ctrl+. opens the quick fixes of the selected byte; F8 goes to the next problem', async () => {
    await editor.focusGrid();
    await wb.page.keyboard.press('Control+Home');
    await wb.page.keyboard.press('F8');
    const first = await editor.problemItems().first().innerText();
    const at = Number(/at (0x[0-9a-f]+)/i.exec(first)?.[1] ?? /· (0x[0-9a-f]+)/i.exec(first)?.[1]);
    // Problem rows show offsets as 0x48; the status line as 0x48 too (upper-case digits).
    assert.ok(at > 0, first);
    await waitText(editor.view.locator('.status-offset'), new RegExp(`^Offset 0x${at.toString(16)} `));
    await editor.focusGrid();
    await wb.page.keyboard.press('Control+.');
    await editor.view.locator('.card:not(.hidden) .fix').first().waitFor({ timeout: LONG });
    const frame = await wb.webviewFrame(basename(twoProblems));
    // The card takes the focus once painted (Tab then reaches its fixes): wait for it rather than sample it.
    await frame.waitForFunction(() => document.activeElement?.closest('.card') !== null, undefined, { timeout: LONG });
    assert.match(await editor.card().innerText(), /Extend the file|extend the file|Unmap|unmap/);
    await wb.screenshot('13-ctrl-dot.png');
    await wb.page.keyboard.press('Escape');
    await editor.view.locator('.card').waitFor({ state: 'hidden', timeout: LONG });
  });

  it("a click on a row of VS Code's Problems panel brings the image editor to the front", async () => {
    // VS Code passes the marker's range to text editors only: a custom editor is opened or focused, never told
    // which bytes (microsoft/vscode#94037, #289785). The editor's own problems list and F8 select them.
    await wb.page.locator('.tab', { hasText: basename(image) }).click();
    await wb.page.locator('.tab.active', { hasText: basename(image) }).waitFor({ timeout: LONG });
    await wb.showProblems();
    const fileRow = wb.page.locator('.markers-panel .monaco-list-row[aria-level="1"]', { hasText: basename(twoProblems) });
    if ((await fileRow.getAttribute('aria-expanded')) === 'false') await fileRow.click();
    await wb.page.locator('.markers-panel .monaco-list-row[aria-level="2"]', { hasText: 'bat-entry-beyond-eof' }).first().click();
    await wb.page.locator('.tab.active', { hasText: basename(twoProblems) }).waitFor({ timeout: LONG });
  });

  it('lays out at 1500 x 900 with the Explorer and the Problems panel open, and beside the structure view', async () => {
    await wb.page.setViewportSize({ width: 1500, height: 900 });
    await wb.showProblems();
    await wb.page.locator('.explorer-folders-view').waitFor({ timeout: LONG });
    await wb.page
      .locator('.tab', { hasText: basename(twoProblems) })
      .first()
      .click();
    const frame = await wb.webviewFrame(basename(twoProblems));
    await editor.view.locator('.legend').waitFor({ timeout: LONG });
    const fits = (): Promise<{ legend: boolean; rows: number; asciiFits: boolean }> =>
      frame.evaluate(() => {
        const legend = document.querySelector('.legend')?.getBoundingClientRect();
        const viewport = document.querySelector('.grid-viewport')?.getBoundingClientRect();
        const rows = Array.from(document.querySelectorAll('.grid-viewport .row:not(.hidden)')).filter((r) => {
          const b = r.getBoundingClientRect();
          return viewport !== undefined && b.top >= viewport.top && b.bottom <= viewport.bottom + 0.5;
        });
        const asc = rows[0]?.querySelector('.asc')?.getBoundingClientRect();
        return {
          legend: legend !== undefined && legend.width > 100 && legend.height > 0,
          rows: rows.length,
          asciiFits: asc !== undefined && viewport !== undefined && asc.right <= viewport.right + 0.5,
        };
      });
    await wb.screenshot('14-layout-1500x900.png');
    const wide = await fits();
    assert.ok(wide.legend, 'the legend is shown');
    assert.ok(wide.asciiFits, 'the ASCII column fits');
    // The 288 KiB image has 18432 rows: what is shown is bounded by the window only.
    assert.ok(wide.rows >= 14, `${wide.rows} hex rows with the Problems panel open`);
    await wb.command('hdd-lens: Show Structure View');
    await wb.page
      .locator('.tab.active', { hasText: 'structure' })
      .first()
      .waitFor({ timeout: LONG })
      .catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1000));
    const half = await fits();
    await wb.screenshot('15-layout-beside-structure.png');
    assert.ok(half.asciiFits, 'beside the structure view the grid reflows: its ASCII column still fits');
    assert.ok(half.rows >= 8, `${half.rows} hex rows beside the structure view`);
    await wb.page.setViewportSize({ width: 1600, height: 1000 });
  });

  it('moves the grid with the arrow keys of the tree; a go-to that works is not painted as an error', async () => {
    await wb.command('View: Close All Editors');
    await wb.openFile(basename(twoProblems));
    await editor.waitLoaded();
    await editor.view.locator('.tree-scroller').focus();
    const status = editor.view.locator('.status-offset');
    // Home: the image (offset 0); End: the last node of the tree, far into the file. The grid follows both.
    await wb.page.keyboard.press('Home');
    await waitText(status, /^Offset 0x0 /);
    await wb.page.keyboard.press('End');
    await waitText(status, /^Offset 0x[1-9a-f][0-9a-f]* /);
    await editor.goTo('Guest offset', '0');
    const message = editor.view.locator('.goto-message');
    await waitText(message, /Guest 0x0 → host|not allocated/);
    assert.equal(await message.evaluate((m) => m.classList.contains('error')), false, 'painted as a note, not an error');
  });

  async function waitAttr(l: Locator, name: string, value: string): Promise<void> {
    const deadline = Date.now() + LONG;
    while ((await l.getAttribute(name)) !== value) {
      if (Date.now() > deadline) throw new Error(`${name}="${await l.getAttribute(name)}" never became "${value}"`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Opens the tree's field editor (F2) on BAT entry `i`; returns its input. */
  async function editEntry(i: number): Promise<Locator> {
    await editor.goTo('BAT entry', String(i));
    await editor.view.locator('.tree-row.active', { hasText: `entry ${i}` }).waitFor({ timeout: LONG });
    await editor.view.locator('.tree-scroller').focus();
    await wb.page.keyboard.press('F2');
    const input = editor.view.locator('.editor-input');
    await input.waitFor({ timeout: LONG });
    return input;
  }

  async function waitProblem(): Promise<void> {
    await editor.problemItems().filter({ hasText: CODE }).waitFor({ timeout: LONG });
    await wb.page.locator('.markers-panel .monaco-list-row', { hasText: CODE }).first().waitFor({ timeout: LONG });
  }

  async function waitNoProblem(): Promise<void> {
    await editor.problemItems().filter({ hasText: CODE }).waitFor({ state: 'detached', timeout: LONG });
    await wb.page.locator('.markers-panel .monaco-list-row', { hasText: CODE }).first().waitFor({ state: 'detached', timeout: LONG });
  }
});
