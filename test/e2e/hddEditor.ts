/** The hdd-lens editor's webview as the tests see it: its panes and the byte cells of the grid. */
import type { FrameLocator, Locator } from 'playwright-core';
import { LONG, type Workbench } from './workbench';

export class HddEditor {
  readonly view: FrameLocator;

  constructor(readonly wb: Workbench) {
    this.view = wb.webview();
  }

  /** Waits until the structure tree, the coloured grid and the problems list are there. */
  async waitLoaded(): Promise<void> {
    await this.view.locator('.tree-row', { hasText: 'BAT' }).first().waitFor({ timeout: LONG });
    await this.view.locator('.grid-viewport .b.k-bat').first().waitFor({ timeout: LONG });
    await this.view.locator('.grid-viewport .b.k-header').first().waitFor({ timeout: LONG });
  }

  /** The hex cell of a byte on screen (its row shows the offset in hex, padded to the grid's width). */
  cell(offset: number, digits = 8): Locator {
    const rowText = (offset - (offset % 16)).toString(16).toUpperCase().padStart(digits, '0');
    const row = this.view.locator('.grid-viewport .row:not(.hidden)').filter({ has: this.view.locator('.off', { hasText: new RegExp(`^${rowText}$`) }) });
    return row.locator('.hex .b').nth(offset % 16);
  }

  card(): Locator {
    return this.view.locator('.card:not(.hidden)');
  }

  problemItems(): Locator {
    return this.view.locator('.problems .problem');
  }

  /** Uses the go-to box: mode is the option's text ("Offset", "Guest offset", "BAT entry"). */
  async goTo(mode: 'Offset' | 'Guest offset' | 'BAT entry', value: string): Promise<void> {
    await this.view.locator('.goto select').selectOption({ label: mode });
    await this.view.locator('.goto input').fill(value);
    await this.view.locator('.goto input').press('Enter');
  }

  /** Focuses the grid (without moving the selection) so that keys go to the editor. */
  async focusGrid(): Promise<void> {
    await this.view.locator('.grid').focus();
  }
}
