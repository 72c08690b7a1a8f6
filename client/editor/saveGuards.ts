import * as vscode from 'vscode';
import type { ImageDocument } from './imageDocument';

/**
 * Questions asked before writing an image: whether a running VM may own it (the header says it is in use), and
 * whether another program wrote it since it was read. A "no" cancels the save; "Overwrite" takes the file as it is now.
 */
export async function confirmSave(doc: ImageDocument): Promise<void> {
  const ask = vscode.workspace.getConfiguration('hddLens').get<boolean>('confirmSaveInUse', true);
  if (ask && doc.mayBeInUse) {
    const choice = await vscode.window.showWarningMessage(
      `The header of ${doc.path} says the image is in use (in_use = "Ynot"): a virtual machine may have it open. Writing to an image a running VM owns corrupts it.`,
      { modal: true, detail: 'Shut the VM down first. Save only if you are sure nothing else has the image open.' },
      'Save Anyway',
    );
    if (choice !== 'Save Anyway') throw new vscode.CancellationError();
  }
  if (doc.changedOnDisk()) {
    const choice = await vscode.window.showWarningMessage(
      `${doc.path} was changed on disk by another program since it was opened.`,
      { modal: true, detail: 'Saving writes your edits over the file as it is now.' },
      'Overwrite',
    );
    if (choice !== 'Overwrite') throw new vscode.CancellationError();
    // The save worker refuses a file whose stamp is not the document's: take the file as it is now (the edits stay
    // on top, as "Keep My Edits" does), so that what is written is the edits over the file the user agreed to.
    doc.reload(true);
  }
}
