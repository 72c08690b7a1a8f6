import { strict as assert } from 'node:assert';
import { type Diagnostic, DiagnosticSeverity } from 'vscode-languageserver-protocol';
import { FIXTURES, sharedFixtures } from '../fixtures';
import type { ExpectedFinding } from '../fixtures/spec';
import { RULE_DOC_BASE, offsetToPosition } from '../../shared/protocol';
import { ruleByCode } from '../../shared/rules/catalogue';
import type { Finding } from '../../shared/check/finding';
import { checkImage } from '../../shared/engine/check';
import { withImage } from '../fixtures/files';
import { LspClient, fileUri } from './lspClient';

/** The diagnostic that stands for an expected finding: same code, same bytes, positions per the convention. */
function matches(d: Diagnostic, e: ExpectedFinding): boolean {
  const data = d.data as { offset: number; length: number };
  return d.code === e.code && (e.offset === undefined || data.offset === e.offset) && (e.length === undefined || data.length === e.length);
}

/** Position convention, source, rule link, and the severity of the engine's finding on the same bytes. */
function checkShape(d: Diagnostic, engine: readonly Finding[]): void {
  const data = d.data as { offset: number; length: number };
  assert.equal(typeof data.offset, 'number');
  assert.deepEqual(d.range, { start: offsetToPosition(data.offset), end: offsetToPosition(data.offset + Math.max(1, data.length)) }, `${d.code} range`);
  assert.equal(d.source, 'hdd-lens');
  assert.equal(d.codeDescription?.href, `${RULE_DOC_BASE}${String(d.code)}`);
  assert.ok(ruleByCode(String(d.code)), `unknown code ${String(d.code)}`);
  const f = engine.find((x) => x.code === d.code && x.offset === data.offset && x.length === data.length);
  assert.ok(f, `${String(d.code)}: no engine finding on the same bytes`);
  const severity = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information }[f.severity];
  assert.equal(d.severity, severity, `${d.code} severity`);
  assert.equal(d.message, f.message);
}

describe('server diagnostics', function () {
  this.timeout(120000);
  let paths: Map<string, string>;
  let inline: LspClient;
  let worker: LspClient;

  before(async () => {
    paths = await sharedFixtures();
    inline = await LspClient.start();
    // Every BAT checked in the worker thread, as 16M-entry images are.
    worker = await LspClient.start({ initializationOptions: { inlineCheckEntries: 0 } });
  });
  after(async () => {
    await inline?.stop();
    await worker?.stop();
  });

  it('publishes exactly the expected findings of every fixture, at their bytes, with the document version', async () => {
    for (const spec of FIXTURES) {
      const uri = fileUri(paths.get(spec.name) ?? '');
      await inline.openImage(uri, 7);
      const diagnostics = await inline.diagnosticsOf(uri, 7);
      const left = [...diagnostics];
      for (const e of spec.expect) {
        const k = left.findIndex((d) => matches(d, e));
        assert.ok(k >= 0, `${spec.name}: no diagnostic for ${JSON.stringify(e)} in ${JSON.stringify(left.map((d) => [d.code, d.data]))}`);
        left.splice(k, 1);
      }
      assert.deepEqual(
        left.map((d) => d.code),
        [],
        `${spec.name}: unexpected diagnostics`,
      );
      const engine = withImage(paths.get(spec.name) ?? '', (src) => checkImage(src).findings);
      for (const d of diagnostics) checkShape(d, engine);
    }
  });

  it('gives the same diagnostics when the BAT is checked in the worker thread', async () => {
    for (const spec of FIXTURES) {
      const uri = fileUri(paths.get(spec.name) ?? '');
      await inline.openImage(uri, 9);
      await worker.openImage(uri, 9);
      assert.deepEqual(await worker.diagnosticsOf(uri, 9), await inline.diagnosticsOf(uri, 9), spec.name);
    }
  });
});
