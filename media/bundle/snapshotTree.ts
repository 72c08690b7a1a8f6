/**
 * The snapshot tree of a bundle: every snapshot under its parent (roots first; a snapshot whose chain does not
 * reach a root is listed at the top level), marked top / active chain / inactive, each with its image in every
 * storage (header summary, findings) and the actions on it: show its guest disk, open an image, repair one.
 */
import type { BundleFindingReport } from '../../shared/bundle/report';
import type { BundleSummary, ImageSummary, SnapshotSummary } from '../../shared/bundle/report';
import { button, el } from '../dom';
import { Emitter } from '../events';
import { hex } from '../numbers';
import { severityIcon } from '../severity';
import { fileName, imageText, roleText } from './labels';

/** Findings listed under an image at most (the problems pane lists them all). */
const INLINE_FINDINGS = 5;

export type TreeEvent =
  | { type: 'select'; snapshot: string }
  | { type: 'open'; path: string; offset?: number; length?: number }
  | { type: 'repair'; path: string }
  | { type: 'convert'; snapshot: string };

export class SnapshotTree {
  readonly element = el('div', { class: 'bv-tree', attrs: { role: 'tree', 'aria-label': 'Snapshots' } });
  readonly onEvent = new Emitter<TreeEvent>();
  private selected: string | undefined;

  render(summary: BundleSummary, findings: ReadonlyMap<string, BundleFindingReport[]>, selected: string | undefined): void {
    this.selected = selected;
    const byGuid = new Map(summary.snapshots.map((s) => [s.guid, s]));
    const shown = new Set<string>();
    const node = (s: SnapshotSummary): HTMLElement => {
      shown.add(s.guid);
      const children = s.children.map((g) => byGuid.get(g)).filter((c): c is SnapshotSummary => c !== undefined && !shown.has(c.guid));
      const li = el('li', { attrs: { role: 'treeitem', 'aria-expanded': 'true' } }, [this.row(s, findings)]);
      if (children.length > 0) li.append(el('ul', { attrs: { role: 'group' } }, children.map(node)));
      return li;
    };
    const roots = summary.snapshots.filter((s) => s.parent === null || !byGuid.has(s.parent));
    const items = roots.map(node);
    // Snapshots of a cycle reach no root: shown too, at the top level.
    for (const s of summary.snapshots) if (!shown.has(s.guid)) items.push(node(s));
    this.element.replaceChildren(el('ul', {}, items));
  }

  /** Marks the snapshot whose guest disk is shown. */
  select(guid: string | undefined): void {
    this.selected = guid;
    for (const r of this.element.querySelectorAll<HTMLElement>('.bv-shot')) r.classList.toggle('selected', r.dataset.guid === guid);
  }

  private row(s: SnapshotSummary, findings: ReadonlyMap<string, BundleFindingReport[]>): HTMLElement {
    const head = el('div', { class: 'bv-shot-head' }, [
      el('span', { class: `bv-badge bv-role-${s.top ? 'top' : s.active ? 'active' : 'inactive'}`, text: roleText(s) }),
      el('span', { class: 'bv-guid', text: s.guid, title: s.parent === null ? 'root (no parent)' : `parent ${s.parent}` }),
      ...(s.temporary ? [el('span', { class: 'bv-badge bv-temporary', text: 'temporary' })] : []),
      el('span', { class: 'spacer' }),
      button('Guest disk', () => this.onEvent.emit({ type: 'select', snapshot: s.guid }), { title: 'Show the guest disk of this snapshot through its chain' }),
      button('Convert…', () => this.onEvent.emit({ type: 'convert', snapshot: s.guid }), { title: 'Write the guest disk of this snapshot to a raw file' }),
    ]);
    const row = el('div', { class: `bv-shot${s.guid === this.selected ? ' selected' : ''}`, attrs: { 'data-guid': s.guid } }, [head]);
    head.addEventListener('click', () => this.onEvent.emit({ type: 'select', snapshot: s.guid }));
    for (const img of s.images) row.append(this.image(img, findings.get(img.path) ?? []));
    if (s.images.length === 0) row.append(el('div', { class: 'bv-image card-muted', text: 'no <Image> names this snapshot' }));
    return row;
  }

  private image(img: ImageSummary, findings: readonly BundleFindingReport[]): HTMLElement {
    const name = el('span', {
      class: 'bv-file',
      text: `${img.storage > 0 ? `storage ${img.storage}: ` : ''}${fileName(img.file || img.path)}`,
      title: img.path,
    });
    const actions: HTMLElement[] = [];
    if (img.exists)
      actions.push(button('Open', () => this.onEvent.emit({ type: 'open', path: img.path }), { title: 'Open the image in the hdd-lens image editor' }));
    if (findings.some((f) => f.repair !== undefined))
      actions.push(
        button('Repair…', () => this.onEvent.emit({ type: 'repair', path: img.path }), {
          title: 'Repair this image on disk with the command line repair (asked first)',
        }),
      );
    const box = el('div', { class: 'bv-image', attrs: { 'data-path': img.path } }, [
      el('div', { class: 'bv-image-head' }, [name, el('span', { class: 'bv-summary', text: imageText(img) }), el('span', { class: 'spacer' }), ...actions]),
    ]);
    if (findings.length > 0) {
      const list = el(
        'ul',
        { class: 'bv-image-findings' },
        findings.slice(0, INLINE_FINDINGS).map((f) => {
          const item = el('li', { class: 'bv-finding', title: `${f.code} at ${hex(f.offset)}` }, [severityIcon(f.severity), el('span', { text: f.message })]);
          item.addEventListener('click', () => this.onEvent.emit({ type: 'open', path: img.path, offset: f.offset, length: f.length }));
          return item;
        }),
      );
      if (findings.length > INLINE_FINDINGS) list.append(el('li', { class: 'card-muted', text: `… and ${findings.length - INLINE_FINDINGS} more (Problems)` }));
      box.append(list);
    }
    return box;
  }
}
