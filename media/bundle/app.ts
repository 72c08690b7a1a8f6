/**
 * The bundle view's layout and wiring:
 *
 *   toolbar (bundle, disk, Check / Fix / Convert / DiskDescriptor.xml / Refresh)
 *   notices (how the top was found, what keeps the disk from being read, orphans)
 *   snapshot tree | guest disk of the chosen snapshot + problems by file
 */
import type { BundleBoot, BundleAction, ToBundleView } from '../../shared/bundleViewProtocol';
import type { BundleFindingReport } from '../../shared/bundle/report';
import type { BundleSummary } from '../../shared/bundle/report';
import type { BundleViewResult } from '../../shared/protocol';
import { button, el } from '../dom';
import { sizeText } from '../numbers';
import type { Channel } from './channel';
import { FindingsList } from './findingsList';
import { GuestDisk } from './guestDisk';
import { fileName } from './labels';
import { SnapshotTree } from './snapshotTree';

const TOP_HOW: Record<BundleSummary['top']['how'], string> = {
  'top-guid': 'top named by TopGUID',
  predefined: 'top: the predefined GUID {5fbaabe3-…}',
  'unique-leaf': 'top guessed: the only leaf of the tree',
  unresolved: 'top not resolvable',
};

export class BundleApp {
  data: BundleViewResult | undefined;
  focus: string | undefined;
  readonly tree = new SnapshotTree();
  readonly disk = new GuestDisk();
  readonly findings = new FindingsList();
  private readonly title = el('span', { class: 'title' });
  private readonly status = el('div', { class: 'bv-status', attrs: { role: 'status', 'aria-live': 'polite' } });
  private readonly notices = el('div', { class: 'bv-notices' });

  constructor(
    private readonly channel: Channel,
    root: HTMLElement,
    boot: BundleBoot,
  ) {
    this.focus = boot.snapshot;
    this.title.textContent = boot.name;
    this.title.title = boot.dir;
    const act = (action: BundleAction, label: string, title: string): HTMLButtonElement =>
      button(label, () => channel.post({ type: 'action', action }), { title });
    const toolbar = el('header', { class: 'toolbar' }, [
      this.title,
      el('span', { class: 'spacer' }),
      act('check', 'Check', 'Check the bundle: findings in the Problems panel'),
      act('fix', 'Fix…', 'Write the descriptor fixes and repair the top image on disk (asked first; the descriptor keeps a .Backup)'),
      act('convert', 'Convert…', 'Write the guest disk of the top (or a snapshot) to a raw file'),
      button('DiskDescriptor.xml', () => channel.post({ type: 'openDescriptor' }), { title: 'Open the descriptor as text' }),
      act('refresh', 'Refresh', 'Read the bundle again'),
    ]);
    const left = el('section', { class: 'bv-left', attrs: { 'aria-label': 'Snapshots' } }, [
      el('div', { class: 'pane-head' }, [el('h2', { text: 'Snapshots' })]),
      this.tree.element,
    ]);
    const right = el('section', { class: 'bv-right' }, [this.disk.element, this.findings.element]);
    root.classList.add('bundle-view');
    root.replaceChildren(toolbar, this.status, this.notices, el('div', { class: 'bv-panes' }, [left, right]));

    this.tree.onEvent.on((e) => {
      if (e.type === 'select') this.choose(e.snapshot);
      else if (e.type === 'open')
        channel.post({ type: 'openImage', path: e.path, ...(e.offset === undefined ? {} : { offset: e.offset, length: e.length ?? 1 }) });
      else if (e.type === 'repair') channel.post({ type: 'repairImage', path: e.path });
      else channel.post({ type: 'action', action: 'convert', snapshot: e.snapshot });
    });
    this.disk.onOpen.on((at) => channel.post({ type: 'openImage', path: at.path, offset: at.offset, length: at.length }));
    this.findings.onClick.on((c) => {
      if (c.kind === 'descriptor') channel.post({ type: 'openDescriptor', ...(c.line === undefined ? {} : { line: c.line, column: c.column ?? 1 }) });
      else channel.post({ type: 'openImage', path: c.path, offset: c.offset, length: c.length });
    });
    channel.onMessage.on((m) => this.handle(m));
    this.status.textContent = `Reading ${boot.name}…`;
  }

  private handle(m: ToBundleView): void {
    switch (m.type) {
      case 'loading':
        this.status.textContent = m.what;
        this.status.classList.remove('bv-error');
        return;
      case 'data':
        return this.show(m.data, m.focus);
      case 'chain':
        this.status.textContent = '';
        this.focus = m.snapshot;
        this.tree.select(m.snapshot);
        this.disk.show(m.snapshot, m.chain, m.error);
        return;
    }
  }

  private show(data: BundleViewResult, focus: string | undefined): void {
    this.data = data;
    this.status.classList.toggle('bv-error', data.error !== undefined);
    this.status.textContent = data.error ?? '';
    const s = data.summary;
    if (!s) {
      this.notices.replaceChildren();
      return;
    }
    this.focus = data.chain?.snapshot ?? focus ?? s.top.guid ?? undefined;
    const storages = s.storages.length > 1 ? ` · ${s.storages.length} storages (split)` : '';
    this.title.textContent = `${fileName(data.dir)} · ${s.disk.size === null ? 'size unknown' : sizeText(s.disk.size)} · ${s.snapshots.length} snapshot(s)${storages} · ${TOP_HOW[s.top.how]}`;
    this.notices.replaceChildren(...notices(s));
    const byFile = new Map<string, BundleFindingReport[]>((data.files ?? []).map((f) => [f.path, f.findings]));
    this.tree.render(s, byFile, this.focus);
    this.findings.render(data.files);
    if (this.focus !== undefined) this.disk.show(this.focus, data.chain, data.chainError);
    else this.disk.show('the top', undefined, data.chainError ?? s.top.reason ?? 'the top is not resolvable: choose a snapshot');
  }

  /** Shows the guest disk of a snapshot (the host reads its chain). */
  private choose(snapshot: string): void {
    this.focus = snapshot;
    this.tree.select(snapshot);
    this.channel.post({ type: 'snapshot', snapshot });
  }
}

/** What a person must know before trusting the picture: a guessed or missing top, encryption, padding, orphans. */
function notices(s: BundleSummary): HTMLElement[] {
  const out: string[] = [];
  if (s.top.how === 'unresolved') out.push(`The top is not resolvable (${s.top.reason ?? 'no reason given'}): choose a snapshot to see its guest disk.`);
  if (s.top.how === 'unique-leaf') out.push('No TopGUID and no predefined top GUID: the top is a guess (the only leaf of the tree).');
  if (s.disk.encrypted) out.push('The disk is encrypted: its clusters cannot be read as a disk.');
  if (s.disk.padding !== null && s.disk.padding !== 0)
    out.push(`Padding=${s.disk.padding}: the layout of padded disks is undocumented; hdd-lens does not read or convert them.`);
  if (s.orphans.length > 0) out.push(`Files no <Image> names (orphans, never deleted): ${s.orphans.join(', ')}`);
  return out.map((t) => el('div', { class: 'bv-notice', text: t }));
}
