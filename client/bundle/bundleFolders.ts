import * as vscode from 'vscode';
import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DESCRIPTOR_NAME } from '../../shared/bundle/bundleFiles';

export { DESCRIPTOR_NAME };

/** Context key: the paths of the workspace's bundle folders (package.json menus: `resourcePath in ...`). */
export const BUNDLE_FOLDERS_KEY = 'hddLens.bundleFolders';

/** Descriptors looked for at most (a workspace of VM archives may hold many; each is one folder path in the key). */
const MAX_BUNDLES = 10000;

/**
 * The bundle folders of the workspace: the folders that hold a DiskDescriptor.xml, found by a workspace file search
 * and kept up to date by a file watcher. `when` clauses cannot look inside a folder, so the explorer's bundle
 * commands appear on the paths of this list (a context key), and the image commands no longer on any folder.
 */
export class BundleFolders implements vscode.Disposable {
  private readonly dirs = new Set<string>();
  private readonly watcher = vscode.workspace.createFileSystemWatcher(`**/${DESCRIPTOR_NAME}`);
  /**
   * Folder creations: a folder made with its files at once (copied, unpacked) can come as one event for the folder
   * and none for the descriptor inside it (the e2e test's new bundle was never offered the bundle commands so).
   */
  private readonly folders = vscode.workspace.createFileSystemWatcher('**', false, true, true);
  private rescan: ReturnType<typeof setTimeout> | undefined;
  /** The list last published, joined (undefined before the first). */
  private published: string | undefined;
  private readonly changed = new vscode.EventEmitter<string>();
  /** A descriptor was created, changed or deleted: the path of its folder. */
  readonly onDidChange = this.changed.event;

  constructor() {
    // Events of one file can arrive coalesced or out of order: each one only says where to look again.
    this.watcher.onDidCreate((u) => this.update(u));
    this.watcher.onDidDelete((u) => this.update(u));
    this.watcher.onDidChange((u) => this.update(u));
    this.folders.onDidCreate((u) => this.folderCreated(u));
    void this.scan();
  }

  /** Every bundle folder found, sorted. */
  get all(): string[] {
    return [...this.dirs].sort();
  }

  async scan(): Promise<void> {
    const found = await vscode.workspace.findFiles(`**/${DESCRIPTOR_NAME}`, undefined, MAX_BUNDLES);
    // Folders the watcher added while the search ran stay (the search may have missed them), if they still hold one.
    for (const dir of this.dirs) if (!isFile(join(dir, DESCRIPTOR_NAME))) this.dirs.delete(dir);
    for (const u of found) if (u.scheme === 'file') this.dirs.add(dirname(u.fsPath));
    // Only a new list is published: each setting redraws an open context menu.
    if (this.all.join('\n') !== this.published) this.publish();
  }

  dispose(): void {
    clearTimeout(this.rescan);
    this.folders.dispose();
    this.watcher.dispose();
    this.changed.dispose();
  }

  private update(descriptor: vscode.Uri): void {
    if (descriptor.scheme !== 'file') return;
    const dir = dirname(descriptor.fsPath);
    const had = this.dirs.has(dir);
    if (isFile(descriptor.fsPath)) this.dirs.add(dir);
    else this.dirs.delete(dir);
    if (had !== this.dirs.has(dir)) this.publish();
    this.changed.fire(dir);
  }

  /** A new folder: searched again soon, once for a burst of them. */
  private folderCreated(u: vscode.Uri): void {
    if (u.scheme !== 'file' || statSync(u.fsPath, { throwIfNoEntry: false })?.isDirectory() !== true) return;
    clearTimeout(this.rescan);
    this.rescan = setTimeout(() => void this.rescanFired(), 300);
  }

  private async rescanFired(): Promise<void> {
    const before = this.all;
    await this.scan();
    for (const dir of this.all) if (!before.includes(dir)) this.changed.fire(dir);
  }

  private publish(): void {
    this.published = this.all.join('\n');
    // `resourcePath` in a when clause is the URI's path ("/c:/VMs/d.hdd" on Windows), not the file-system path.
    void vscode.commands.executeCommand(
      'setContext',
      BUNDLE_FOLDERS_KEY,
      this.all.map((d) => vscode.Uri.file(d).path),
    );
  }
}

/**
 * The bundle folder a URI names: the folder itself (it holds DiskDescriptor.xml), its descriptor, or a file beside
 * a descriptor (an image of the bundle). A file-system look only: what the bundle holds is the server's to say.
 */
export function bundleDirOf(uri: vscode.Uri | undefined, options: { images?: boolean } = {}): string | undefined {
  if (!(uri instanceof vscode.Uri) || uri.scheme !== 'file') return undefined;
  const path = uri.fsPath;
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return undefined;
  if (st.isDirectory()) return isFile(join(path, DESCRIPTOR_NAME)) ? path : undefined;
  if (basename(path) === DESCRIPTOR_NAME) return dirname(path);
  return options.images === true && isFile(join(dirname(path), DESCRIPTOR_NAME)) ? dirname(path) : undefined;
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() === true;
}
