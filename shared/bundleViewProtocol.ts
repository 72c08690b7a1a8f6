/**
 * Messages between the extension host (client/bundle/bundleView.ts) and the bundle view's webview
 * (media/bundle/). Types only: the webview imports them with `import type`.
 *
 * The page asks for nothing by itself but `ready`; the host then sends `data` (the server's hddLens/bundle answer
 * with the check), and `chain` whenever the page picks another snapshot (the guest disk of that snapshot). Paths
 * the page sends back are checked by the host against the bundle's own files.
 */
import type { BundleChainView, BundleViewResult } from './protocol';

/** What the page's HTML carries, for its first paint (before `data`). */
export interface BundleBoot {
  dir: string;
  name: string;
  /** The snapshot to focus first (from "show the guest disk through the chain"), else the top. */
  snapshot?: string;
}

export type ToBundleView =
  /** Something is being read or checked (the page shows it until the answer). */
  | { type: 'loading'; what: string }
  /** The whole view: summary, findings per file, and the guest disk of `focus`. */
  | { type: 'data'; data: BundleViewResult; focus?: string }
  /** The guest disk of another snapshot. */
  | { type: 'chain'; snapshot: string; chain?: BundleChainView; error?: string };

/** Commands on the bundle the page's toolbar and rows run (the same as the explorer's). */
export type BundleAction = 'check' | 'convert' | 'fix' | 'refresh';

export type FromBundleView =
  | { type: 'ready' }
  | { type: 'action'; action: BundleAction; snapshot?: string }
  /** Show the guest disk of this snapshot. */
  | { type: 'snapshot'; snapshot: string }
  /** Open an image of the bundle in the image editor, at a host offset if given. */
  | { type: 'openImage'; path: string; offset?: number; length?: number }
  /** Open DiskDescriptor.xml, at a 1-based line and column if given. */
  | { type: 'openDescriptor'; line?: number; column?: number }
  /** Repair one image on disk by the CLI (asked first; a lower one: told what reads through it). */
  | { type: 'repairImage'; path: string };
