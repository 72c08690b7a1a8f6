/**
 * Entry of the editor webview (bundled by scripts/build.mjs to dist/webview.js, an IIFE). The host page holds
 * `<div id="app"></div>` and the first state (WebviewBoot): the UI paints from it at once, then tells the host it
 * is ready; `init` and the findings follow.
 */
import './scriptStart';
import type { WebviewBoot } from '../shared/webviewProtocol';
import { App } from './app';
import { Host } from './host';

const root = document.getElementById('app') ?? document.body.appendChild(document.createElement('div'));
const host = new Host();
const app = new App(host, root);
const boot = readBoot();
// `ready` first: the host then answers the requests the first paint makes right after.
host.post({ type: 'ready' });
if (boot) app.boot(boot);
// For the end-to-end tests and measurements (read through page.evaluate in the webview's frame).
(window as unknown as { hddLens: App }).hddLens = app;

/** The first state the host wrote into the page (the element's id is BOOT_ELEMENT_ID of the protocol). */
function readBoot(): WebviewBoot | undefined {
  const text = document.getElementById('hddlens-boot')?.textContent;
  if (!text) return undefined;
  try {
    const b = JSON.parse(text) as Partial<WebviewBoot>;
    if (typeof b.fileName !== 'string' || typeof b.size !== 'number' || typeof b.readOnly !== 'boolean' || typeof b.head !== 'string') return undefined;
    return b as WebviewBoot;
  } catch {
    return undefined;
  }
}
