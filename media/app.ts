/**
 * Builds the editor's layout and wires its parts to each other and to the host's messages:
 *
 *   toolbar (file, go to)
 *   banner (an image of a disk bundle: which, and a way to the whole)
 *   structure tree + field editor | hex grid | allocation map + problems
 *   status line
 */
import { button, el } from './dom';
import { debounce } from './events';
import { AllocationMap } from './allocationMap';
import { Banner } from './banner';
import { FieldEditor } from './fieldEditor';
import { GoTo } from './goTo';
import { HexGrid } from './hexGrid';
import type { Host, HostEvent } from './host';
import { HoverCard } from './hoverCard';
import type { WebviewBoot } from '../shared/webviewProtocol';
import { REGION_KIND_INFO, REGION_KINDS } from '../shared/format/regionKinds';
import { Model } from './model';
import { sizeText } from './numbers';
import { ProblemsList } from './problemsList';
import { StatusLine } from './statusLine';
import { StructureTree } from './structureTree';

interface SavedState {
  fileName: string;
  anchor: number;
  active: number;
  topRow: number;
}

export class App {
  readonly model: Model;
  readonly grid: HexGrid;
  readonly tree: StructureTree;
  private readonly title = el('span', { class: 'title' });
  private readonly banner: Banner;
  private firstFindings = true;
  /** Started from the page's HTML, and the host's `init` has not come yet. */
  private booted = false;

  constructor(
    private readonly host: Host,
    root: HTMLElement,
  ) {
    const model = (this.model = new Model(host));
    const grid = (this.grid = new HexGrid(model));
    const card = new HoverCard(model, host);
    const tree = (this.tree = new StructureTree(model, host));
    const editor = new FieldEditor(model, host);
    const map = new AllocationMap(model, host);
    const problems = new ProblemsList(model, host, card);
    const goTo = new GoTo(model, host, (i) => tree.batEntryOffset(i));
    const status = new StatusLine(model);
    this.banner = new Banner((command) => host.post({ type: 'command', command }));

    grid.onHover.on((ev) => card.hover(ev));
    grid.onActivate.on((ev) => void card.show(ev.offset, ev.rect, true));
    grid.onQuickFix.on((ev) => void card.show(ev.offset, ev.rect, true, true));
    grid.onEscape.on(() => card.hide());
    grid.onProblemKey.on((dir) => problems.step(dir));
    grid.onGotoKey.on(() => goTo.focus());
    grid.onViewport.on((v) => map.setViewport(v));
    tree.onEdit.on((n) => void editor.open(n));
    // A pinned card closes when the person clicks anywhere else.
    document.addEventListener('pointerdown', (e) => {
      if (card.visible && e.target instanceof Node && !card.element.contains(e.target)) card.hide();
    });

    // Once per checked state: its findings are pushed when it is checked (an edit's `changed` comes before them, and
    // a request then would wait for the same state anyway). Debounced over a burst of states.
    const refreshViews = debounce(() => {
      void tree.load();
      void map.load();
    }, 300);
    model.onFindings.on(refreshViews);
    model.onSelection.on(debounce(() => host.post({ type: 'selection', offset: model.selStart, length: model.selLength }), 100));
    // Keep the place across the page being discarded while its tab is hidden.
    const save = debounce(
      () => host.saveState({ fileName: model.fileName, anchor: model.anchor, active: model.active, topRow: grid.firstRow } satisfies SavedState),
      200,
    );
    model.onSelection.on(save);
    grid.onViewport.on(save);

    const run = (command: string, label: string, title: string): HTMLButtonElement => button(label, () => host.post({ type: 'command', command }), { title });
    const toolbar = el('header', { class: 'toolbar' }, [
      this.title,
      legend(),
      el('span', { class: 'spacer' }),
      goTo.element,
      run('hddLens.checkImage', 'Check', 'Check the image again and show the report'),
      run('hddLens.showStructure', 'Text view', 'Open the annotated text view of the structure'),
      run('hddLens.convertToRaw', 'Convert…', 'Write the guest disk to a raw image'),
    ]);
    const left = el('aside', { class: 'side left' }, [tree.element, editor.element]);
    const center = el('main', { class: 'center' }, [grid.element]);
    const right = el('aside', { class: 'side right' }, [map.element, problems.element]);
    root.classList.add('app');
    root.replaceChildren(toolbar, this.banner.element, el('div', { class: 'panes' }, [left, center, right]), status.element, card.element);
    host.onEvent.on((e) => this.handle(e));
  }

  private showTitle(): void {
    const m = this.model;
    this.title.textContent = `${m.fileName} · ${sizeText(m.size)}${m.readOnly ? ' · read-only' : ''}`;
  }

  private restore(fileName: string): void {
    const s = this.host.savedState as Partial<SavedState> | undefined;
    if (!s || s.fileName !== fileName || typeof s.active !== 'number' || typeof s.anchor !== 'number') return;
    this.grid.scrollTo(typeof s.topRow === 'number' ? s.topRow : 0);
    this.model.select(Math.min(s.anchor, s.active), Math.abs(s.active - s.anchor) + 1, { source: 'host', reveal: false });
  }

  /** The first state from the page's HTML: the grid paints from it before the host has said anything. */
  boot(b: WebviewBoot): void {
    this.start(
      b.fileName,
      b.size,
      b.readOnly,
      Uint8Array.from(atob(b.head), (c) => c.charCodeAt(0)),
    );
    this.booted = true;
  }

  private start(fileName: string, size: number, readOnly: boolean, head?: Uint8Array): void {
    performance.mark('hddlens-init');
    this.model.init(fileName, size, readOnly, head);
    this.restore(fileName);
    this.showTitle();
    this.grid.focus();
  }

  private handle(e: HostEvent): void {
    switch (e.type) {
      case 'init': {
        // The same state the page booted with: keep what it has (a change since comes as `changed`).
        const m = this.model;
        const same = this.booted && m.fileName === e.fileName && m.size === e.size && m.readOnly === e.readOnly;
        this.booted = false;
        if (!same) this.start(e.fileName, e.size, e.readOnly);
        break;
      }
      case 'changed':
        this.model.changed(e.size, e.ranges);
        this.showTitle();
        break;
      case 'findings':
        // Marks for measurements (the e2e tests read them): when findings first came, and each batch's size.
        if (this.firstFindings) performance.mark('hddlens-first-findings');
        performance.mark('hddlens-findings', { detail: { version: e.version, count: e.findings.length } });
        this.firstFindings = false;
        this.model.setFindings(e.version, e.findings);
        break;
      case 'reveal':
        this.model.select(e.offset, e.length, { source: 'host', reveal: true });
        break;
      case 'showFixes':
        this.grid.quickFix();
        break;
      case 'banner':
        this.banner.show(e.banner);
        break;
    }
  }
}

/** What the grid's colours mean (the status line and the card name the region of one byte). */
function legend(): HTMLElement {
  const kinds = REGION_KINDS.flatMap((k) => {
    const label = REGION_KIND_INFO[k].legend;
    return label === undefined ? [] : [[k, label] as const];
  });
  return el(
    'span',
    { class: 'legend', attrs: { 'aria-label': 'Colours of the grid' } },
    kinds.map(([k, label]) => el('span', { class: `legend-item b k-${k}`, text: label })),
  );
}
