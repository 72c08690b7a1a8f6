import { strict as assert } from 'node:assert';
import { DiagnosticSeverity } from 'vscode-languageserver-protocol';
import * as P from '../../shared/protocol';
import { H } from '../../shared/format/constants';
import { u32Bytes } from '../../shared/format/le';
import { MAX_BAT_PAGES } from '../../shared/describe/structureTree';
import { fixturePath } from '../fixtures';
import { applyEdits, scratchCopy } from '../fixtures/files';
import { LspClient, fileUri } from './lspClient';

describe('server settings (hddLens.*, pulled with workspace/configuration)', function () {
  this.timeout(60000);

  it('ignores rules, overrides severities, and re-validates on didChangeConfiguration', async () => {
    const client = await LspClient.start({ settings: { rules: { ignore: ['file-size-misaligned'], severity: { 'leaked-tail': 'error' } } } });
    try {
      const uri = fileUri(await fixturePath('file-size-misaligned'));
      await client.openImage(uri, 1);
      const first = await client.diagnosticsOf(uri, 1);
      assert.deepEqual(
        first.map((d) => [d.code, d.severity]),
        [['leaked-tail', DiagnosticSeverity.Error]],
      );
      const wire = await client.request(P.findings, { uri });
      assert.deepEqual(
        wire?.findings.map((f) => [f.code, f.severity]),
        [['leaked-tail', 'error']],
      );

      client.settings = { rules: { ignore: [], severity: { 'leaked-tail': 'hint', 'file-size-misaligned': 'off' } } };
      const count = client.published(uri).length;
      await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
      const next = await client.diagnosticsWhere(uri, (p) => client.published(uri).indexOf(p) >= count);
      assert.deepEqual(
        next.diagnostics.map((d) => [d.code, d.severity]),
        [['leaked-tail', DiagnosticSeverity.Hint]],
      );
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
      assert.equal(await client.request(P.planRepairRequest, { uri, mode: 'leaks' }), null);
    } finally {
      await client.stop();
    }
  });

  it('one entry per BAT page is honoured, but a header claiming 536M entries gets bigger pages, not 536M nodes', async () => {
    const client = await LspClient.start({ settings: { batPageSize: 4 } });
    try {
      const small = fileUri(await fixturePath('clean-ext64k'));
      await client.openImage(small, 1);
      await client.diagnosticsOf(small, 1);
      const tree = await client.request(P.structure, { uri: small });
      const bat = tree?.children?.find((c) => c.kind === 'bat');
      assert.equal(bat?.children?.length, bat?.length === undefined ? -1 : bat.length / 4);

      const path = await scratchCopy(await fixturePath('clean-ext64k'));
      await applyEdits(path, { patches: [{ offset: H.batEntries, data: u32Bytes(0x1fffffff) }] });
      const huge = fileUri(path);
      await client.openImage(huge, 1);
      await client.diagnosticsOf(huge, 1);
      const hugeTree = await client.request(P.structure, { uri: huge });
      const pages = hugeTree?.children?.find((c) => c.kind === 'bat')?.children ?? [];
      assert.equal(pages.length, MAX_BAT_PAGES);
      const first = await client.request(P.structure, { uri: huge, batPage: 0 });
      assert.equal(first?.children?.length, Math.ceil(0x1fffffff / MAX_BAT_PAGES));
    } finally {
      await client.stop();
    }
  });
});
