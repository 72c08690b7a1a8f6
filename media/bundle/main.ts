/**
 * Entry of the bundle view's webview (bundled by scripts/build.mjs to dist/bundleView.js, an IIFE). The host page
 * holds `<div id="app"></div>` and a BundleBoot; the view paints its frame, says `ready`, and the host sends the
 * bundle as the language server describes it (client/bundle/bundleView.ts).
 */
import type { BundleBoot } from '../../shared/bundleViewProtocol';
import { BOOT_ELEMENT_ID } from '../../shared/webviewProtocol';
import { BundleApp } from './app';
import { Channel } from './channel';

const root = document.getElementById('app') ?? document.body.appendChild(document.createElement('div'));
const channel = new Channel();
const app = new BundleApp(channel, root, readBoot());
channel.post({ type: 'ready' });
// For the end-to-end tests (read through page.evaluate in the webview's frame).
(window as unknown as { hddLensBundle: BundleApp }).hddLensBundle = app;

function readBoot(): BundleBoot {
  const text = document.getElementById(BOOT_ELEMENT_ID)?.textContent;
  try {
    const b = JSON.parse(text ?? '') as Partial<BundleBoot>;
    if (typeof b.dir === 'string' && typeof b.name === 'string')
      return { dir: b.dir, name: b.name, ...(typeof b.snapshot === 'string' ? { snapshot: b.snapshot } : {}) };
  } catch {
    // no boot state: the view still works from `data`
  }
  return { dir: '', name: 'bundle' };
}
