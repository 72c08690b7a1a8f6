import * as vscode from 'vscode';
import { basename, dirname, extname, join } from 'node:path';
import type { ImageEditors } from '../editor/imageEditorProvider';
import { VIEW_TYPE } from '../editor/imageEditorProvider';
import { cliFailure, runCli } from './runCli';

/** Cluster sizes offered for a new image: QEMU's default first. */
const CLUSTER_SIZES = [
  { label: '1M', description: 'the default (QEMU and Parallels Desktop)' },
  { label: '64K' },
  { label: '256K' },
  { label: '512K' },
  { label: '2M' },
  { label: '4M' },
];

/** Size text as the CLI reads it: bytes, 0x hex, or a number with a k/M/G/T/P/E suffix. The CLI checks it fully. */
const SIZE_TEXT = /^\s*(0x[0-9a-f]+|\d+(\.\d*)?)\s*[bkmgtpe]?\s*$/i;

/** "Convert to Raw...": the guest disk as a raw file, written by `hdd-lens convert` with a progress notification. */
export async function convertToRaw(editors: ImageEditors, extensionUri: vscode.Uri, uri: vscode.Uri | undefined): Promise<void> {
  const image = editors.target(uri);
  if (!image) return void vscode.window.showInformationMessage('hdd-lens: open an image, or choose one in the explorer, to convert it.');
  const doc = editors.documentFor(image);
  if (doc?.model.isDirty) {
    const choice = await vscode.window.showWarningMessage(
      `${basename(image.fsPath)} has unsaved edits. Convert reads the file on disk.`,
      { modal: true },
      'Convert Saved File',
    );
    if (choice !== 'Convert Saved File') return;
  }
  const base = basename(image.fsPath, extname(image.fsPath));
  const target = await vscode.window.showSaveDialog({
    title: 'Convert to Raw',
    defaultUri: vscode.Uri.file(join(dirname(image.fsPath), `${base}.raw`)),
    filters: { 'Raw disk image': ['raw', 'img'], 'All files': ['*'] },
    saveLabel: 'Convert',
  });
  if (!target) return;
  await convertWithProgress(extensionUri, image.fsPath, target);
}

/**
 * Runs `hdd-lens convert [EXTRA] SOURCE TARGET` (an image, or a bundle with `--snapshot GUID`) with a cancellable
 * progress notification; a cancelled conversion's partial output is removed, and the outcome is said.
 */
export async function convertWithProgress(extensionUri: vscode.Uri, source: string, target: vscode.Uri, extra: readonly string[] = []): Promise<boolean> {
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Converting ${basename(source)} to ${basename(target.fsPath)}`, cancellable: true },
    // The save dialog already asked about replacing an existing file. The CLI's -p lines carry the percentage.
    (progress, token) => {
      let shown = 0;
      const onStderr = (text: string): void => {
        const pct = lastPercent(text);
        if (pct === undefined || pct <= shown) return;
        progress.report({ increment: pct - shown, message: `${pct.toFixed(0)}%` });
        shown = pct;
      };
      return runCli(extensionUri, ['convert', '--overwrite', '--progress', ...extra, source, target.fsPath], token, onStderr);
    },
  );
  // The CLI writes a temporary file and renames it once complete; on SIGTERM it removes it. A file already at the
  // target is therefore the one that was there before, which a cancel must leave alone.
  if (result.cancelled) {
    void vscode.window.showInformationMessage(`hdd-lens: conversion cancelled; ${basename(target.fsPath)} was not written (the partial file was removed).`);
    return false;
  }
  if (result.code !== 0) {
    void vscode.window.showErrorMessage(`hdd-lens: conversion failed: ${cliFailure(result)}`);
    return false;
  }
  void vscode.window.showInformationMessage(`hdd-lens: wrote ${target.fsPath}.`);
  return true;
}

/** The last "(42.00/100%)" of the CLI's progress output in a chunk of its stderr. */
export function lastPercent(text: string): number | undefined {
  const all = [...text.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)];
  return all.length > 0 ? Number(all[all.length - 1][1]) : undefined;
}

/** "Create New Image...": asks the size and cluster size, writes the image with `hdd-lens create`, opens it. */
export async function createImage(extensionUri: vscode.Uri, folder: vscode.Uri | undefined): Promise<void> {
  const size = await vscode.window.showInputBox({
    title: 'New Parallels image: disk size',
    prompt: 'Virtual disk size: bytes or a number with a unit, e.g. 64M, 20G, 1T (the file stays small until written)',
    value: '1G',
    validateInput: (v) => (SIZE_TEXT.test(v) ? undefined : 'A number, optionally with k, M, G, T, P or E (e.g. 64M, 1.5G, 0x100000)'),
  });
  if (size === undefined) return;
  const cluster = await vscode.window.showQuickPick(CLUSTER_SIZES, { title: 'New Parallels image: cluster size', placeHolder: 'Cluster size' });
  if (!cluster) return;
  const where = folder instanceof vscode.Uri ? folder : vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    title: 'New Parallels image',
    defaultUri: where ? vscode.Uri.joinPath(where, 'disk.hdd') : undefined,
    filters: { 'Parallels image': ['hdd', 'hds'] },
    saveLabel: 'Create',
  });
  if (!target) return;
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Creating ${basename(target.fsPath)}` }, () =>
    runCli(extensionUri, ['create', '--overwrite', '--cluster-size', cluster.label, target.fsPath, size.trim()]),
  );
  if (result.code !== 0) return void vscode.window.showErrorMessage(`hdd-lens: could not create the image: ${cliFailure(result)}`);
  await vscode.commands.executeCommand('vscode.openWith', target, VIEW_TYPE);
}
