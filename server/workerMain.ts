/**
 * Entry of dist/workerMain.js: the check worker thread of the language server (server/checkWorker.ts). A bundle
 * of its own, holding the engine and nothing of the LSP: the worker starts in a fraction of the time the whole
 * server script took to load, and that start is on the way to the first diagnostics of a large image.
 */
import { parentPort } from 'node:worker_threads';
import '../shared/rules/imageRules';
import { serveJobs } from './checkWorker';

if (parentPort) serveJobs(parentPort);
