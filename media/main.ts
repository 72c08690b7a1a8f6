/**
 * Entry of the editor webview (bundled by scripts/build.mjs to dist/webview.js, an IIFE). The host page holds
 * `<div id="app"></div>`; once the UI listens, it tells the host it is ready and waits for `init`.
 */
import { App } from './app';
import { Host } from './host';

const root = document.getElementById('app') ?? document.body.appendChild(document.createElement('div'));
const host = new Host();
const app = new App(host, root);
// For the end-to-end tests and measurements (read through page.evaluate in the webview's frame).
(window as unknown as { hddLens: App }).hddLens = app;
host.post({ type: 'ready' });
