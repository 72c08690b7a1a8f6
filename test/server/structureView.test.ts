import { strict as assert } from 'node:assert';
import type { DocumentSymbol } from 'vscode-languageserver-protocol';
import { BAT_OFFSET } from '../../shared/format/constants';
import { u32Bytes } from '../../shared/format/le';
import * as P from '../../shared/protocol';
import { fixturePath } from '../fixtures';
import { applyEdits, scratchCopy, withImage } from '../fixtures/files';
import { checkImage } from '../../shared/engine/check';
import { EXT64K } from '../fixtures/specs/layout';
import { LspClient, editsOf, fileUri, fixOf } from './lspClient';

const names = (symbols: DocumentSymbol[] | undefined): string[] => (symbols ?? []).map((s) => s.name);

async function content(client: LspClient, uri: string): Promise<string> {
  const r = (await client.connection.sendRequest('workspace/textDocumentContent', { uri })) as { text: string };
  return r.text;
}

describe('server structure view (workspace/textDocumentContent)', function () {
  this.timeout(60000);
  let client: LspClient;
  before(async () => {
    client = await LspClient.start();
  });
  after(() => client?.stop());

  it('structureUri and parseStructureUri round-trip, also after an editor re-encodes the URI', () => {
    const image = 'file:///tmp/my%20disk/a&b.hdd';
    const uri = P.structureUri(image, 3);
    assert.match(uri, /^hdd-structure:\/tmp\/my%20disk\/a&b\.hdd\.structure\?/);
    assert.deepEqual(P.parseStructureUri(uri), { imageUri: image, page: 3 });
    assert.deepEqual(P.parseStructureUri(P.structureUri(image)), { imageUri: image });
    // VS Code decodes and re-encodes the query; the image URI survives.
    const reencoded = `hdd-structure:/tmp/my%20disk/a%26b.hdd.structure?${encodeURIComponent(image).replace(/%2F/g, '%2f')}#page%3D3`;
    assert.deepEqual(P.parseStructureUri(reencoded), { imageUri: image, page: 3 });
    assert.deepEqual(P.parseStructureUri('hdd-structure:/x/y.hdd.structure'), { imageUri: 'file:///x/y.hdd' });
    assert.equal(P.parseStructureUri('file:///x/y.hdd'), undefined);
  });

  it('serves an annotated dump whose lines map back to bytes: hover, outline, diagnostics and quick fixes', async () => {
    const path = await fixturePath('bat-entry-duplicate');
    const image = fileUri(path);
    const view = P.structureUri(image);
    const text = await content(client, view);
    const lines = text.split('\n');
    assert.match(lines[0], /hdd-lens structure of .*bat-entry-duplicate\.hdd/);
    const entryLine = lines.findIndex((l) => /^\s+\[7\]\s/.test(l));
    assert.ok(entryLine > 0, text);
    assert.match(lines[entryLine], /^\s+\[7\]\s+0x2\s+0x20000\s+0x70000-0x7ffff$/);
    // Half an editor's width: the value of a header field starts within the first 30 columns (45 before).
    const inUse = lines.map((l) => /^(\s+0x2C\s+in_use\s+)\S/i.exec(l)).find((m) => m !== null);
    assert.ok(inUse && inUse[1].length <= 30, `in_use's value starts at column ${inUse?.[1].length}`);
    assert.match(lines[entryLine + 1], /\^ ERROR bat-entry-duplicate: BAT entry 7/);
    assert.ok(lines.some((l) => /^FINDINGS \(1\)$/.test(l)));

    // Opening it as a text document (as an editor does) gives it diagnostics on the finding's line.
    await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: view, languageId: 'hdd-structure', version: 1, text } });
    const published = await client.diagnosticsWhere(view, (p) => p.diagnostics.length > 0);
    assert.deepEqual(
      published.diagnostics.map((d) => [d.code, d.range.start.line, d.data]),
      [['bat-entry-duplicate', entryLine + 1, { offset: BAT_OFFSET + 7 * 4, length: 4 }]],
    );

    const hover = await client.hover(view, entryLine, 6);
    assert.match(hover?.text ?? '', /\*\*BAT entry 7\*\*/);
    assert.match(hover?.text ?? '', /bat-entry-duplicate/);
    assert.equal(hover?.range?.start.line, entryLine);

    const symbols = await client.symbols(view);
    assert.deepEqual(names(symbols), ['HEADER', 'BAT', 'PADDING', 'DATA AREA', 'FINDINGS (1)']);
    const header = symbols.find((s) => s.name === 'HEADER');
    assert.ok(names(header?.children).includes('tracks (cluster size)'));
    // Each section folds from its heading to its last line, as the outline spans it.
    const folds = await client.folding(view);
    for (const s of symbols.filter((x) => x.range.end.line > x.range.start.line)) {
      assert.ok(
        folds.some((f) => f.startLine === s.range.start.line && f.endLine === s.range.end.line),
        `${s.name} folds: ${JSON.stringify(folds)}`,
      );
    }
    assert.ok(
      folds.some((f) => f.startLine < entryLine && f.endLine >= entryLine),
      'the BAT page of entry 7 folds',
    );
    const bat = symbols.find((s) => s.name === 'BAT');
    assert.deepEqual(names(bat?.children), ['page 0: entries 0-15']);
    assert.ok((bat?.range.start.line ?? 0) < entryLine && entryLine <= (bat?.range.end.line ?? 0));

    const actions = await client.codeActions(view, { start: { line: entryLine, character: 0 }, end: { line: entryLine, character: 0 } });
    const quick = actions.find((a) => a.title.startsWith('Fix:'));
    assert.ok(quick, JSON.stringify(actions.map((a) => a.title)));
    const fix = fixOf(quick);
    assert.equal(fix.uri, image, 'the fix edits the image, not the view');
    const copy = await scratchCopy(path);
    await applyEdits(copy, editsOf(fix));
    assert.deepEqual(
      withImage(copy, (src) => checkImage(src).findings.map((f) => f.code)),
      [],
    );
    await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri: view } });
  });

  it('refreshes the view when its image changes, and shows the new state', async () => {
    const path = await scratchCopy(await fixturePath('clean-ext64k'));
    const image = fileUri(path);
    await client.openImage(image, 1);
    await client.diagnosticsOf(image, 1);
    const view = P.structureUri(image);
    assert.match(await content(client, view), /^No findings\.$/m);
    const data = Buffer.from(u32Bytes(EXT64K.entry[0])).toString('base64');
    await client.change({ uri: image, version: 2, edits: [{ offset: BAT_OFFSET + EXT64K.free * 4, data }] });
    await client.diagnosticsOf(image, 2);
    const deadline = Date.now() + 10000;
    while (!client.refreshed.includes(view) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(client.refreshed.includes(view), 'workspace/textDocumentContent/refresh was not sent');
    const after = await content(client, view);
    assert.match(after, /\(version 2\)/);
    assert.match(after, /\^ ERROR bat-entry-duplicate/);
  });

  it('lists a large BAT by page, and one page entry by entry with #page=N', async () => {
    const image = fileUri(await fixturePath('sample-parallels-with-bitmap'));
    const whole = await content(client, P.structureUri(image));
    assert.match(whole, /^ {2}page 3: entries 3072-4095 /m);
    assert.doesNotMatch(whole, /^\s+\[3072\]/m);
    const page = await content(client, P.structureUri(image, 3));
    assert.match(page, /^\s+\[3072\]\s+0\s+-\s+0xc0000000-0xc00fffff$/m);
    assert.match(page, /^\s+\[4095\]\s/m);
    assert.doesNotMatch(page, /^\s+\[4096\]/m);
    assert.match(page, /L1 entry 0\s+0x800 sectors = cluster at 0x100000/);
  });
});
