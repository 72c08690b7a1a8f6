import { strict as assert } from 'node:assert';
import { fork } from 'node:child_process';
import { IPCMessageReader, IPCMessageWriter, type InitializeResult, createMessageConnection } from 'vscode-languageserver-protocol/node';
import * as P from '../../shared/protocol';
import { fixturePath } from '../fixtures';
import { SERVER_SCRIPT, fileUri } from './lspClient';

describe('server transports', function () {
  this.timeout(30000);

  it('speaks node IPC (how the VS Code extension starts it) as well as stdio', async () => {
    const child = fork(SERVER_SCRIPT, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    const published = new Promise<{ version?: number; diagnostics: Array<{ code?: string | number }> }>((resolve) =>
      connection.onNotification('textDocument/publishDiagnostics', resolve),
    );
    connection.listen();
    try {
      const init = (await connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} })) as InitializeResult;
      assert.deepEqual(init.capabilities.workspace?.textDocumentContent, { schemes: [P.STRUCTURE_SCHEME] });
      assert.equal(init.capabilities.hoverProvider, true);
      await connection.sendNotification('initialized', {});
      await connection.sendNotification(P.didOpen.method, { uri: fileUri(await fixturePath('leaked-tail')), version: 3 });
      const p = await published;
      assert.equal(p.version, 3);
      assert.deepEqual(
        p.diagnostics.map((d) => d.code),
        ['leaked-tail'],
      );
      await connection.sendRequest('shutdown');
      await connection.sendNotification('exit');
    } finally {
      connection.dispose();
      if (child.exitCode === null) child.kill();
    }
  });
});
