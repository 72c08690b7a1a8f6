/**
 * The bundle's findings by file: DiskDescriptor.xml's at their line and column (a click opens the descriptor
 * there), each image's at their offset (a click opens the image there), and those about other files of the folder.
 */
import type { BundleFileFindings } from '../../shared/protocol';
import { el } from '../dom';
import { Emitter } from '../events';
import { hex } from '../numbers';
import { severityIcon } from '../severity';
import { fileName } from './labels';

/** Rows drawn at most per file (rules fold floods of one problem into one counted finding). */
const MAX_ROWS = 200;

export type FindingClick = { kind: 'descriptor'; line?: number; column?: number } | { kind: 'image'; path: string; offset: number; length: number };

export class FindingsList {
  readonly element: HTMLElement;
  readonly onClick = new Emitter<FindingClick>();
  private readonly summary = el('span', { class: 'problems-summary', attrs: { 'aria-live': 'polite' } });
  private readonly list = el('div', { class: 'bv-findings-list' });

  constructor() {
    this.element = el('section', { class: 'bv-findings', attrs: { 'aria-label': 'Problems of the bundle' } }, [
      el('div', { class: 'pane-head' }, [el('h2', { text: 'Problems' }), this.summary]),
      this.list,
    ]);
  }

  render(files: readonly BundleFileFindings[] | undefined): void {
    const all = (files ?? []).flatMap((f) => f.findings);
    const n = { error: 0, warning: 0, info: 0 };
    for (const f of all) n[f.severity]++;
    this.summary.textContent =
      files === undefined ? 'not checked' : all.length === 0 ? 'No problems' : `${n.error} errors, ${n.warning} warnings, ${n.info} info`;
    this.list.replaceChildren(...(files ?? []).filter((f) => f.findings.length > 0).map((f) => this.group(f)));
  }

  private group(file: BundleFileFindings): HTMLElement {
    const rows = file.findings.slice(0, MAX_ROWS).map((f) => {
      const where = file.kind === 'descriptor' ? (f.line !== undefined ? `line ${f.line}:${f.column ?? 1}` : '') : hex(f.offset);
      const row = el('div', { class: 'problem bv-problem', attrs: { 'data-code': f.code } }, [
        severityIcon(f.severity),
        el('span', { class: 'problem-text', text: f.message }),
        el('span', { class: 'code', text: `${f.code}${where ? ` · ${where}` : ''}` }),
      ]);
      if (file.kind === 'descriptor')
        row.addEventListener('click', () =>
          this.onClick.emit({ kind: 'descriptor', ...(f.line !== undefined ? { line: f.line, column: f.column ?? 1 } : {}) }),
        );
      else if (file.kind === 'image')
        row.addEventListener('click', () => this.onClick.emit({ kind: 'image', path: file.path, offset: f.offset, length: Math.max(1, f.length) }));
      return row;
    });
    if (file.findings.length > MAX_ROWS) rows.push(el('div', { class: 'card-muted', text: `… and ${file.findings.length - MAX_ROWS} more` }));
    return el('div', { class: 'bv-file-group', attrs: { 'data-path': file.path } }, [
      el('h3', { class: 'bv-file-name', text: fileName(file.path), title: file.path }),
      ...rows,
    ]);
  }
}
