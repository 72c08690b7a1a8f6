import { strict as assert } from 'node:assert';
import { DiagnosticSeverity } from 'vscode-languageserver-protocol';
import * as P from '../../shared/protocol';
import { fixturePath } from '../fixtures';
import { LspClient, fileUri } from './lspClient';

describe('server settings (hddLens.*, pulled with workspace/configuration)', function () {
  this.timeout(60000);

  it('ignores rules, overrides severities, and re-validates on didChangeConfiguration', async () => {
    const client = await LspClient.start({ settings: { rules: { ignore: ['file-size-misaligned'], severity: { 'leaked-tail': 'error' } } } });
    try {
      const uri = fileUri(await fixturePath('file-size-misaligned'));
      await client.openImage(uri, 1);
      const first = await client.diagnosticsOf(uri, 1);
      assert.deepEqual(first.map((d) => [d.code, d.severity]), [['leaked-tail', DiagnosticSeverity.Error]]);
      const wire = await client.request(P.findings, { uri });
      assert.deepEqual(wire.findings.map((f) => [f.code, f.severity]), [['leaked-tail', 'error']]);

      client.settings = { rules: { ignore: [], severity: { 'leaked-tail': 'hint', 'file-size-misaligned': 'off' } } };
      const count = client.published(uri).length;
      await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
      const next = await client.diagnosticsWhere(uri, (p) => client.published(uri).indexOf(p) >= count);
      assert.deepEqual(next.diagnostics.map((d) => [d.code, d.severity]), [['leaked-tail', DiagnosticSeverity.Hint]]);
    } finally {
      await client.stop();
    }
  });

  it('ignored rules are not repaired by the bulk fixes', async () => {
    const client = await LspClient.start({ settings: { rules: { ignore: ['leaked-tail'] } } });
    try {
      const uri = fileUri(await fixturePath('leaked-tail'));
      await client.openImage(uri, 1);
      assert.deepEqual(await client.diagnosticsOf(uri, 1), []);
      assert.equal(await client.request(P.planRepair, { uri, mode: 'leaks' }), null);
    } finally {
      await client.stop();
    }
  });
});
