/**
 * Entry of dist/server.js: the hdd-lens language server over stdio (`--stdio`) or node IPC (`--node-ipc`), as
 * vscode-languageserver picks from the command line. Its check worker thread runs workerMain.js beside
 * it (dist/workerMain.js bundled from server/workerMain.ts; out/server/workerMain.js when run from tsc's output).
 */
import { join } from 'node:path';
import { ProposedFeatures, createConnection } from 'vscode-languageserver/node';
import { HddLensServer } from './server';
import { WorkerClient } from './workerClient';

const connection = createConnection(ProposedFeatures.all);
new HddLensServer(connection, new WorkerClient(join(__dirname, 'workerMain.js'))).listen();
