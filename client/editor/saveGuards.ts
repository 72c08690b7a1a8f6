import * as vscode from 'vscode';
import type { ImageDocument } from './imageDocument';

/** How long a save waits for the server to check a file another program changed before asking as if it were in use. */
const RECHECK_WAIT_MS = 10_000;

/**
 * Questions asked before writing an image: whether another program wrote it since it was read ("Overwrite" takes
 * the file as it is now), then whether a running VM may own it (the header says it is in use). A "no" cancels.
 */
export async function confirmSave(doc: ImageDocument): Promise<void> {
  let unchecked = false;
  if (doc.changedOnDisk()) {
    const choice = await vscode.window.showWarningMessage(
      `${doc.path} was changed on disk by another program since it was opened.`,
      { modal: true, detail: 'Saving writes your edits over the file as it is now.' },
      'Overwrite',
    );
    if (choice !== 'Overwrite') throw new vscode.CancellationError();
    // The save worker refuses a file whose stamp is not the document's: take the file as it is now (the edits stay
    // on top, as "Keep My Edits" does). The other program may be a VM that just marked it in use: the question
    // below must see what it wrote, so the server's findings of the reloaded state are awaited.
    doc.reload(true);
    unchecked = !(await doc.findingsOfNow(RECHECK_WAIT_MS));
  }
  const ask = vscode.workspace.getConfiguration('hddLens').get<boolean>('confirmSaveInUse', true);
  if (ask && (doc.mayBeInUse || unchecked)) {
    const why = unchecked
      ? `${doc.path} could not be checked as it is now: a virtual machine may have it open.`
      : `The header of ${doc.path} says the image is in use (in_use = "Ynot"): a virtual machine may have it open.`;
    const choice = await vscode.window.showWarningMessage(
      `${why} Writing to an image a running VM owns corrupts it.`,
      { modal: true, detail: 'Shut the VM down first. Save only if you are sure nothing else has the image open.' },
      'Save Anyway',
    );
    if (choice !== 'Save Anyway') throw new vscode.CancellationError();
  }
}
