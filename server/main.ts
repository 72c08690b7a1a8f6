/**
 * Entry of dist/server.js: the hdd-lens language server over stdio (`--stdio`) or node IPC (`--node-ipc`), as
 * vscode-languageserver picks from the command line. The same script runs as the check worker thread.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ProposedFeatures, createConnection } from 'vscode-languageserver/node';
import { serveJobs } from './checkWorker';
import { HddLensServer } from './server';
import { WORKER_MARK, WorkerClient } from './workerClient';

if (!isMainThread && workerData === WORKER_MARK && parentPort) {
  serveJobs(parentPort);
} else {
  const connection = createConnection(ProposedFeatures.all);
  new HddLensServer(connection, new WorkerClient(__filename)).listen();
}
