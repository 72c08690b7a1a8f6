/**
 * Imported first by main.ts, so that it runs before any other module of the bundle: marks when the webview's
 * script started, for the open-time breakdown of the end-to-end bench (test/e2e/measure.ts).
 */
performance.mark('hddlens-script');
