import * as vscode from 'vscode';
import type { CommandDeps } from '../commands/imageCommands';
import { type BundleDeps, checkBundle, convertBundle, fixBundle, openBundle, repairBundleImage, showGuestDisk } from './bundleCommands';
import { BundleFolders, bundleDirOf } from './bundleFolders';
import { BundleImageStatus, SHOW_GUEST_DISK_COMMAND, bundleBanner } from './bundleImageStatus';
import { BundleViews } from './bundleView';

/** The extension's way of registering a command whose failures are shown (client/extension.ts). */
export type RegisterCommand = (id: string, run: (...args: never[]) => Promise<void>) => vscode.Disposable;

export type BundleCommand = 'open' | 'check' | 'convert' | 'fix';

export interface Bundles extends vscode.Disposable {
  /**
   * The image command's bundle counterpart when `uri` names a bundle folder or its DiskDescriptor.xml (a
   * keybinding, another extension or an older menu may run an image command on one), else `image()`.
   */
  or(kind: BundleCommand, uri: vscode.Uri | undefined, image: () => Promise<void>): Promise<void>;
}

/** The bundle folders, views, status and commands (package.json: hddLens.*Bundle, hddLens.showGuestDisk). */
export function registerBundles(context: vscode.ExtensionContext, deps: CommandDeps, command: RegisterCommand): Bundles {
  const folders = new BundleFolders();
  // The views run the commands, and the commands show the views: the callbacks below are called only later.
  const views = new BundleViews({
    server: deps.server,
    extensionUri: context.extensionUri,
    run: (action, dir, snapshot) => run[action](vscode.Uri.file(dir), snapshot),
    openImage: async (uri, offset, length) => {
      if (offset === undefined) await deps.editors.ensureOpen(uri);
      else await deps.editors.reveal(uri, offset, Math.max(1, length ?? 1));
    },
    repairImage: (uri, dir) => repairBundleImage(b, uri, dir),
  });
  const b: BundleDeps = { ...deps, extensionUri: context.extensionUri, folders, views };
  const run: Record<BundleCommand, (uri?: vscode.Uri, snapshot?: string) => Promise<void>> = {
    open: (uri, snapshot) => openBundle(b, uri, snapshot),
    check: (uri) => checkBundle(b, uri),
    convert: (uri, snapshot) => convertBundle(b, uri, snapshot),
    fix: (uri) => fixBundle(b, uri),
  };
  const status = new BundleImageStatus(deps.server, folders);
  // An image of a bundle opened alone says so above its bytes; a descriptor that changes may change what it says.
  deps.editors.bannerFor = (uri) => bundleBanner(deps.server, uri);
  const banners = folders.onDidChange(() => deps.editors.refreshBanners());
  // Explorer arguments: (clicked, selection); a snapshot GUID from the bundle view or a test.
  const arg = (f: (uri?: vscode.Uri, snapshot?: string) => Promise<void>) => (uri?: vscode.Uri, snapshot?: unknown) =>
    f(uri, typeof snapshot === 'string' ? snapshot : undefined);
  const subscriptions = [
    folders,
    views,
    status,
    banners,
    command('hddLens.openBundle', arg(run.open)),
    command('hddLens.checkBundle', arg(run.check)),
    command('hddLens.convertBundle', arg(run.convert)),
    command('hddLens.fixBundle', arg(run.fix)),
    command(SHOW_GUEST_DISK_COMMAND, (uri?: vscode.Uri) => showGuestDisk(b, uri)),
  ];
  return {
    or: (kind, uri, image) => (bundleDirOf(uri) !== undefined ? run[kind](uri) : image()),
    dispose: () => subscriptions.forEach((s) => s.dispose()),
  };
}
