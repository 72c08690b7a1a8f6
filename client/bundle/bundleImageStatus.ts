import * as vscode from 'vscode';
import { basename } from 'node:path';
import { type BundleViewResult, bundle } from '../../shared/protocol';
import type { EditorBanner } from '../../shared/webviewProtocol';
import { ANY_FILE_VIEW_TYPE, VIEW_TYPE } from '../editor/imageEditorProvider';
import type { ServerConnection } from '../lsp/serverConnection';
import { errorText } from '../lsp/serverConnection';
import { type BundleFolders, bundleDirOf } from './bundleFolders';

/** Context key: the image editor in front shows an image of a disk bundle (package.json editor/title). */
export const BUNDLE_IMAGE_KEY = 'hddLens.bundleImage';
export const SHOW_GUEST_DISK_COMMAND = 'hddLens.showGuestDisk';

/**
 * When the image editor in front shows an image its folder's DiskDescriptor.xml names, the status bar says which
 * bundle and which snapshot it is (top, its place in the active chain, or an inactive branch) and, clicked, shows
 * the guest disk through the chain; the editor's title bar offers the same. The server says what the image is.
 */
export class BundleImageStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('hddLens.bundleImage', vscode.StatusBarAlignment.Right, 101);
  private readonly subscriptions: vscode.Disposable[];
  private seq = 0;

  constructor(
    private readonly server: ServerConnection,
    folders: BundleFolders,
  ) {
    this.item.name = 'hdd-lens bundle image';
    const update = (): void => void this.update();
    this.subscriptions = [vscode.window.tabGroups.onDidChangeTabs(update), vscode.window.tabGroups.onDidChangeTabGroups(update), folders.onDidChange(update)];
    update();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }

  private async update(): Promise<void> {
    const seq = ++this.seq;
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    const uri = input instanceof vscode.TabInputCustom && (input.viewType === VIEW_TYPE || input.viewType === ANY_FILE_VIEW_TYPE) ? input.uri : undefined;
    const r = await bundleOfImage(this.server, uri);
    if (seq !== this.seq) return;
    const text = r && uri ? describe(r) : undefined;
    void vscode.commands.executeCommand('setContext', BUNDLE_IMAGE_KEY, text !== undefined);
    if (!text || !uri) return this.item.hide();
    this.item.text = `$(layers) ${text.short}`;
    this.item.tooltip = `${text.long}\n\nClick to show the guest disk through the chain.`;
    this.item.command = { command: SHOW_GUEST_DISK_COMMAND, title: 'Show the Guest Disk Through the Chain', arguments: [uri] };
    this.item.show();
  }
}

/** What the server says of the bundle of an image (undefined: it is in no bundle folder, or could not be asked). */
async function bundleOfImage(server: ServerConnection, uri: vscode.Uri | undefined): Promise<BundleViewResult | undefined> {
  if (!uri || !bundleDirOf(uri, { images: true })) return undefined;
  try {
    return await server.request(bundle, { uri: uri.toString(), check: false, buckets: 0 });
  } catch (e) {
    console.error(`hdd-lens: bundle of ${uri.fsPath}: ${errorText(e)}`);
    return undefined;
  }
}

/**
 * The image editor's banner for an image of a disk bundle opened alone: it is one layer, not the guest disk, and
 * the buttons open the bundle view (the whole) or its guest disk through this image's chain.
 */
export async function bundleBanner(server: ServerConnection, uri: vscode.Uri): Promise<EditorBanner | undefined> {
  const r = await bundleOfImage(server, uri);
  const text = r ? describe(r) : undefined;
  if (!r || !text) return undefined;
  return {
    text: `${basename(uri.fsPath)} is one layer of the disk bundle ${basename(r.dir)} (${text.role}): its bytes alone are not the guest disk.`,
    detail: text.long,
    actions: [
      { label: 'Open Bundle', command: 'hddLens.openBundle', title: `Open the overview of ${r.dir}: snapshot tree, guest disk, findings` },
      { label: 'Show Guest Disk Through the Chain', command: SHOW_GUEST_DISK_COMMAND, title: 'The guest disk of this snapshot, read through its chain' },
    ],
  };
}

/** "harddisk.hdd · top {5fbaabe3…} (3 of 3)" and a sentence, for the image the answer names. */
export function describe(r: BundleViewResult): { short: string; long: string; role: string } | undefined {
  const guid = r.image?.guid;
  const s = r.summary?.snapshots.find((x) => x.guid === guid);
  if (!guid || !s || !r.summary) return undefined;
  const chain = r.summary.activeChain;
  const place = chain.length - chain.indexOf(guid);
  const role = s.top ? 'top' : s.active ? 'snapshot' : 'inactive snapshot';
  const at = s.active ? ` (${place} of ${chain.length})` : '';
  const storage = r.summary.storages.length > 1 ? `, storage ${r.image?.storage}` : '';
  const name = basename(r.dir);
  const how = s.top
    ? 'the top of the active chain: the guest writes here'
    : s.active
      ? `on the active chain, ${place} of ${chain.length} from the base: what the snapshots above it do not hold is read here`
      : 'on an inactive branch: the current guest disk does not read it';
  return {
    role: `${s.top ? 'the top' : role} ${guid}${at}`,
    short: `${name} · ${role} ${guid.slice(0, 9)}…}${at}`,
    long: `Image of snapshot ${guid}${storage} of the disk bundle ${r.dir}: ${how}.`,
  };
}
