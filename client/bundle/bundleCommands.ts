/**
 * The commands on disk bundles: open the bundle view, Check, Convert to Raw and Fix, with the same progress and
 * undo rules as on an image (check: Problems panel; convert: the CLI with a cancellable progress; fix: undoable
 * edits that nothing writes until the user saves, through the editor's journal and lock), and "show the guest
 * disk through the chain" from an image.
 */
import * as vscode from 'vscode';
import { basename, dirname, join } from 'node:path';
import { type BundleViewResult, bundle } from '../../shared/protocol';
import { isInside } from '../../shared/bundle/bundleFiles';
import type { SnapshotSummary } from '../../shared/bundle/report';
import { convertWithProgress } from '../commands/cliCommands';
import { type CommandDeps, repair } from '../commands/imageCommands';
import { type BundleFolders, DESCRIPTOR_NAME, bundleDirOf } from './bundleFolders';
import type { BundleViews } from './bundleView';
import { fixDescriptor } from './fixDescriptor';

export interface BundleDeps extends CommandDeps {
  extensionUri: vscode.Uri;
  views: BundleViews;
  folders: BundleFolders;
}

/**
 * The bundle a command is about: the URI it was given (a bundle folder, its descriptor, an image beside one), else
 * the bundle view in front, else the bundle of the image editor in front, else the only bundle of the workspace
 * or the one the user picks.
 */
async function bundleTarget(d: BundleDeps, uri: vscode.Uri | undefined): Promise<string | undefined> {
  const given = bundleDirOf(uri, { images: true });
  if (given) return given;
  if (uri instanceof vscode.Uri) throw new Error(`${uri.fsPath} is not in a disk bundle (no ${DESCRIPTOR_NAME} in or beside it)`);
  const front = d.views.active?.dir ?? bundleDirOf(d.editors.target(), { images: true });
  if (front) return front;
  const all = d.folders.all;
  if (all.length <= 1) return all[0];
  const pick = await vscode.window.showQuickPick(
    all.map((dir) => ({ label: basename(dir), description: dirname(dir), dir })),
    { title: 'hdd-lens: which disk bundle?' },
  );
  return pick?.dir;
}

async function requireTarget(d: BundleDeps, uri: vscode.Uri | undefined, what: string): Promise<string | undefined> {
  const dir = await bundleTarget(d, uri);
  if (!dir) void vscode.window.showInformationMessage(`hdd-lens: choose a disk bundle (a folder with ${DESCRIPTOR_NAME}) in the explorer to ${what}.`);
  return dir;
}

function ask(d: BundleDeps, dir: string, params: { check?: boolean; buckets?: number; publish?: boolean; snapshot?: string } = {}): Promise<BundleViewResult> {
  return d.server.request(bundle, { uri: vscode.Uri.file(dir).toString(), ...params });
}

/** The answer, or an error that says why the bundle cannot be read. */
function readable(r: BundleViewResult): BundleViewResult & { summary: NonNullable<BundleViewResult['summary']> } {
  if (r.error !== undefined || !r.summary) throw new Error(r.error ?? `${r.dir}: the bundle could not be read`);
  return r as BundleViewResult & { summary: NonNullable<BundleViewResult['summary']> };
}

/** "Open Bundle Overview". */
export async function openBundle(d: BundleDeps, uri?: vscode.Uri, snapshot?: string): Promise<void> {
  const dir = await requireTarget(d, uri, 'open its overview');
  if (dir) d.views.show(dir, typeof snapshot === 'string' ? snapshot : undefined);
}

/**
 * "Check Bundle": the descriptor's findings on DiskDescriptor.xml (published by the server), each image's on the
 * image (each is checked as a file, as Check Image does), and the open bundle view updated.
 */
export async function checkBundle(d: BundleDeps, uri?: vscode.Uri): Promise<void> {
  const dir = await requireTarget(d, uri, 'check it');
  if (!dir) return;
  const view = d.views.viewOf(dir);
  const r = readable(
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `hdd-lens: checking ${basename(dir)}` }, () =>
      ask(d, dir, { publish: true, buckets: view ? 1024 : 0, ...(view?.focused === undefined ? {} : { snapshot: view.focused }) }),
    ),
  );
  for (const f of r.files ?? []) {
    const image = vscode.Uri.file(f.path);
    // An image open in the editor is checked continuously (with its unsaved edits).
    if (f.kind === 'image' && !d.editors.documentFor(image)) d.sync.checkFile(image);
  }
  if (view) void view.load(r);
  await vscode.commands.executeCommand('workbench.actions.view.problems');
}

/** "Convert Bundle to Raw...": the merged guest disk of the top, or of a snapshot the user picks, by the CLI. */
export async function convertBundle(d: BundleDeps, uri?: vscode.Uri, snapshot?: string): Promise<void> {
  const dir = await requireTarget(d, uri, 'convert it');
  if (!dir) return;
  const r = readable(await ask(d, dir, { check: false, buckets: 0 }));
  const guid = typeof snapshot === 'string' ? snapshot : await pickSnapshot(r.summary.snapshots, r.summary.top.guid);
  if (!guid) return;
  if (!(await unsavedOk(d, r, 'Convert reads the files on disk.', 'Convert Saved Files'))) return;
  const top = guid === r.summary.top.guid;
  const name = `${basename(dir).replace(/\.hdd$/i, '')}${top ? '' : `-${guid.slice(1, 9)}`}.raw`;
  const target = await vscode.window.showSaveDialog({
    title: `Convert ${basename(dir)} to Raw${top ? '' : ` (snapshot ${guid})`}`,
    // Beside the bundle, not in it: a file in the folder would be an orphan of the bundle.
    defaultUri: vscode.Uri.file(join(dirname(dir), name)),
    filters: { 'Raw disk image': ['raw', 'img'], 'All files': ['*'] },
    saveLabel: 'Convert',
  });
  if (!target) return;
  await convertWithProgress(d.extensionUri, dir, target, top ? [] : ['--snapshot', guid]);
}

/** The top when the bundle has one snapshot; else the user's pick, the top first. */
async function pickSnapshot(snapshots: readonly SnapshotSummary[], top: string | null): Promise<string | undefined> {
  if (snapshots.length === 1 && top !== null) return top;
  const role = (s: SnapshotSummary): string => (s.top ? 'top: the current state of the disk' : s.active ? 'on the active chain' : 'inactive branch');
  const order = [...snapshots].sort((a, b) => Number(b.top) - Number(a.top) || Number(b.active) - Number(a.active));
  const pick = await vscode.window.showQuickPick(
    order.map((s) => ({ label: s.guid, description: `${role(s)}${s.temporary ? ', temporary' : ''}`, detail: s.images.map((i) => i.file).join(', ') })),
    {
      title: 'Convert which snapshot? (the guest disk as it reads through its chain)',
      placeHolder: top === null ? 'The top is not resolvable: choose a snapshot' : undefined,
    },
  );
  return pick?.label;
}

/**
 * Whether to go on although the descriptor or an image of the bundle has unsaved edits (the CLI reads the files
 * on disk): `button` lets the user go on with the saved files; without one, the user is only told.
 */
async function unsavedOk(d: BundleDeps, r: BundleViewResult, why: string, button: string | undefined): Promise<boolean> {
  const descriptor = vscode.workspace.textDocuments.find((t) => t.uri.scheme === 'file' && t.uri.fsPath === r.descriptor && t.isDirty);
  const images = (r.summary?.snapshots ?? []).flatMap((s) => s.images).filter((i) => d.editors.documentFor(vscode.Uri.file(i.path))?.model.isDirty);
  const dirty = [...(descriptor ? [DESCRIPTOR_NAME] : []), ...images.map((i) => basename(i.path))];
  if (dirty.length === 0) return true;
  const text = `${dirty.join(', ')} ${dirty.length > 1 ? 'have' : 'has'} unsaved edits. ${why}`;
  if (button === undefined) {
    void vscode.window.showWarningMessage(text, { modal: true });
    return false;
  }
  return (await vscode.window.showWarningMessage(text, { modal: true }, button)) === button;
}

/**
 * "Fix Bundle Problems": the descriptor fixes as one undoable edit of DiskDescriptor.xml (the server's quick
 * fixes), then the repair of each storage's top image as the image editor's undoable edit. Images below the top
 * are shared by every snapshot above them: they are named, not repaired (the bundle view repairs one on request).
 */
export async function fixBundle(d: BundleDeps, uri?: vscode.Uri): Promise<void> {
  const dir = await requireTarget(d, uri, 'repair it');
  if (!dir) return;
  const r = readable(
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `hdd-lens: checking ${basename(dir)}` }, () =>
      ask(d, dir, { buckets: 0 }),
    ),
  );
  const repairable = new Set((r.files ?? []).filter((f) => f.findings.some((x) => x.repair !== undefined)).map((f) => f.path));
  let done = 0;
  if (repairable.has(r.descriptor)) done += await fixDescriptor(r.descriptor);
  const top = r.summary.snapshots.find((s) => s.top);
  // A top outside the folder (bundle-file-outside) may be another bundle's image: named below, like a lower one.
  const away = (top?.images ?? []).filter((i) => repairable.has(i.path) && !isInside(dir, i.path));
  for (const img of top?.images ?? []) {
    if (!repairable.has(img.path) || away.includes(img)) continue;
    await repair(d, 'all', vscode.Uri.file(img.path));
    done++;
  }
  const lower = r.summary.snapshots
    .filter((s) => !s.top)
    .flatMap((s) => s.images)
    .filter((i) => repairable.has(i.path));
  leftAlone(
    lower.map((i) => basename(i.path)),
    (many) => `${many ? 'they are images' : 'it is an image'} below the top: every snapshot above reads through ${many ? 'them' : 'it'}`,
  );
  leftAlone(
    away.map((i) => i.path),
    (many) => `${many ? 'they are' : 'it is'} outside ${dir}: another bundle may use ${many ? 'them' : 'it'}`,
  );
  if (done === 0 && lower.length === 0 && away.length === 0) void vscode.window.showInformationMessage(`hdd-lens: nothing to repair in ${dir}.`);
}

/** Says which images with problems Fix Bundle Problems left alone, and why (`why` of one image or of several). */
function leftAlone(names: string[], why: (many: boolean) => string): void {
  if (names.length === 0) return;
  const many = names.length > 1;
  void vscode.window.showWarningMessage(
    `hdd-lens: ${names.join(', ')} ${many ? 'have' : 'has'} problems too, but ${why(many)}, so Fix leaves ${many ? 'them' : 'it'} alone. Repair one from the bundle view (Repair…) if you mean to.`,
  );
}

/** "Show the Guest Disk Through the Chain": the bundle view of an image's bundle, focused on its snapshot. */
export async function showGuestDisk(d: BundleDeps, uri?: vscode.Uri): Promise<void> {
  const image = uri instanceof vscode.Uri ? uri : d.editors.target();
  const dir = bundleDirOf(image, { images: true });
  if (!image || !dir)
    return void vscode.window.showInformationMessage(`hdd-lens: open an image of a disk bundle (a folder with ${DESCRIPTOR_NAME}) to show its guest disk.`);
  const r = await d.server.request(bundle, { uri: image.toString(), check: false, buckets: 0 });
  if (r.error !== undefined) throw new Error(r.error);
  if (!r.image)
    return void vscode.window.showWarningMessage(`hdd-lens: ${basename(image.fsPath)} is in ${dir}, but its ${DESCRIPTOR_NAME} names no such image.`);
  d.views.show(dir, r.image.guid);
}

/** Repair of one image from the bundle view: an image below the top is repaired only when the user says so. */
export async function repairBundleImage(d: BundleDeps, image: vscode.Uri, dir: string): Promise<void> {
  const r = readable(await d.server.request(bundle, { uri: image.toString(), check: false, buckets: 0 }));
  const guid = r.image?.guid;
  const s = r.summary.snapshots.find((x) => x.guid === guid);
  if (!s?.top) {
    const above = s ? r.summary.snapshots.filter((x) => x.guid !== s.guid && isAbove(r.summary.snapshots, x.guid, s.guid)).length : 0;
    const choice = await vscode.window.showWarningMessage(
      `${basename(image.fsPath)} is the image of snapshot ${guid ?? '?'}, below the top of ${basename(dir)}: ${above} snapshot(s) above it read through it, so repairing it changes what they read too. The repair is an undoable edit in the image editor; nothing is written until you save.`,
      { modal: true },
      'Repair in Editor',
    );
    if (choice !== 'Repair in Editor') return;
  }
  await repair(d, 'all', image);
}

/** Whether `guid`'s chain passes through `below`. */
function isAbove(snapshots: readonly SnapshotSummary[], guid: string, below: string): boolean {
  const parent = new Map(snapshots.map((s) => [s.guid, s.parent]));
  const seen = new Set<string>();
  for (let at = parent.get(guid); at && !seen.has(at); at = parent.get(at)) {
    if (at === below) return true;
    seen.add(at);
  }
  return false;
}
