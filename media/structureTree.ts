/**
 * The decoded structure from hddLens/structure as a tree: header fields, the BAT in pages (each page's entries
 * fetched when it is expanded), extension features, bitmaps. Linked both ways with the grid: activating a node
 * selects its bytes; moving the grid's selection highlights the deepest node there (expanding, and loading a BAT
 * page, as needed). Rows are virtualised (a 16M-entry BAT has thousands of pages) and keyboard driven as an ARIA
 * tree.
 */
import type { StructureNode } from '../shared/protocol';
import { button, el } from './dom';
import { debounce, Emitter } from './events';
import { editable } from './fieldEditor';
import type { Host } from './host';
import type { Model } from './model';
import type { Severity } from '../shared/check/finding';
import { icon } from './icons';
import { severityIcon } from './severity';
import { hex } from './numbers';

const ROW_HEIGHT = 22;
/** A BAT entry is a 32-bit little-endian integer (QEMU docs/interop/parallels.rst); used only to locate entry N for "go to". */
export const BAT_ENTRY_BYTES = 4;

export interface TreeNode {
  data: StructureNode;
  parent: TreeNode | undefined;
  depth: number;
  key: string;
  children: TreeNode[] | undefined;
  expanded: boolean;
  loading: boolean;
}

export class StructureTree {
  readonly element: HTMLElement;
  /** The user asked to edit a node's value (F2, double click, the pencil). */
  readonly onEdit = new Emitter<TreeNode>();
  private readonly scroller = el('div', { class: 'tree-scroller', attrs: { role: 'tree', tabindex: '0', 'aria-label': 'Structure' } });
  private readonly spacer = el('div', { class: 'tree-spacer' });
  private readonly status = el('div', { class: 'card-muted tree-status', attrs: { 'aria-live': 'polite' } });
  private root: TreeNode | undefined;
  private flat: TreeNode[] = [];
  private active = 0;
  private readonly expandedKeys = new Set<string>();
  private loadSeq = 0;
  private loading: Promise<void> = Promise.resolve();
  readonly refresh = debounce(() => void this.load(), 250);
  private readonly followSoon = debounce(() => void this.follow(this.model.active), 150);

  constructor(
    private readonly model: Model,
    private readonly host: Host,
  ) {
    this.scroller.append(this.spacer);
    this.element = el('section', { class: 'pane tree', attrs: { 'aria-label': 'Structure' } }, [
      el('div', { class: 'pane-head' }, [el('h2', { text: 'Structure' })]),
      this.status,
      this.scroller,
    ]);
    this.scroller.addEventListener('scroll', () => this.render());
    this.scroller.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => {
      this.scrollActiveIntoView();
      this.render();
    }).observe(this.scroller);
    model.onInit.on(() => {
      this.expandedKeys.clear();
      void this.load();
    });
    model.onSelection.on((c) => {
      if (c.source !== 'tree') this.followSoon();
    });
  }

  /**
   * Offset of BAT entry `index`, from the BAT node's place in the tree (waiting for a load in progress: on a huge
   * image the first structure comes a second or two after the bytes); an error text when there is none.
   */
  async batEntryOffset(index: number): Promise<number | string> {
    await this.loading;
    const bat = this.root && find(this.root, (n) => n.data.kind === 'bat');
    if (!bat) return 'The structure has no BAT';
    const entries = Math.floor(bat.data.length / BAT_ENTRY_BYTES);
    if (index >= entries) return `BAT entry ${index} does not exist: the BAT has ${entries} entries`;
    return bat.data.offset + index * BAT_ENTRY_BYTES;
  }

  focus(): void {
    this.scroller.focus();
  }

  load(): Promise<void> {
    this.loading = this.fetchTree();
    return this.loading;
  }

  private async fetchTree(): Promise<void> {
    const seq = ++this.loadSeq;
    let data: StructureNode | null;
    try {
      data = await this.host.request('structure', {});
    } catch (e) {
      this.status.textContent = `No structure: ${String(e)}`;
      return;
    }
    if (seq !== this.loadSeq) return;
    this.status.textContent = !data
      ? 'This file is not a Parallels image the server can decode.'
      : data.length === 0
        ? 'The file is empty.'
        : data.children?.some((c) => c.undecodable)
          ? 'Not a Parallels image (no magic): the greyed values are its bytes as a header would read them, not real header values.'
          : '';
    this.root = data ? this.wrap(data, undefined, 0) : undefined;
    if (this.root && this.expandedKeys.size === 0) this.expandDefault(this.root);
    await this.reloadExpandedPages(seq);
    if (seq !== this.loadSeq) return;
    this.reflow();
    this.followSoon();
  }

  private wrap(data: StructureNode, parent: TreeNode | undefined, depth: number): TreeNode {
    const key = `${parent?.key ?? ''}/${data.kind}@${data.offset}+${data.length}`;
    const node: TreeNode = { data, parent, depth, key, children: undefined, expanded: this.expandedKeys.has(key), loading: false };
    node.children = data.children?.map((c) => this.wrap(c, node, depth + 1));
    return node;
  }

  /** First open: the image and its header are shown expanded. */
  private expandDefault(root: TreeNode): void {
    this.setExpanded(root, true);
    for (const c of root.children ?? []) if (c.data.kind === 'header') this.setExpanded(c, true);
  }

  private setExpanded(n: TreeNode, on: boolean): void {
    n.expanded = on;
    if (on) this.expandedKeys.add(n.key);
    else this.expandedKeys.delete(n.key);
  }

  /** After a refresh, BAT pages that were open are fetched again, so the tree keeps its shape across edits. */
  private async reloadExpandedPages(seq: number): Promise<void> {
    const pages: TreeNode[] = [];
    if (this.root)
      walk(this.root, (n) => {
        if (n.expanded && !n.children && n.data.batPage !== undefined) pages.push(n);
      });
    await Promise.all(pages.map((p) => this.loadPage(p, seq)));
  }

  private async loadPage(n: TreeNode, seq = this.loadSeq): Promise<void> {
    if (n.children || n.loading || n.data.batPage === undefined) return;
    n.loading = true;
    try {
      const page = await this.host.request('structure', { batPage: n.data.batPage });
      if (seq !== this.loadSeq) return;
      n.children = (page?.children ?? []).map((c) => this.wrap(c, n, n.depth + 1));
    } catch (e) {
      this.status.textContent = `BAT page ${n.data.batPage}: ${String(e)}`;
    } finally {
      n.loading = false;
    }
  }

  private expandable(n: TreeNode): boolean {
    return (n.children?.length ?? 0) > 0 || (n.children === undefined && n.data.batPage !== undefined);
  }

  private async toggle(n: TreeNode, on = !n.expanded): Promise<void> {
    if (!this.expandable(n)) return;
    this.setExpanded(n, on);
    if (on && !n.children) {
      this.reflow();
      await this.loadPage(n);
    }
    this.reflow();
  }

  /** Recomputes the visible rows (depth-first over expanded nodes) and redraws. */
  private reflow(): void {
    const current = this.flat[this.active];
    this.flat = [];
    const visit = (n: TreeNode): void => {
      this.flat.push(n);
      if (n.expanded) for (const c of n.children ?? []) visit(c);
    };
    if (this.root) visit(this.root);
    const again = current ? this.flat.findIndex((n) => n.key === current.key) : -1;
    this.active = again >= 0 ? again : Math.min(this.active, Math.max(0, this.flat.length - 1));
    this.spacer.style.height = `${this.flat.length * ROW_HEIGHT}px`;
    this.render();
  }

  private render(): void {
    const first = Math.max(0, Math.floor(this.scroller.scrollTop / ROW_HEIGHT) - 2);
    const count = Math.ceil(this.scroller.clientHeight / ROW_HEIGHT) + 4;
    const rows: HTMLElement[] = [];
    for (let i = first; i < Math.min(this.flat.length, first + count); i++) rows.push(this.row(this.flat[i], i));
    this.spacer.replaceChildren(...rows);
    const activeRow = rows.find((r) => r.dataset.index === String(this.active));
    if (activeRow) this.scroller.setAttribute('aria-activedescendant', activeRow.id);
    else this.scroller.removeAttribute('aria-activedescendant');
  }

  private row(n: TreeNode, i: number): HTMLElement {
    const d = n.data;
    const canExpand = this.expandable(n);
    const twisty = canExpand
      ? icon(n.loading ? 'loading' : n.expanded ? 'chevron-down' : 'chevron-right', undefined, 'twisty')
      : el('span', { class: 'twisty' });
    const parts: Array<HTMLElement | string> = [twisty, el('span', { class: 'label', text: d.label })];
    // The whole value in the tooltip: a narrow tree cuts it with an ellipsis.
    if (d.value !== undefined) parts.push(el('span', { class: 'value', text: d.value, attrs: { title: d.value } }));
    if (d.problems && d.problems.length > 0) {
      const sev = this.worstSeverity(d);
      parts.push(el('span', { class: `badge sev-${sev}`, title: d.problems.join(', ') }, [severityIcon(sev), ` ${d.problems.length}`]));
    }
    if (editable(d, this.model.readOnly))
      parts.push(
        button([icon('edit')], () => this.onEdit.emit(n), {
          class: 'edit',
          title: `Edit ${d.label}`,
          attrs: { tabindex: '-1', 'aria-label': `Edit ${d.label}` },
        }),
      );
    const attrs: Record<string, string> = {
      role: 'treeitem',
      id: `tree-${i}`,
      'data-index': String(i),
      'aria-level': String(n.depth + 1),
      'aria-selected': String(i === this.active),
      title: `${d.detail ? d.detail + '\n' : ''}${hex(d.offset)}, ${d.length} bytes`,
    };
    if (canExpand) attrs['aria-expanded'] = String(n.expanded);
    const problems = d.problems?.length ? ` has-problems problems-${this.worstSeverity(d)}` : '';
    const row = el('div', { class: `tree-row${i === this.active ? ' active' : ''}${problems}${d.undecodable ? ' undecodable' : ''}`, attrs }, parts);
    row.style.transform = `translateY(${i * ROW_HEIGHT}px)`;
    row.style.paddingLeft = `${4 + n.depth * 14}px`;
    twisty.addEventListener('click', (e) => {
      e.stopPropagation();
      void this.toggle(n);
    });
    row.addEventListener('click', () => this.activate(i, true));
    row.addEventListener('dblclick', () => {
      if (editable(d, this.model.readOnly)) this.onEdit.emit(n);
      else void this.toggle(n);
    });
    return row;
  }

  /** The most severe finding on a node's bytes among the codes it lists (the tree node carries codes only). */
  private worstSeverity(d: StructureNode): Severity {
    const codes = new Set(d.problems ?? []);
    let worst: Severity = 'info';
    for (const f of this.model.findings) {
      if (!codes.has(f.code) || f.offset >= d.offset + Math.max(1, d.length) || f.offset + Math.max(1, f.length) <= d.offset) continue;
      if (f.severity === 'error') return 'error';
      if (f.severity === 'warning') worst = 'warning';
    }
    return worst;
  }

  /** Makes row `i` the active one; `select` also selects its bytes in the grid. */
  private activate(i: number, select: boolean): void {
    this.active = Math.max(0, Math.min(this.flat.length - 1, i));
    this.scrollActiveIntoView();
    this.render();
    const n = this.flat[this.active];
    if (select && n) this.model.select(n.data.offset, Math.max(1, n.data.length), { source: 'tree', reveal: true });
  }

  private scrollActiveIntoView(): void {
    const top = this.active * ROW_HEIGHT;
    const s = this.scroller;
    if (top < s.scrollTop) s.scrollTop = top;
    else if (top + ROW_HEIGHT > s.scrollTop + s.clientHeight) s.scrollTop = top + ROW_HEIGHT - s.clientHeight;
  }

  private onKey(e: KeyboardEvent): void {
    const n = this.flat[this.active];
    if (!n) return;
    const pageRows = Math.max(1, Math.floor(this.scroller.clientHeight / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: pageRows, PageUp: -pageRows, Home: -Infinity, End: Infinity };
    let handled = true;
    // Moving through the tree moves the grid too: the grid and the tree follow each other.
    if (e.key in moves) this.activate(clampIndex(this.active + moves[e.key], this.flat.length), true);
    else if (e.key === 'ArrowRight') {
      if (this.expandable(n) && !n.expanded) void this.toggle(n, true);
      else if (n.expanded && n.children?.length) this.activate(this.active + 1, true);
    } else if (e.key === 'ArrowLeft') {
      if (n.expanded) void this.toggle(n, false);
      else if (n.parent) this.activate(this.flat.indexOf(n.parent), true);
    } else if (e.key === 'Enter' || e.key === ' ') this.activate(this.active, true);
    else if (e.key === 'F2' && editable(n.data, this.model.readOnly)) this.onEdit.emit(n);
    else handled = false;
    if (handled) e.preventDefault();
  }

  /** Highlights the deepest node holding `offset`, opening its ancestors and loading its BAT page if needed. */
  private async follow(offset: number): Promise<void> {
    let n = this.root;
    if (!n || !contains(n.data, offset)) return;
    for (;;) {
      if (!n.children && n.data.batPage !== undefined) await this.loadPage(n);
      const child: TreeNode | undefined = n.children?.find((c) => contains(c.data, offset));
      if (!child) break;
      if (!n.expanded) this.setExpanded(n, true);
      n = child;
    }
    this.reflow();
    const i = this.flat.indexOf(n);
    if (i >= 0) this.activate(i, false);
  }
}

function contains(d: StructureNode, offset: number): boolean {
  return offset >= d.offset && offset < d.offset + Math.max(1, d.length);
}

function clampIndex(i: number, length: number): number {
  return Math.max(0, Math.min(length - 1, i));
}

function walk(n: TreeNode, visit: (n: TreeNode) => void): void {
  visit(n);
  for (const c of n.children ?? []) walk(c, visit);
}

function find(n: TreeNode, test: (n: TreeNode) => boolean): TreeNode | undefined {
  if (test(n)) return n;
  for (const c of n.children ?? []) {
    const hit = find(c, test);
    if (hit) return hit;
  }
  return undefined;
}
